/**
 * RFC 7386 JSON Merge Patch (application/merge-patch+json): objects merge recursively, null deletes,
 * anything else (arrays included) replaces. This is the patch kubectl uses for custom resources,
 * which have no strategic-merge metadata.
 */
import { clone, getKey, hasKey, isObject, type JsonObject, setKey } from './json.js';

/** Applies an RFC 7386 merge patch to `target`; returns a new value and never mutates the inputs. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  return merge(clone(target), patch);
}

/** The RFC's MergePatch procedure over `target`, which this module owns and may mutate. */
function merge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? target : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      if (hasKey(out, key)) delete out[key];
    } else {
      setKey(out, key, merge(getKey(out, key), value));
    }
  }
  return out;
}
