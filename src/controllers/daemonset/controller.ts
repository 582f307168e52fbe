/**
 * The DaemonSet controller: one pod per eligible node, replaced node by node on template changes.
 * reconcile(key) reads the DaemonSet, its pods and the nodes from informers, plans (planner.ts)
 * and applies the plan.
 *
 * Placement choice: pods are created with spec.nodeName set directly, plus the required node
 * affinity `metadata.name In [node]` that Kubernetes gives daemon pods. Kubernetes leaves binding
 * to the scheduler; binding directly keeps DaemonSets working whether or not a scheduler runs
 * (and is what Kubernetes itself did before 1.12). The affinity keeps the pod spec identical to
 * Kubernetes', so nothing that reads it can tell the difference, and a scheduler ignores pods
 * that already have a node.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { type Clock, keyOf, type ResourceClient, splitKey } from '../../client/types.js';
import { deepEqual } from '../../registry/common/meta.js';
import { labelSelectorMatches } from '../../registry/common/selector.js';
import type { Controller, ControllerContext } from '../manager.js';
import { pinToNode, withDaemonTolerations } from './eligibility.js';
import { ensureRevision, REVISION_LABEL, type Revision, truncateHistory } from './history.js';
import {
  claim,
  controllerOf,
  dependentHandlers,
  Expectations,
  ignoreReason,
  Requeue,
  startQueue,
} from './kit.js';
import { type DaemonPlan, planDaemonSet } from './planner.js';
import { podFromTemplate } from './pods.js';

type DS = DaemonSet & KObject;
type PodObj = Pod & KObject;

/** Options for tests: a clock other than the manager's. */
export interface DaemonSetControllerOptions {
  clock?: Clock;
  workers?: number;
}

/** Creates the DaemonSet controller (name "daemonset"). */
export function daemonSetController(opts: DaemonSetControllerOptions = {}): Controller {
  return { name: 'daemonset', run: (ctx) => new DaemonSetSync(ctx, opts).start() };
}

class DaemonSetSync {
  private readonly clock: Clock;
  private readonly expectations: Expectations;
  private readonly events: EventRecorder;
  private readonly daemonSets: Informer<DS>;
  private readonly pods: Informer<PodObj>;
  private readonly nodes: Informer<Node & KObject>;
  private readonly revisions: Informer<Revision>;
  private readonly podClient: ResourceClient<PodObj>;
  private readonly dsClient: ResourceClient<DS>;
  private readonly revisionClient: ResourceClient<Revision>;
  private requeue: Requeue | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: DaemonSetControllerOptions,
  ) {
    this.clock = opts.clock ?? ctx.clock;
    this.expectations = new Expectations(this.clock);
    this.events = ctx.events('daemonset-controller');
    this.daemonSets = ctx.informers.for<DS>('apps', 'v1', 'daemonsets');
    this.pods = ctx.informers.for<PodObj>('', 'v1', 'pods');
    this.nodes = ctx.informers.for<Node & KObject>('', 'v1', 'nodes');
    this.revisions = ctx.informers.for<Revision>('apps', 'v1', 'controllerrevisions');
    this.podClient = ctx.client.resource<PodObj>('', 'v1', 'pods');
    this.dsClient = ctx.client.resource<DS>('apps', 'v1', 'daemonsets');
    this.revisionClient = ctx.client.resource<Revision>('apps', 'v1', 'controllerrevisions');
  }

  async start(): Promise<void> {
    await Promise.all([this.daemonSets, this.pods, this.nodes, this.revisions].map((i) => i.hasSynced()));
    if (this.ctx.signal.aborted) return;
    const queue = startQueue(this.ctx, this.clock, (key) => this.reconcile(key), this.opts.workers ?? 2);
    const enqueue = (key: string) => queue.add(key);
    this.requeue = new Requeue(this.clock, enqueue, this.ctx.signal);
    this.daemonSets.addHandlers({
      onAdd: (ds) => enqueue(keyOf(ds)),
      onUpdate: (_, ds) => enqueue(keyOf(ds)),
      onDelete: (ds) => this.expectations.forget(keyOf(ds)),
    });
    this.pods.addHandlers(
      dependentHandlers<PodObj>('DaemonSet', enqueue, this.expectations, (pod) => this.matchingSets(pod)),
    );
    this.revisions.addHandlers(dependentHandlers<Revision>('DaemonSet', enqueue));
    // Any node change can change where daemons belong: wake every DaemonSet.
    const all = () => {
      for (const ds of this.daemonSets.list()) enqueue(keyOf(ds));
    };
    this.nodes.addHandlers({ onAdd: all, onUpdate: all, onDelete: all });
  }

  /** DaemonSets whose selector matches an orphan pod (they may adopt it). */
  private matchingSets(pod: PodObj): string[] {
    return this.daemonSets
      .list()
      .filter(
        (ds) =>
          ds.metadata.namespace === pod.metadata.namespace &&
          labelSelectorMatches(ds.spec?.selector, pod.metadata.labels),
      )
      .map(keyOf);
  }

  async reconcile(key: string): Promise<void> {
    const ds = this.daemonSets.get(key);
    if (!ds || ds.metadata.deletionTimestamp) return;
    if (!this.expectations.satisfied(key)) return;
    const [namespace] = splitKey(key);
    const candidates = this.pods.list().filter((p) => p.metadata.namespace === namespace);
    const pods = await claim(ds, ds.spec?.selector, candidates, this.podClient);
    const owned = this.revisions.list().filter((r) => controllerOf(r)?.uid === ds.metadata.uid);
    const rev = await ensureRevision(
      this.revisionClient,
      ds,
      ds.spec?.template,
      owned,
      ds.status?.collisionCount ?? 0,
    );
    const nodes = this.nodes.list();
    const plan = planDaemonSet(ds, nodes, pods, rev.hash, this.clock.now());
    await this.apply(key, ds, plan, rev.hash);
    const inUse = new Set(pods.map((p) => `${ds.metadata.name}-${p.metadata.labels?.[REVISION_LABEL]}`));
    await truncateHistory(
      this.revisionClient,
      rev.all,
      rev.revision,
      inUse,
      ds.spec?.revisionHistoryLimit ?? 10,
    );
    await this.writeStatus(ds, { ...plan.status, collisionCount: rev.collisionCount || undefined });
    if (plan.requeueMs !== undefined) this.requeue?.after(key, plan.requeueMs + 10);
  }

  private async apply(key: string, ds: DS, plan: DaemonPlan, hash: string): Promise<void> {
    const namespace = ds.metadata.namespace ?? '';
    this.expectations.expectDeletions(
      key,
      plan.deletes.map((d) => d.pod.metadata?.name ?? ''),
    );
    for (const { pod, reason } of plan.deletes) {
      const name = pod.metadata?.name ?? '';
      if (reason === 'failed') {
        this.events.record(
          ds,
          'Warning',
          'FailedDaemonPod',
          `Found failed daemon pod ${namespace}/${name} on node ${pod.spec?.nodeName}, will try to kill it`,
        );
      }
      try {
        await this.podClient.delete(namespace, name).catch(ignoreReason('NotFound'));
        this.events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        this.expectations.deletionObserved(key, name);
        this.events.record(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
        throw err;
      }
    }
    this.expectations.expectCreations(key, plan.create.length);
    for (const [i, node] of plan.create.entries()) {
      try {
        const created = await this.podClient.create(namespace, this.newPod(ds, node, hash));
        this.events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        // None of the remaining creations will be observed either.
        for (let j = i; j < plan.create.length; j++) this.expectations.creationObserved(key);
        this.events.record(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  private newPod(ds: DS, node: string, hash: string): PodObj {
    const pod = podFromTemplate(ds.spec?.template, ds) as PodObj;
    pod.metadata.generateName = `${ds.metadata.name}-`;
    pod.metadata.labels = {
      ...pod.metadata.labels,
      [REVISION_LABEL]: hash,
      'pod-template-generation': String(ds.metadata.generation ?? 1),
    };
    pod.spec = { ...pinToNode(withDaemonTolerations(pod.spec ?? { containers: [] }), node), nodeName: node };
    return pod;
  }

  private async writeStatus(ds: DS, status: DaemonSet['status']): Promise<void> {
    const clean = JSON.parse(JSON.stringify(status ?? {}));
    if (deepEqual(clean, ds.status ?? {})) return;
    const next = cloneJSON(ds) as KObject;
    next.status = clean;
    await this.dsClient.updateStatus(ds.metadata.namespace ?? '', next as DS).catch(ignoreReason('NotFound'));
  }
}
