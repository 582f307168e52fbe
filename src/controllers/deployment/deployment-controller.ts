/**
 * The Deployment controller: rolls a Deployment's pod template out through ReplicaSets. It
 * watches Deployments, ReplicaSets (to follow their progress) and pod deletions (Recreate waits
 * for old pods to be gone); reconcile(key) claims ReplicaSets by selector and ownerReference and
 * hands them to a DeploymentSync pass. It never touches pods: the ReplicaSet controller turns
 * the sizes written here into pods.
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
import {
  applyClaims,
  controllerRef,
  type PodObj,
  planClaims,
  type ReplicaSetObj,
} from '../replicaset/index.js';
import type { DeploymentObj } from './rollout.js';
import { DeploymentSync } from './sync.js';

/** Tunables; defaults as kube-controller-manager. */
export interface DeploymentControllerOptions {
  /** Concurrent reconciles (--concurrent-deployment-syncs). */
  workers: number;
}

const deploymentKind = { apiVersion: 'apps/v1', kind: 'Deployment' };

/** Delay before retrying a reconcile that lost an optimistic-concurrency race. */
const conflictRetryMs = 10;

/** A Deployment controller with the given options. */
export function newDeploymentController(options: Partial<DeploymentControllerOptions> = {}): Controller {
  const opts: DeploymentControllerOptions = { workers: 5, ...options };
  return {
    name: 'deployment',
    async run(ctx) {
      await new DeploymentLoop(ctx, opts).run();
    },
  };
}

/** The Deployment controller with Kubernetes' defaults. */
export const deploymentController: Controller = newDeploymentController();

class DeploymentLoop {
  private readonly queue: WorkQueue;
  private readonly dInformer: Informer<DeploymentObj>;
  private readonly rsInformer: Informer<ReplicaSetObj>;
  private readonly podInformer: Informer<PodObj>;
  private readonly deployments: ResourceClient<DeploymentObj>;
  private readonly replicaSets: ResourceClient<ReplicaSetObj>;
  private readonly events: EventRecorder;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: DeploymentControllerOptions,
  ) {
    this.queue = new WorkQueue(ctx.clock);
    this.events = ctx.events('deployment-controller');
    this.deployments = ctx.client.resource<DeploymentObj>('apps', 'v1', 'deployments');
    this.replicaSets = ctx.client.resource<ReplicaSetObj>('apps', 'v1', 'replicasets');
    this.dInformer = ctx.informers.for<DeploymentObj>('apps', 'v1', 'deployments');
    this.rsInformer = ctx.informers.for<ReplicaSetObj>('apps', 'v1', 'replicasets');
    this.podInformer = ctx.informers.for<PodObj>('', 'v1', 'pods');
  }

  async run(): Promise<void> {
    if (this.ctx.signal.aborted) return;
    this.ctx.signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    const enqueue = (d: DeploymentObj) => this.queue.add(keyOf(d));
    this.dInformer.addHandlers({ onAdd: enqueue, onUpdate: (_, d) => enqueue(d), onDelete: enqueue });
    this.rsInformer.addHandlers({
      onAdd: (rs) => this.replicaSetChanged(undefined, rs),
      onUpdate: (old, rs) => this.replicaSetChanged(old, rs),
      onDelete: (rs) => this.enqueueOwner(rs),
    });
    this.podInformer.addHandlers({ onDelete: (pod) => this.podDeleted(pod) });
    await Promise.all([
      this.dInformer.hasSynced(),
      this.rsInformer.hasSynced(),
      this.podInformer.hasSynced(),
    ]);
    if (this.ctx.signal.aborted) return;
    await runWorkers(this.queue, this.opts.workers, (key) => this.reconcileOrRequeue(key));
  }

  /** The Deployment controlling a ReplicaSet, if it exists. */
  private owner(rs: ReplicaSetObj): DeploymentObj | undefined {
    const ref = controllerRef(rs);
    if (ref?.kind !== 'Deployment') return undefined;
    const d = this.dInformer.get(`${rs.metadata.namespace}/${ref.name}`);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueOwner(rs: ReplicaSetObj): boolean {
    const d = this.owner(rs);
    if (d) this.queue.add(keyOf(d));
    return !!d;
  }

  private replicaSetChanged(old: ReplicaSetObj | undefined, rs: ReplicaSetObj): void {
    if (old && controllerRef(old)?.uid !== controllerRef(rs)?.uid) this.enqueueOwner(old);
    if (controllerRef(rs)) {
      this.enqueueOwner(rs);
      return;
    }
    // An orphan: any Deployment whose selector matches may adopt it.
    if (old && deepEqual(old.metadata.labels, rs.metadata.labels) && !controllerRef(old)) return;
    for (const d of this.dInformer.list()) {
      if (
        d.metadata.namespace === rs.metadata.namespace &&
        labelSelectorMatches(d.spec?.selector, rs.metadata.labels)
      ) {
        this.queue.add(keyOf(d));
      }
    }
  }

  /** Recreate waits for old pods to disappear, so their deletion must wake the Deployment. */
  private podDeleted(pod: PodObj): void {
    const ref = controllerRef(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.rsInformer.get(`${pod.metadata.namespace}/${ref.name}`);
    const d = rs && this.owner(rs);
    if (d?.spec?.strategy?.type === 'Recreate') this.queue.add(keyOf(d));
  }

  private podsIn(namespace: string): PodObj[] {
    return this.podInformer.list().filter((p) => p.metadata.namespace === namespace);
  }

  /**
   * A Conflict means our cache was a step behind a concurrent writer (often the other
   * controller's status write): retry soon on fresher state without growing the backoff.
   */
  private async reconcileOrRequeue(key: string): Promise<void> {
    try {
      await this.reconcile(key);
    } catch (err) {
      if (!isReason(err, 'Conflict')) throw err;
      this.queue.addAfter(key, conflictRetryMs);
    }
  }

  /** Converges one Deployment; throws to be retried with backoff. */
  async reconcile(key: string): Promise<void> {
    const cached = this.dInformer.get(key);
    if (!cached) return;
    const [ns] = splitKey(key);
    const d = cloneJSON(cached);
    const candidates = this.rsInformer.list().filter((rs) => rs.metadata.namespace === ns);
    const owned = await applyClaims(
      this.replicaSets,
      d,
      deploymentKind,
      planClaims(d, d.spec?.selector, candidates),
    );
    const deps = {
      deployments: this.deployments,
      replicaSets: this.replicaSets,
      events: this.events,
      now: () => this.ctx.clock.now(),
      podsIn: (n: string) => this.podsIn(n),
    };
    const recheck = await new DeploymentSync(
      deps,
      d,
      owned.map((rs) => cloneJSON(rs)),
    ).run();
    if (recheck !== undefined) this.queue.addAfter(key, recheck);
  }
}
