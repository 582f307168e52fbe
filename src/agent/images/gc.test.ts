import { describe, expect, it } from 'vitest';
import { type GCImage, type GCInput, planImageGC } from './gc.js';

const GB = 1_000_000_000;

function input(images: GCImage[], over: Partial<GCInput> = {}): GCInput {
  return {
    images,
    layerSizes: new Map([
      ['base', 4 * GB],
      ['a', 2 * GB],
      ['b', 3 * GB],
      ['c', 1 * GB],
    ]),
    capacity: 100 * GB,
    available: 10 * GB, // 90% used: 10 GB must go to reach 80%
    highThresholdPercent: 85,
    lowThresholdPercent: 80,
    inUse: new Set(),
    now: 1_000_000,
    minAgeMs: 0,
    ...over,
  };
}

const img = (id: string, layers: string[], lastUsed: number): GCImage => ({ id, layers, lastUsed });

describe('planImageGC', () => {
  it('does nothing below the high threshold', () => {
    const plan = planImageGC(input([img('old', ['a'], 1)], { available: 16 * GB }));
    expect(plan.remove).toEqual([]);
    expect(plan.bytesToFree).toBe(0);
    expect(plan.usagePercent).toBeCloseTo(84);
  });

  it('removes least recently used images first until enough is freed', () => {
    const plan = planImageGC(
      input([img('newest', ['c'], 300), img('oldest', ['a'], 100), img('middle', ['b'], 200)], {
        available: 15 * GB,
      }),
    );
    // 85% used; 5 GB to free: oldest (2 GB) then middle (3 GB) suffice.
    expect(plan.bytesToFree).toBe(5 * GB);
    expect(plan.remove).toEqual(['oldest', 'middle']);
    expect(plan.bytesFreed).toBe(5 * GB);
  });

  it('counts a shared layer only when its last user goes', () => {
    const plan = planImageGC(
      input([img('x', ['base', 'a'], 100), img('y', ['base', 'b'], 200), img('z', ['c'], 300)]),
    );
    // x frees only a (2 GB: base is still y's); y then frees b and base (7 GB); 9 < 10, so z too.
    expect(plan.remove).toEqual(['x', 'y', 'z']);
    expect(plan.bytesFreed).toBe(10 * GB);
  });

  it('never removes images in use', () => {
    const plan = planImageGC(
      input([img('used', ['a'], 1), img('free', ['b'], 2)], { inUse: new Set(['used']) }),
    );
    expect(plan.remove).toEqual(['free']);
    expect(plan.bytesFreed).toBe(3 * GB);
  });

  it('keeps images used within the minimum age', () => {
    const plan = planImageGC(
      input([img('fresh', ['a'], 999_000), img('stale', ['b'], 1)], { minAgeMs: 60_000 }),
    );
    expect(plan.remove).toEqual(['stale']);
  });

  it('an image whose layers another kept image shares frees nothing but is still removed in order', () => {
    const plan = planImageGC(
      input([img('alias', ['a'], 1), img('kept', ['a'], 2)], { inUse: new Set(['kept']) }),
    );
    expect(plan.remove).toEqual(['alias']);
    expect(plan.bytesFreed).toBe(0);
  });
});
