/**
 * The garbage collector (Kubernetes' pkg/controller/garbagecollector, level-based): informers
 * on every owner/dependent resource feed an OwnerGraph; a work queue of uids reconciles one
 * object at a time. Dependents whose owners are all gone are deleted (background propagation);
 * owners carrying the foregroundDeletion finalizer wait for their blocking dependents; owners
 * carrying the orphan finalizer release their dependents. The API server adds those finalizers
 * when a delete asks for Foreground or Orphan propagation.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { Client } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../manager.js';
import { decideDependent, decideOwner, type OwnerState, ownerStateOf } from './decide.js';
import { type GraphNode, nodeOf, OwnerGraph } from './graph.js';
import { type GcResource, gcResources, resourceForRef } from './resources.js';

const workers = 4;

/** Runs the collector until ctx.signal aborts. */
export class GarbageCollector {
  readonly graph = new OwnerGraph();
  private readonly queue: WorkQueue;

  constructor(
    private readonly client: Client,
    queue: WorkQueue,
  ) {
    this.queue = queue;
  }

  /** Feeds informer events for one resource into the graph and the queue. */
  observe(resource: GcResource) {
    return {
      onAdd: (obj: KObject) => this.upserted(nodeOf(obj, resource)),
      onUpdate: (_old: KObject, obj: KObject) => this.upserted(nodeOf(obj, resource)),
      onDelete: (obj: KObject) => this.removed(obj.metadata.uid ?? ''),
    };
  }

  private upserted(node: GraphNode): void {
    const old = this.graph.get(node.uid);
    const released = this.graph.upsert(node);
    // An owner that lost a dependent may now be free to go (foreground deletion).
    for (const uid of released) this.queue.add(uid);
    // Status-only updates (most of them, for pods) change nothing the collector decides on.
    if (old && sameStanding(old, node)) return;
    if (node.owners.length > 0 || node.deleting) this.queue.add(node.uid);
  }

  private removed(uid: string): void {
    const node = this.graph.remove(uid);
    if (!node) return;
    for (const d of this.graph.dependentsOf(uid)) this.queue.add(d.uid);
    for (const o of node.owners) this.queue.add(o.uid);
  }

  /** Converges one object: its own deletion first, then its standing as a dependent. */
  async reconcile(uid: string): Promise<void> {
    const node = this.graph.get(uid);
    if (!node) return;
    if (node.deleting) return this.reconcileDeletingOwner(node);
    if (node.owners.length > 0) return this.reconcileDependent(node);
  }

  private async reconcileDeletingOwner(owner: GraphNode): Promise<void> {
    const action = decideOwner(owner, this.graph.dependentsOf(owner.uid));
    switch (action.type) {
      case 'orphanDependents':
        // The finalizer goes when the graph shows no dependents left: each released dependent
        // requeues its former owner as its update arrives.
        for (const d of action.dependents) await this.removeOwnerRefs(d, [owner.uid]);
        return;
      case 'processDependents':
        for (const d of action.dependents) this.queue.add(d.uid);
        return;
      case 'removeFinalizer':
        return this.removeFinalizer(owner, action.finalizer);
    }
  }

  private async reconcileDependent(node: GraphNode): Promise<void> {
    const states = new Map<string, OwnerState>();
    for (const ref of node.owners) states.set(ref.uid, await this.ownerState(node, ref));
    const action = decideDependent(node, states, this.graph.dependentsOf(node.uid).length > 0);
    if (action.type === 'removeOwnerRefs') return this.removeOwnerRefs(node, action.uids);
    if (action.type === 'delete') {
      await this.api(node.resource)
        .delete(node.namespace, node.name, {
          propagationPolicy: action.propagation,
          preconditions: { uid: node.uid },
        })
        .catch(ignore('NotFound', 'Conflict'));
    }
  }

  /**
   * An owner the graph does not know may simply not have reached our informers yet: only a
   * GET that finds nothing (or another object under the name) proves it is gone.
   */
  private async ownerState(dependent: GraphNode, ref: OwnerReference): Promise<OwnerState> {
    const known = this.graph.get(ref.uid);
    if (known) return ownerStateOf(dependent, known);
    const resource = resourceForRef(ref.apiVersion, ref.kind);
    if (!resource) return 'solid'; // A kind skiff cannot look up is never assumed gone.
    try {
      const obj = await this.api(resource).get(resource.namespaced ? dependent.namespace : '', ref.name);
      if (obj.metadata.uid !== ref.uid) return 'dangling';
      return ownerStateOf(dependent, nodeOf(obj, resource));
    } catch (err) {
      if (isReason(err, 'NotFound')) return 'dangling';
      throw err;
    }
  }

  /** Drops the references to `uids`, each guarded by a test so a concurrent change wins. */
  private async removeOwnerRefs(node: GraphNode, uids: string[]): Promise<void> {
    const ops: unknown[] = [{ op: 'test', path: '/metadata/uid', value: node.uid }];
    node.owners.forEach((o, i) => {
      if (!uids.includes(o.uid)) return;
      ops.push({ op: 'test', path: `/metadata/ownerReferences/${i}/uid`, value: o.uid });
    });
    // Remove from the end so earlier indexes stay valid.
    for (let i = node.owners.length - 1; i >= 0; i--) {
      if (uids.includes(node.owners[i].uid))
        ops.push({ op: 'remove', path: `/metadata/ownerReferences/${i}` });
    }
    await this.api(node.resource).patch(node.namespace, node.name, 'json', ops).catch(ignore('NotFound'));
  }

  private async removeFinalizer(node: GraphNode, finalizer: string): Promise<void> {
    const i = node.finalizers.indexOf(finalizer);
    if (i < 0) return;
    const ops = [
      { op: 'test', path: '/metadata/uid', value: node.uid },
      { op: 'test', path: `/metadata/finalizers/${i}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${i}` },
    ];
    await this.api(node.resource).patch(node.namespace, node.name, 'json', ops).catch(ignore('NotFound'));
  }

  private api(resource: GcResource) {
    return this.client.resource(resource.group, resource.version, resource.resource);
  }
}

/** Whether two versions of an object agree on everything the collector's decisions read. */
function sameStanding(a: GraphNode, b: GraphNode): boolean {
  return a.deleting === b.deleting && deepEqual(a.finalizers, b.finalizers) && deepEqual(a.owners, b.owners);
}

/** Swallows ApiErrors with the given reasons (the outcome the caller wanted already holds). */
function ignore(...reasons: Parameters<typeof isReason>[1][]) {
  return (err: unknown) => {
    if (!reasons.some((r) => isReason(err, r))) throw err;
  };
}

/** The garbage collector as a managed controller. */
export const garbageCollectorController: Controller = {
  name: 'garbage-collector',
  async run(ctx: ControllerContext): Promise<void> {
    const queue = new WorkQueue(ctx.clock);
    ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
    const gc = new GarbageCollector(ctx.client, queue);
    const informers = gcResources.map((r) => {
      const informer = ctx.informers.for(r.group, r.version, r.resource);
      informer.addHandlers(gc.observe(r));
      return informer;
    });
    // Deciding before every resource is listed would take unseen owners for gone ones less
    // often (GETs confirm), but waiting keeps the first pass from a burst of confirming GETs.
    await Promise.all(informers.map((i) => i.hasSynced()));
    if (ctx.signal.aborted) return;
    await runWorkers(queue, workers, (uid) => gc.reconcile(uid));
  },
};
