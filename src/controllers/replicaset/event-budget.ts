/**
 * A per-object event budget, as client-go's EventSourceObjectSpamFilter: each object may emit a
 * burst of 25 events, then one more every 5 minutes. Without it a 10,000-replica ReplicaSet
 * would write 10,000 SuccessfulCreate events, doubling the API writes of a scale-up.
 */
import type { KObject } from '../../api/object.js';
import type { EventKind, EventRecorder } from '../../client/events.js';
import type { Clock } from '../../client/types.js';

const burst = 25;
const refillMs = 5 * 60 * 1000;
const maxTracked = 4096;

/** Wraps a recorder, dropping events beyond each object's budget. */
export class BudgetedRecorder implements EventRecorder {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly inner: EventRecorder,
    private readonly clock: Clock,
  ) {}

  record(obj: KObject, type: EventKind, reason: string, message: string): void {
    if (this.take(obj.metadata.uid ?? `${obj.metadata.namespace}/${obj.metadata.name}`)) {
      this.inner.record(obj, type, reason, message);
    }
  }

  private take(key: string): boolean {
    const now = this.clock.now().getTime();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= maxTracked) this.buckets.clear();
      b = { tokens: burst, at: now };
      this.buckets.set(key, b);
    }
    const refilled = Math.floor((now - b.at) / refillMs);
    if (refilled > 0) {
      b.tokens = Math.min(burst, b.tokens + refilled);
      b.at += refilled * refillMs;
    }
    if (b.tokens <= 0) return false;
    b.tokens--;
    return true;
  }
}
