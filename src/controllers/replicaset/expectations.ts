/**
 * Controller expectations (pkg/controller's ControllerExpectations with UID tracking): after a
 * controller issues N creates and deletes for an owner, it must not act on that owner again
 * until its informer has seen them, or it would count the pods it just created as missing and
 * create them twice. Expectations expire after a TTL so a lost watch event cannot wedge an owner.
 */
import type { Clock } from '../../client/types.js';

/** Kubernetes' ExpectationsTimeout. */
export const expectationsTtlMs = 5 * 60 * 1000;

interface Record {
  adds: number;
  /** Keys of pods whose deletion we still wait to see (UID tracking: each counts once). */
  deletes: Set<string>;
  at: number;
}

/** Pending creates and deletes per owner key. */
export class Expectations {
  private readonly records = new Map<string, Record>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = expectationsTtlMs,
  ) {}

  /** True when the owner may be synced: nothing pending, or the record expired. */
  satisfied(key: string): boolean {
    const r = this.records.get(key);
    if (!r) return true;
    if (r.adds <= 0 && r.deletes.size === 0) return true;
    return this.clock.now().getTime() - r.at > this.ttlMs;
  }

  /** Records that `count` creates were issued (replacing any earlier record). */
  expectCreations(key: string, count: number): void {
    this.records.set(key, { adds: count, deletes: new Set(), at: this.clock.now().getTime() });
  }

  /** Records deletes of these pod keys (replacing any earlier record). */
  expectDeletions(key: string, podKeys: string[]): void {
    this.records.set(key, { adds: 0, deletes: new Set(podKeys), at: this.clock.now().getTime() });
  }

  /** A create was seen by the informer, or failed and will never be seen. */
  creationObserved(key: string): void {
    const r = this.records.get(key);
    if (r) r.adds--;
  }

  /** A delete was seen, or failed; counts once per pod key. */
  deletionObserved(key: string, podKey: string): void {
    this.records.get(key)?.deletes.delete(podKey);
  }

  /** The owner is gone. */
  forget(key: string): void {
    this.records.delete(key);
  }

  /** Pending (adds, deletes), for tests and debugging. */
  pending(key: string): [number, number] {
    const r = this.records.get(key);
    return r ? [r.adds, r.deletes.size] : [0, 0];
  }
}
