/**
 * The scheduling queue, as kube-scheduler's: activeQ (a heap: higher priority first, then the
 * pod that queued first), backoffQ (a failed pod waits 1 s, doubling per attempt up to 10 s),
 * and unschedulableQ (pods no node could take; they wait for a cluster event that might help —
 * a node added or changed, a pod deleted, their own update — and are flushed after 60 s anyway).
 */
import type { Clock } from '../../client/types.js';
import { Heap } from './heap.js';
import type { PodInfo } from './pod-info.js';

/** Queue timings; defaults as kube-scheduler (the 60 s flush is pre-1.27's, kept deliberately short). */
export interface QueueOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  unschedulableMaxMs: number;
}

export const defaultQueueOptions: QueueOptions = {
  initialBackoffMs: 1000,
  maxBackoffMs: 10_000,
  unschedulableMaxMs: 60_000,
};

/** A pod in the queue, with its scheduling history. */
export interface QueuedPod {
  info: PodInfo;
  /** When it first entered the queue: older pods go first among equal priorities. */
  readonly queuedAt: number;
  readonly seq: number;
  attempts: number;
  lastAttemptAt: number;
  /** The scheduling cycle that popped it last. */
  cycle: number;
}

type Where = 'active' | 'backoff' | 'unschedulable' | 'inflight';

interface Entry {
  qp: QueuedPod;
  where: Where;
  unschedulableSince: number;
  /** Updated while in flight: a failure then retries instead of waiting for an event. */
  dirty: boolean;
  cancelBackoff?: () => void;
}

const byPriority = (a: QueuedPod, b: QueuedPod): boolean =>
  a.info.priority !== b.info.priority
    ? a.info.priority > b.info.priority
    : a.queuedAt !== b.queuedAt
      ? a.queuedAt < b.queuedAt
      : a.seq < b.seq;

/** activeQ + backoffQ + unschedulableQ. Keys are "namespace/name". */
export class SchedulingQueue {
  private readonly entries = new Map<string, Entry>();
  private readonly active = new Heap<QueuedPod>(byPriority);
  /** Kept apart so cluster events cost nothing while no pod is waiting for one. */
  private readonly unschedulable = new Set<Entry>();
  private waiters: Array<(qp: QueuedPod | undefined) => void> = [];
  private seq = 0;
  private cycle = 0;
  private moveRequestCycle = -1;
  private closed = false;

  constructor(
    private readonly clock: Clock,
    private readonly opts: QueueOptions = defaultQueueOptions,
  ) {}

  /** A new pending pod, or an update of one already queued. */
  add(info: PodInfo): void {
    if (this.closed) return;
    const e = this.entries.get(info.key);
    if (e) return this.update(info);
    const now = this.clock.now().getTime();
    const qp: QueuedPod = { info, queuedAt: now, seq: this.seq++, attempts: 0, lastAttemptAt: 0, cycle: -1 };
    this.entries.set(info.key, { qp, where: 'active', unschedulableSince: 0, dirty: false });
    this.pushActive(qp);
  }

  /** The pod object changed; specChanged means a change that could make it schedulable. */
  update(info: PodInfo, specChanged = true): void {
    const e = this.entries.get(info.key);
    if (!e) return this.add(info);
    e.qp.info = info;
    if (e.where === 'inflight') e.dirty ||= specChanged;
    else if (e.where === 'unschedulable' && specChanged) this.moveOut(e);
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    e.cancelBackoff?.();
    this.unschedulable.delete(e);
    this.entries.delete(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Where the pod is, for tests and metrics. */
  whereIs(key: string): Where | undefined {
    return this.entries.get(key)?.where;
  }

  /** Counts per queue. */
  get sizes(): Record<Where, number> {
    const out = { active: 0, backoff: 0, unschedulable: 0, inflight: 0 };
    for (const e of this.entries.values()) out[e.where]++;
    return out;
  }

  /** The next pod to schedule, without waiting; marks it in flight. */
  tryPop(): QueuedPod | undefined {
    for (;;) {
      const qp = this.active.pop();
      if (!qp) return undefined;
      const e = this.entries.get(qp.info.key);
      // Stale heap entries (deleted or moved since) are skipped: lazy deletion.
      if (!e || e.qp !== qp || e.where !== 'active') continue;
      e.where = 'inflight';
      e.dirty = false;
      qp.attempts++;
      qp.lastAttemptAt = this.clock.now().getTime();
      qp.cycle = ++this.cycle;
      return qp;
    }
  }

  /** Waits for the next pod; undefined once closed. */
  pop(): Promise<QueuedPod | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const qp = this.tryPop();
    if (qp) return Promise.resolve(qp);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** The pod was bound (or dropped): it leaves the queue. */
  done(key: string): void {
    this.delete(key);
  }

  /**
   * A failed attempt. An unschedulable pod waits in unschedulableQ for an event — unless an
   * event already arrived while it was in flight, or it was updated, when it backs off instead.
   * Errors (bind failure) always back off.
   */
  requeue(qp: QueuedPod, unschedulable: boolean): void {
    const e = this.entries.get(qp.info.key);
    if (!e || e.qp !== qp || this.closed) return;
    if (unschedulable && !e.dirty && this.moveRequestCycle < qp.cycle) {
      e.where = 'unschedulable';
      e.unschedulableSince = this.clock.now().getTime();
      this.unschedulable.add(e);
      return;
    }
    this.toBackoffOrActive(e);
  }

  /** A cluster event that may help: unschedulable pods (those `which` accepts) retry. */
  moveAllUnschedulable(which?: (info: PodInfo) => boolean): void {
    this.moveRequestCycle = this.cycle;
    for (const e of this.unschedulable) if (!which || which(e.qp.info)) this.moveOut(e);
  }

  /** Moves pods that have waited in unschedulableQ longer than unschedulableMaxMs. */
  flushUnschedulableLeftover(): void {
    const now = this.clock.now().getTime();
    for (const e of this.unschedulable)
      if (now - e.unschedulableSince >= this.opts.unschedulableMaxMs) this.moveOut(e);
  }

  /** When the pod's current backoff ends (ms since epoch). */
  backoffExpiry(qp: QueuedPod): number {
    const ms = Math.min(
      this.opts.maxBackoffMs,
      this.opts.initialBackoffMs * 2 ** Math.max(0, qp.attempts - 1),
    );
    return qp.lastAttemptAt + ms;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) e.cancelBackoff?.();
    for (const w of this.waiters) w(undefined);
    this.waiters = [];
  }

  private moveOut(e: Entry): void {
    this.unschedulable.delete(e);
    this.toBackoffOrActive(e);
  }

  private toBackoffOrActive(e: Entry): void {
    const wait = this.backoffExpiry(e.qp) - this.clock.now().getTime();
    if (wait <= 0) {
      e.where = 'active';
      this.pushActive(e.qp);
      return;
    }
    e.where = 'backoff';
    e.cancelBackoff?.();
    e.cancelBackoff = this.clock.after(wait, () => {
      if (this.entries.get(e.qp.info.key) !== e || e.where !== 'backoff') return;
      e.cancelBackoff = undefined;
      e.where = 'active';
      this.pushActive(e.qp);
    });
  }

  private pushActive(qp: QueuedPod): void {
    this.active.push(qp);
    const waiter = this.waiters.shift();
    if (waiter) {
      const next = this.tryPop();
      waiter(next);
    }
  }
}
