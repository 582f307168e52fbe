/**
 * The node lifecycle controller's health monitor: a node whose heartbeats (Lease renewals in
 * kube-node-lease, status updates) stop for nodeMonitorGracePeriodSeconds has its conditions set
 * Unknown, its pods marked not Ready, and — with every node — its not-ready/unreachable (and
 * unschedulable) taints kept in line with its Ready condition. Eviction under those taints is
 * the taint eviction controller's job.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import type { Client, Clock } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../manager.js';
import { HeartbeatTracker, heartbeatSignature } from './heartbeats.js';
import { podNotReadyConditions, readyCondition, reconcileTaints, unknownConditions } from './node-state.js';
import { PodsByNode } from './pods-by-node.js';

export const nodeLeaseNamespace = 'kube-node-lease';

interface Deps {
  client: Client;
  clock: Clock;
  events: EventRecorder;
  nodes: Informer<Node & KObject>;
  leases: Informer<Lease & KObject>;
  pods: Informer<Pod & KObject>;
  podsByNode: PodsByNode;
  queue: WorkQueue;
  graceMs: number;
}

/** Reconciles one node: health from heartbeats, then status, pods and taints. */
export class NodeMonitor {
  private readonly heartbeats = new HeartbeatTracker();

  constructor(private readonly d: Deps) {}

  async reconcile(name: string): Promise<void> {
    let node = this.d.nodes.get(name);
    if (!node) {
      this.heartbeats.forget(name);
      return;
    }
    const now = this.d.clock.now();
    const lease = this.d.leases.get(`${nodeLeaseNamespace}/${name}`);
    this.heartbeats.observe(name, heartbeatSignature(node, lease), now);
    const silent = this.heartbeats.silentFor(name, now);
    if (silent > this.d.graceMs) {
      node = await this.markUnknown(node, now);
    } else {
      // Look again when the grace period would run out without a heartbeat.
      this.d.queue.addAfter(name, this.d.graceMs - silent + 1);
    }
    if (readyCondition(node)?.status !== 'True') await this.markPodsNotReady(name, now);
    await this.syncTaints(node, now);
  }

  private async markUnknown(node: Node & KObject, now: Date): Promise<Node & KObject> {
    const conditions = unknownConditions(node, now);
    if (!conditions) return node;
    const next = cloneJSON(node);
    (next as KObject).status = { ...next.status, conditions };
    const written = await this.d.client.resource<Node & KObject>('', 'v1', 'nodes').updateStatus('', next);
    this.d.events.record(
      written,
      'Normal',
      'NodeNotReady',
      `Node ${node.metadata.name} status is now: NodeNotReady`,
    );
    return written;
  }

  /** Kubernetes' MarkPodsNotReady: endpoints stop sending traffic to pods on a dead node. */
  private async markPodsNotReady(nodeName: string, now: Date): Promise<void> {
    const pods = this.d.client.resource<Pod & KObject>('', 'v1', 'pods');
    for (const key of this.d.podsByNode.on(nodeName)) {
      const pod = this.d.pods.get(key);
      if (!pod || pod.spec?.nodeName !== nodeName) continue;
      const conditions = podNotReadyConditions(pod, now);
      if (!conditions) continue;
      const next = cloneJSON(pod);
      (next as KObject).status = { ...next.status, conditions };
      try {
        await pods.updateStatus(pod.metadata.namespace!, next);
        this.d.events.record(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
      } catch (err) {
        if (!isReason(err, 'NotFound')) throw err;
      }
    }
  }

  private async syncTaints(node: Node & KObject, now: Date): Promise<void> {
    const taints = reconcileTaints(node, now);
    if (!taints) return;
    const next = cloneJSON(node);
    next.spec = { ...next.spec, taints };
    if (taints.length === 0) delete next.spec.taints;
    await this.d.client.resource<Node & KObject>('', 'v1', 'nodes').update('', next);
  }
}

/** The node lifecycle controller (health monitor and taints). */
export const nodeLifecycleController: Controller = {
  name: 'nodelifecycle',
  async run(ctx: ControllerContext): Promise<void> {
    const queue = new WorkQueue(ctx.clock);
    ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
    const nodes = ctx.informers.for<Node & KObject>('', 'v1', 'nodes');
    const leases = ctx.informers.for<Lease & KObject>(
      'coordination.k8s.io',
      'v1',
      'leases',
      nodeLeaseNamespace,
    );
    const pods = ctx.informers.for<Pod & KObject>('', 'v1', 'pods');
    const podsByNode = new PodsByNode();
    pods.addHandlers(podsByNode.handlers());
    nodes.addHandlers({
      onAdd: (n) => queue.add(n.metadata.name!),
      onUpdate: (_o, n) => queue.add(n.metadata.name!),
      onDelete: (n) => queue.add(n.metadata.name!),
    });
    leases.addHandlers({
      onAdd: (l) => queue.add(l.metadata.name!),
      onUpdate: (_o, l) => queue.add(l.metadata.name!),
    });
    await Promise.all([nodes.hasSynced(), leases.hasSynced(), pods.hasSynced()]);
    const monitor = new NodeMonitor({
      client: ctx.client,
      clock: ctx.clock,
      events: ctx.events('node-controller'),
      nodes,
      leases,
      pods,
      podsByNode,
      queue,
      graceMs: ctx.options.nodeMonitorGracePeriodSeconds * 1000,
    });
    await runWorkers(queue, 2, (name) => monitor.reconcile(name));
  },
};
