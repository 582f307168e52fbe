/**
 * The plumbing the workload controllers (DaemonSet, StatefulSet, Job, CronJob) share: a work
 * queue with workers tied to the leadership signal, creation/deletion expectations (so a stale
 * informer never makes a controller create a pod twice), controller references, and adoption of
 * orphans that match a selector. It lives here because DaemonSet was written first; it has no
 * DaemonSet-specific code.
 */
import type { LabelSelector, OwnerReference } from 'kubernetes-types/meta/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { Clock, ResourceClient } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { labelSelectorMatches } from '../../registry/common/selector.js';
import type { ControllerContext } from '../manager.js';

/** Starts `workers` reconcile loops on a new queue; the queue shuts down when ctx.signal aborts. */
export function startQueue(
  ctx: ControllerContext,
  clock: Clock,
  reconcile: (key: string) => Promise<void>,
  workers = 2,
): WorkQueue {
  const queue = new WorkQueue(clock);
  if (ctx.signal.aborted) queue.shutDown();
  else ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  void runWorkers(queue, workers, reconcile);
  return queue;
}

/** Ignores NotFound (already gone) and AlreadyExists (already there) where either is success. */
export function ignoreReason(
  ...reasons: Array<'NotFound' | 'AlreadyExists' | 'Conflict'>
): (err: unknown) => undefined {
  return (err) => {
    if (reasons.some((r) => isReason(err, r))) return undefined;
    throw err;
  };
}

/**
 * Creations and deletions a controller has asked for but its informer has not shown yet
 * (client-go's ControllerExpectations). Until they are observed, a reconcile must not act on
 * counts, or it would create the same pod twice. Expectations expire, so a lost event cannot
 * wedge a controller.
 */
export class Expectations {
  private readonly pending = new Map<string, { adds: number; dels: Set<string>; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs = 5 * 60_000,
  ) {}

  private entry(key: string) {
    let e = this.pending.get(key);
    if (!e) {
      e = { adds: 0, dels: new Set(), at: this.clock.now().getTime() };
      this.pending.set(key, e);
    }
    return e;
  }

  /** Call before creating n objects (their names are not known yet with generateName). */
  expectCreations(key: string, n: number): void {
    if (n <= 0) return;
    const e = this.entry(key);
    e.adds += n;
    e.at = this.clock.now().getTime();
  }

  /** Call before deleting the named objects. */
  expectDeletions(key: string, names: string[]): void {
    if (names.length === 0) return;
    const e = this.entry(key);
    for (const n of names) e.dels.add(n);
    e.at = this.clock.now().getTime();
  }

  /** An owned object appeared (or a create failed, so it never will). */
  creationObserved(key: string): void {
    const e = this.pending.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** An owned object went away or started terminating (or its delete failed). */
  deletionObserved(key: string, name: string): void {
    this.pending.get(key)?.dels.delete(name);
  }

  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.dels.size === 0) || this.clock.now().getTime() - e.at > this.ttlMs) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}

/** The owner reference a controller puts on what it creates. */
export function controllerRef(owner: KObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion ?? '',
    kind: owner.kind ?? '',
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controlling owner reference of obj, if any. */
export function controllerOf(obj: KObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

/** The queue key of obj's controller when it is of `kind`, or undefined. */
export function ownerKey(obj: KObject, kind: string): string | undefined {
  const ref = controllerOf(obj);
  if (!ref || ref.kind !== kind) return undefined;
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
}

/** Pairs an owner kind with the informer handlers that wake its key on dependent changes. */
export function dependentHandlers<T extends KObject>(
  kind: string,
  enqueue: (key: string) => void,
  expectations?: Expectations,
  orphanOwners?: (obj: T) => string[],
) {
  const wake = (obj: T) => {
    const key = ownerKey(obj, kind);
    if (key) enqueue(key);
    else if (orphanOwners) for (const k of orphanOwners(obj)) enqueue(k);
    return key;
  };
  return {
    onAdd(obj: T) {
      const key = wake(obj);
      if (key) expectations?.creationObserved(key);
      if (key && obj.metadata.deletionTimestamp) expectations?.deletionObserved(key, obj.metadata.name ?? '');
    },
    onUpdate(old: T, obj: T) {
      const key = wake(obj);
      const oldKey = ownerKey(old, kind);
      if (oldKey && oldKey !== key) enqueue(oldKey);
      if (key && obj.metadata.deletionTimestamp) expectations?.deletionObserved(key, obj.metadata.name ?? '');
    },
    onDelete(obj: T) {
      const key = wake(obj);
      if (key) expectations?.deletionObserved(key, obj.metadata.name ?? '');
    },
  };
}

/**
 * The objects `owner` controls, after adopting orphans its selector matches and releasing owned
 * objects it no longer matches (ControllerRefManager.ClaimPods). Only live objects are adopted:
 * an owner being deleted adopts nothing.
 */
export async function claim<T extends KObject>(
  owner: KObject,
  selector: LabelSelector | undefined,
  candidates: T[],
  client: ResourceClient<T>,
): Promise<T[]> {
  const uid = owner.metadata.uid;
  const namespace = owner.metadata.namespace ?? '';
  const owned: T[] = [];
  for (const obj of candidates) {
    if (obj.metadata.namespace !== owner.metadata.namespace) continue;
    const ref = controllerOf(obj);
    const matches = labelSelectorMatches(selector, obj.metadata.labels);
    if (ref?.uid === uid) {
      if (matches || owner.metadata.deletionTimestamp) {
        owned.push(obj);
        continue;
      }
      await setOwnerRefs(client, namespace, obj, (refs) => refs.filter((r) => r.uid !== uid));
    } else if (!ref && matches && !owner.metadata.deletionTimestamp && !obj.metadata.deletionTimestamp) {
      const adopted = await setOwnerRefs(client, namespace, obj, (refs) => [...refs, controllerRef(owner)]);
      if (adopted) owned.push(adopted);
    }
  }
  return owned;
}

async function setOwnerRefs<T extends KObject>(
  client: ResourceClient<T>,
  namespace: string,
  obj: T,
  change: (refs: OwnerReference[]) => OwnerReference[],
): Promise<T | undefined> {
  const next = cloneJSON(obj);
  next.metadata.ownerReferences = change(next.metadata.ownerReferences ?? []);
  // The informer copy's resourceVersion makes this a compare-and-swap: a conflict retries later.
  return client.update(namespace, next).catch(ignoreReason('NotFound'));
}

/** RFC 3339 with whole seconds, as Kubernetes writes metav1.Time. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** An IntOrString budget scaled against a total (intstr.GetScaledValueFromIntOrPercent). */
export function scaledValue(v: number | string | undefined, total: number, roundUp: boolean): number {
  if (v === undefined) return 0;
  if (typeof v === 'number') return v;
  const pct = Number.parseInt(v, 10);
  if (Number.isNaN(pct)) return 0;
  const x = (pct * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/**
 * Per-key delayed requeues that keep the earliest time asked for, so a later, longer request
 * (say, a deadline) never postpones a sooner one (say, a backoff). Timers stop with the signal.
 */
export class Requeue {
  private readonly timers = new Map<string, { at: number; cancel: () => void }>();

  constructor(
    private readonly clock: Clock,
    private readonly add: (key: string) => void,
    signal: AbortSignal,
  ) {
    signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  after(key: string, ms: number): void {
    const at = this.clock.now().getTime() + Math.max(0, ms);
    const existing = this.timers.get(key);
    if (existing && existing.at <= at) return;
    existing?.cancel();
    const cancel = this.clock.after(Math.max(0, ms), () => {
      this.timers.delete(key);
      this.add(key);
    });
    this.timers.set(key, { at, cancel });
  }

  stop(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}
