/**
 * Counts per topology pair (key=value), stored as parallel arrays of keys and value maps so the
 * per-node lookups in InterPodAffinity and PodTopologySpread walk arrays and index Maps without
 * building "key=value" strings or iterators.
 */
import type { Labels } from './selectors.js';

/** Counts keyed by topology key, then by the node label value for that key. */
export class TopologyCounts {
  readonly keys: string[] = [];
  readonly values: Map<string, number>[] = [];

  add(key: string, value: string, n: number): void {
    let i = this.keys.indexOf(key);
    if (i < 0) {
      i = this.keys.length;
      this.keys.push(key);
      this.values.push(new Map());
    }
    const m = this.values[i];
    m.set(value, (m.get(value) ?? 0) + n);
  }

  get(key: string, value: string): number {
    const i = this.keys.indexOf(key);
    return i < 0 ? 0 : (this.values[i].get(value) ?? 0);
  }

  /** Whether some pair has a positive count. */
  get empty(): boolean {
    for (const m of this.values) for (const n of m.values()) if (n > 0) return false;
    return true;
  }

  /** Whether some key's count for the node's label value is positive (the node is "hit"). */
  hitsNode(labels: Labels): boolean {
    for (let i = 0; i < this.keys.length; i++) {
      const v = labels[this.keys[i]];
      if (v !== undefined && (this.values[i].get(v) ?? 0) > 0) return true;
    }
    return false;
  }

  /** Sum over keys of the node's value counts (scores use signed weights). */
  sumForNode(labels: Labels): number {
    let sum = 0;
    for (let i = 0; i < this.keys.length; i++) {
      const v = labels[this.keys[i]];
      if (v !== undefined) sum += this.values[i].get(v) ?? 0;
    }
    return sum;
  }
}
