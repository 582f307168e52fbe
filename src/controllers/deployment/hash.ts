/**
 * The pod-template-hash: a stable name suffix and label value for the ReplicaSet that runs one
 * pod template. As Kubernetes' ComputeHash, an FNV-1a 32-bit hash of the template (plus the
 * collision count, when set), its decimal digits mapped onto a vowel-free alphabet so it never
 * spells words; ours hashes canonical JSON (sorted keys) instead of Go's object dump.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { deepEqual } from '../../registry/common/meta.js';

/** The label (and selector key) that ties a ReplicaSet to its template. */
export const podTemplateHashLabel = 'pod-template-hash';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** JSON with object keys sorted at every level, so equal objects serialize equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const parts = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** FNV-1a, 32 bits, over the UTF-8 bytes of `bytes`. */
export function fnv32a(bytes: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** rand.SafeEncodeString: each character mapped onto the alphabet. */
function safeEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += alphabet[s.charCodeAt(i) % alphabet.length];
  return out;
}

/** The hash for a template (without any pod-template-hash label) and collision count. */
export function podTemplateHash(template: PodTemplateSpec | undefined, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(canonicalJson(template ?? {})));
  if (collisionCount !== undefined) {
    const extra = new Uint8Array(4);
    new DataView(extra.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(extra, h);
  }
  return safeEncode(String(h));
}

function withoutHash(template: PodTemplateSpec | undefined): PodTemplateSpec {
  const copy = cloneJSON(template ?? {});
  const labels = copy.metadata?.labels;
  if (labels && podTemplateHashLabel in labels) {
    delete labels[podTemplateHashLabel];
    if (Object.keys(labels).length === 0 && copy.metadata) delete copy.metadata.labels;
  }
  return copy;
}

/** Whether two templates are the same apart from the pod-template-hash label (EqualIgnoreHash). */
export function templatesEqualIgnoringHash(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
): boolean {
  return deepEqual(withoutHash(a), withoutHash(b));
}
