/** Name helpers: generateName suffixes and the generic name checks applied to every object. */
import { randomFillSync } from 'node:crypto';

// Kubernetes' alphabet for random suffixes: no vowels (no words) and no look-alike characters.
const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Random bytes drawn from one 4 KiB pool: a Deployment's ReplicaSet names thousands of pods, and
 * a randomBytes call per name (a getrandom syscall each) showed in its profile.
 */
const pool = Buffer.alloc(4096);
let poolUsed = pool.length;

function takeRandom(n: number): Buffer {
  if (poolUsed + n > pool.length) {
    randomFillSync(pool);
    poolUsed = 0;
  }
  poolUsed += n;
  return pool.subarray(poolUsed - n, poolUsed);
}

/** A 5-character random suffix as Kubernetes' names.SimpleNameGenerator makes. */
export function randomSuffix(length = 5): string {
  const bytes = takeRandom(length);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

/** generateName + suffix, trimming the base so the result stays within 63 characters. */
export function generateName(base: string): string {
  const maxBase = 63 - 5;
  return (base.length > maxBase ? base.slice(0, maxBase) : base) + randomSuffix();
}

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** DNS-1123 subdomain check: the default rule for object names. */
export function dns1123SubdomainErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 253) out.push('must be no more than 253 characters');
  if (!subdomain.test(name)) {
    out.push(
      `a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  }
  return out;
}

/** Path-segment check every name must pass, whatever the kind (apimachinery's path validation). */
export function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  if (name.includes('/')) return [`may not contain '/'`];
  if (name.includes('%')) return [`may not contain '%'`];
  return [];
}
