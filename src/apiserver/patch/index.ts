/**
 * The patch engine behind PATCH requests: one entry point that picks RFC 6902 JSON patch, RFC 7386
 * merge patch or Kubernetes strategic merge patch from the request's patch type. Pure functions:
 * no I/O, inputs are never mutated.
 */
import { ApiError } from '../../api/errors.js';
import type { PatchMeta } from '../../api/schema/patch-meta.js';
import { isObject } from './json.js';
import { jsonPatch } from './json-patch.js';
import { mergePatch } from './merge-patch.js';
import { badPatch } from './patch-errors.js';
import { strategicMergePatch } from './strategic-merge-patch.js';

export { type JsonPatchOp, jsonPatch, MAX_JSON_PATCH_OPERATIONS, parseJsonPatch } from './json-patch.js';
export { mergePatch } from './merge-patch.js';
export { REJECTED_MESSAGE } from './patch-errors.js';
export { strategicMergePatch } from './strategic-merge-patch.js';

/** The three patch formats kubectl sends. */
export type PatchType = 'json' | 'merge' | 'strategic';

/** Content-Type of a PATCH request → patch type; undefined for anything else (415 at the caller). */
export const PATCH_CONTENT_TYPES: Readonly<Record<string, PatchType>> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
};

/** What kube-apiserver answers when strategic merge patch is sent for a resource without a schema. */
const STRATEGIC_UNSUPPORTED =
  'the body of the request was in an unknown format - accepted media types include: ' +
  'application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml';

/**
 * Applies `patchBody` (already JSON-decoded) to `original` and returns the patched object, a new
 * value. `meta` is the kind's strategic-merge metadata; without it (custom resources) a strategic
 * patch is refused with 415 as Kubernetes does. Errors: 400 malformed patch, 422 patch that cannot
 * be applied (failed test op, missing path), 413 too many JSON patch operations.
 */
export function applyPatch(
  original: unknown,
  patchType: PatchType,
  patchBody: unknown,
  meta?: PatchMeta,
): unknown {
  switch (patchType) {
    case 'json':
      return jsonPatch(original, patchBody);
    case 'merge':
      // Kubernetes objects are JSON objects; a scalar or array body could never produce one.
      if (!isObject(patchBody)) throw badPatch('Invalid JSON Patch');
      return mergePatch(original, patchBody);
    case 'strategic':
      if (!meta) throw new ApiError(415, 'UnsupportedMediaType', STRATEGIC_UNSUPPORTED);
      return strategicMergePatch(original, patchBody, meta);
    default:
      throw badPatch(`unknown patch type: ${String(patchType)}`);
  }
}
