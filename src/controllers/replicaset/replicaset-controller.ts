/**
 * The ReplicaSet controller: keeps the number of active pods a ReplicaSet controls equal to
 * spec.replicas. Level-based: reconcile(key) claims pods by selector and ownerReference, creates
 * or deletes the difference (slow-start batches, in parallel, at most burstReplicas per pass),
 * and writes status. Expectations hold further action until the pod informer has seen this
 * pass's creates and deletes, so a burst is never repeated.
 */

import { cloneJSON } from '../../api/clone.js';
import { isReason } from '../../api/errors.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, type ResourceClient, splitKey } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { deepEqual } from '../../registry/common/meta.js';
import { labelSelectorMatches } from '../../registry/common/selector.js';
import type { Controller, ControllerContext } from '../manager.js';
import { slowStartBatch } from './batch.js';
import { applyClaims, planClaims } from './claim.js';
import { BudgetedRecorder } from './event-budget.js';
import { Expectations } from './expectations.js';
import {
  controllerRef,
  isPodActive,
  ownerRefTo,
  type PodObj,
  podFromTemplate,
  podsToDelete,
} from './pods.js';
import { calculateStatus, type ManageFailure, nextAvailableInMs, type ReplicaSetObj } from './status.js';

/** Tunables; defaults as kube-controller-manager. */
export interface ReplicaSetControllerOptions {
  /** Concurrent reconciles (--concurrent-replicaset-syncs). */
  workers: number;
  /** Most creates or deletes per reconcile pass (BurstReplicas). */
  burstReplicas: number;
}

const defaults: ReplicaSetControllerOptions = { workers: 5, burstReplicas: 500 };
const rsKind = { apiVersion: 'apps/v1', kind: 'ReplicaSet' };

/** How long pod status changes gather before the owning ReplicaSet recounts. */
const statusBatchMs = 100;
/**
 * A status recount scans every pod of the set; waiting at least this many times its last cost
 * keeps a huge set's recounts under a tenth of a core (10,000 pods: ~25 ms each, so every 250 ms).
 */
const statusBatchCostFactor = 10;
const statusBatchMaxMs = 1000;

/** Delay before retrying a reconcile that lost an optimistic-concurrency race. */
const conflictRetryMs = 10;

/** A ReplicaSet controller with the given options. */
export function newReplicaSetController(options: Partial<ReplicaSetControllerOptions> = {}): Controller {
  const opts = { ...defaults, ...options };
  return {
    name: 'replicaset',
    async run(ctx) {
      await new ReplicaSetSync(ctx, opts).run();
    },
  };
}

/** The ReplicaSet controller with Kubernetes' defaults. */
export const replicaSetController: Controller = newReplicaSetController();

class ReplicaSetSync {
  private readonly queue: WorkQueue;
  /** How long each set's last reconcile took (ms), to space its status recounts. */
  private readonly reconcileCostMs = new Map<string, number>();
  private readonly rsInformer: Informer<ReplicaSetObj>;
  private readonly podInformer: Informer<PodObj>;
  private readonly pods: ResourceClient<PodObj>;
  private readonly replicaSets: ResourceClient<ReplicaSetObj>;
  private readonly expectations: Expectations;
  private readonly events: EventRecorder;
  /** Pods by namespace, so a reconcile scans its namespace and not the whole cluster. */
  private readonly podsByNs = new Map<string, Map<string, PodObj>>();

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: ReplicaSetControllerOptions,
  ) {
    this.queue = new WorkQueue(ctx.clock);
    this.expectations = new Expectations(ctx.clock);
    this.events = new BudgetedRecorder(ctx.events('replicaset-controller'), ctx.clock);
    this.pods = ctx.client.resource<PodObj>('', 'v1', 'pods');
    this.replicaSets = ctx.client.resource<ReplicaSetObj>('apps', 'v1', 'replicasets');
    this.rsInformer = ctx.informers.for<ReplicaSetObj>('apps', 'v1', 'replicasets');
    this.podInformer = ctx.informers.for<PodObj>('', 'v1', 'pods');
  }

  async run(): Promise<void> {
    if (this.ctx.signal.aborted) return;
    this.ctx.signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    this.podInformer.addHandlers({
      onAdd: (pod) => this.podAdded(pod),
      onUpdate: (old, pod) => this.podUpdated(old, pod),
      onDelete: (pod) => this.podDeleted(pod),
    });
    this.rsInformer.addHandlers({
      onAdd: (rs) => this.queue.add(keyOf(rs)),
      onUpdate: (_, rs) => this.queue.add(keyOf(rs)),
      onDelete: (rs) => {
        this.expectations.forget(keyOf(rs));
        this.queue.add(keyOf(rs));
      },
    });
    await Promise.all([this.rsInformer.hasSynced(), this.podInformer.hasSynced()]);
    if (this.ctx.signal.aborted) return;
    await runWorkers(this.queue, this.opts.workers, (key) => this.reconcileOrRequeue(key));
  }

  // --- event handlers: map pod changes to the ReplicaSets that care ---

  private index(pod: PodObj, present: boolean): void {
    const ns = pod.metadata.namespace ?? '';
    let m = this.podsByNs.get(ns);
    if (!m) {
      m = new Map();
      this.podsByNs.set(ns, m);
    }
    if (present) m.set(keyOf(pod), pod);
    else m.delete(keyOf(pod));
  }

  /** The key of the ReplicaSet controlling the pod, if it exists. */
  private ownerKey(pod: PodObj): string | undefined {
    const ref = controllerRef(pod);
    if (ref?.kind !== 'ReplicaSet') return undefined;
    const key = `${pod.metadata.namespace}/${ref.name}`;
    return this.rsInformer.get(key)?.metadata.uid === ref.uid ? key : undefined;
  }

  private enqueueMatching(pod: PodObj): void {
    for (const rs of this.rsInformer.list()) {
      if (
        rs.metadata.namespace === pod.metadata.namespace &&
        labelSelectorMatches(rs.spec?.selector, pod.metadata.labels)
      ) {
        this.queue.add(keyOf(rs));
      }
    }
  }

  private podAdded(pod: PodObj): void {
    this.index(pod, true);
    if (pod.metadata.deletionTimestamp) return this.podDeleted(pod, false);
    if (controllerRef(pod)) {
      const key = this.ownerKey(pod);
      if (!key) return;
      this.expectations.creationObserved(key);
      this.queue.add(key);
      return;
    }
    this.enqueueMatching(pod);
  }

  private podUpdated(old: PodObj, pod: PodObj): void {
    this.index(pod, true);
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) return this.podDeleted(pod, false);
    const oldRef = controllerRef(old);
    const newRef = controllerRef(pod);
    if (oldRef && oldRef.uid !== newRef?.uid) {
      const oldKey = this.ownerKey(old);
      if (oldKey) this.queue.add(oldKey);
    }
    if (newRef) {
      const key = this.ownerKey(pod);
      if (!key) return;
      // A status-only change (readiness) needs only a status recount: batch a burst of them
      // into one reconcile, which scans every pod of the set, instead of one per pod.
      if (oldRef?.uid === newRef.uid && deepEqual(old.metadata.labels, pod.metadata.labels)) {
        const cost = this.reconcileCostMs.get(key) ?? 0;
        this.queue.addAfter(
          key,
          Math.min(statusBatchMaxMs, Math.max(statusBatchMs, statusBatchCostFactor * cost)),
        );
      } else {
        this.queue.add(key);
      }
      return;
    }
    if (!deepEqual(old.metadata.labels, pod.metadata.labels) || oldRef) this.enqueueMatching(pod);
  }

  private podDeleted(pod: PodObj, gone = true): void {
    if (gone) this.index(pod, false);
    const key = this.ownerKey(pod);
    if (!key) return;
    this.expectations.deletionObserved(key, keyOf(pod));
    this.queue.add(key);
  }

  // --- reconcile ---

  /**
   * A Conflict means our cache was a step behind a concurrent writer (often the other
   * controller's status write): retry soon on fresher state without growing the backoff.
   */
  private async reconcileOrRequeue(key: string): Promise<void> {
    const started = performance.now();
    try {
      await this.reconcile(key);
      this.reconcileCostMs.set(key, performance.now() - started);
    } catch (err) {
      if (!isReason(err, 'Conflict')) throw err;
      this.queue.addAfter(key, conflictRetryMs);
    }
  }

  /** Converges one ReplicaSet; throws to be retried with backoff. */
  async reconcile(key: string): Promise<void> {
    const rs = this.rsInformer.get(key);
    if (!rs) {
      this.expectations.forget(key);
      return;
    }
    const [ns] = splitKey(key);
    const needsSync = this.expectations.satisfied(key);
    const active = [...(this.podsByNs.get(ns)?.values() ?? [])].filter(isPodActive);
    const owned = await applyClaims(this.pods, rs, rsKind, planClaims(rs, rs.spec?.selector, active));
    let failure: ManageFailure | undefined;
    let error: unknown;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      try {
        await this.manage(key, rs, owned);
      } catch (err) {
        error = err;
        const reason = owned.length < (rs.spec?.replicas ?? 1) ? 'FailedCreate' : 'FailedDelete';
        failure = { reason, message: (err as Error).message };
      }
    }
    await this.writeStatus(rs, owned, failure);
    if (error) throw error;
    const wait = nextAvailableInMs(rs, owned, this.ctx.clock.now());
    if (wait !== undefined) this.queue.addAfter(key, wait);
  }

  private async manage(key: string, rs: ReplicaSetObj, owned: PodObj[]): Promise<void> {
    const diff = owned.length - (rs.spec?.replicas ?? 1);
    if (diff < 0) await this.createPods(key, rs, Math.min(-diff, this.opts.burstReplicas));
    else if (diff > 0)
      await this.deletePods(key, rs, podsToDelete(owned, Math.min(diff, this.opts.burstReplicas)));
  }

  private async createPods(key: string, rs: ReplicaSetObj, count: number): Promise<void> {
    const ns = rs.metadata.namespace ?? '';
    const template = rs.spec?.template ?? {};
    const ref = ownerRefTo(rs, rsKind.apiVersion, rsKind.kind);
    // Expect them all before the first create, as its add event may arrive before it returns.
    this.expectations.expectCreations(key, count);
    const result = await slowStartBatch(count, 1, async () => {
      const pod = await this.pods.create(ns, podFromTemplate(template, ns, rs.metadata.name!, ref));
      this.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${pod.metadata.name}`);
    });
    // Failed and skipped creates will never be observed: stop waiting for them.
    for (let i = result.successes; i < count; i++) this.expectations.creationObserved(key);
    if (result.error !== undefined) {
      this.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${(result.error as Error).message}`);
      throw result.error;
    }
  }

  private async deletePods(key: string, rs: ReplicaSetObj, victims: PodObj[]): Promise<void> {
    this.expectations.expectDeletions(key, victims.map(keyOf));
    const results = await Promise.allSettled(
      victims.map(async (pod) => {
        try {
          await this.pods.delete(pod.metadata.namespace ?? '', pod.metadata.name!, {
            preconditions: { uid: pod.metadata.uid },
          });
          this.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, keyOf(pod));
          if (!isReason(err, 'NotFound')) {
            this.events.record(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
            throw err;
          }
        }
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  private async writeStatus(
    rs: ReplicaSetObj,
    owned: PodObj[],
    failure: ManageFailure | undefined,
  ): Promise<void> {
    const status = calculateStatus(rs, owned, failure, this.ctx.clock.now());
    if (deepEqual(status, rs.status ?? {})) return;
    await this.replicaSets.updateStatus(rs.metadata.namespace ?? '', { ...cloneJSON(rs), status });
  }
}
