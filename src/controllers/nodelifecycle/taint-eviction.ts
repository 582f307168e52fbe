/**
 * The taint eviction controller (Kubernetes' NoExecute taint manager): pods on a node with
 * NoExecute taints they do not tolerate are deleted at once; pods that tolerate them for
 * tolerationSeconds are deleted when that time, counted from the taint's timeAdded, runs out.
 * Keys are pod keys; a pod not yet due is requeued for its due time.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { keyOf } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../manager.js';
import { PodsByNode } from './pods-by-node.js';
import { evictionFor, noExecuteTaints } from './taints.js';

type NodeObject = Node & KObject;
type PodObject = Pod & KObject;

function taintsChanged(a: NodeObject, b: NodeObject): boolean {
  return JSON.stringify(noExecuteTaints(a.spec?.taints)) !== JSON.stringify(noExecuteTaints(b.spec?.taints));
}

/** The taint eviction controller. */
export const taintEvictionController: Controller = {
  name: 'taint-eviction-controller',
  async run(ctx: ControllerContext): Promise<void> {
    const queue = new WorkQueue(ctx.clock);
    ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
    const events = ctx.events('taint-eviction-controller');
    const nodes = ctx.informers.for<NodeObject>('', 'v1', 'nodes');
    const pods = ctx.informers.for<PodObject>('', 'v1', 'pods');
    const podsByNode = new PodsByNode();
    pods.addHandlers(podsByNode.handlers((pod) => queue.add(keyOf(pod))));
    const requeueNode = (n: NodeObject) => {
      for (const key of podsByNode.on(n.metadata.name!)) queue.add(key);
    };
    nodes.addHandlers({
      onAdd: requeueNode,
      onUpdate: (old, n) => {
        if (taintsChanged(old, n)) requeueNode(n);
      },
    });
    await Promise.all([nodes.hasSynced(), pods.hasSynced()]);
    const client = ctx.client.resource<PodObject>('', 'v1', 'pods');
    await runWorkers(queue, 2, async (key) => {
      const pod = pods.get(key);
      const nodeName = pod?.spec?.nodeName;
      if (!pod || !nodeName || pod.metadata.deletionTimestamp) return;
      const node = nodes.get(nodeName);
      if (!node) return;
      const now = ctx.clock.now();
      const eviction = evictionFor(pod.spec?.tolerations, node.spec?.taints ?? [], now);
      if (eviction.at === 'never') return;
      if (eviction.at === 'later') {
        queue.addAfter(key, eviction.time.getTime() - now.getTime());
        return;
      }
      events.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${key}`);
      await client
        .delete(pod.metadata.namespace!, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } })
        .catch((err) => {
          if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
        });
    });
  },
};
