import { describe, expect, it } from 'vitest';
import { generateName, randomSuffix } from './names.js';

describe('generated names', () => {
  it('suffixes from Kubernetes alphabet, different across a pool refill', () => {
    const suffixes = Array.from({ length: 5000 }, () => randomSuffix());
    for (const s of suffixes) expect(s).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    // 27^5 ≈ 14 million names: 5,000 draws (six refills of the pool) repeat only by chance.
    expect(new Set(suffixes).size).toBeGreaterThan(4990);
  });

  it('keeps generateName within 63 characters', () => {
    expect(generateName('web-')).toMatch(/^web-[a-z0-9]{5}$/);
    expect(generateName('x'.repeat(80))).toHaveLength(63);
  });
});
