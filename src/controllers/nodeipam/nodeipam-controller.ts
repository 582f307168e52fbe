/**
 * Node IPAM (Kubernetes' node-ipam-controller, range allocator): every node without a pod CIDR
 * gets the next free block of the cluster CIDR, so its agent can number its pods. Nodes that
 * arrive with one (virtual nodes carve their own) keep it, and their block counts as taken.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { type CIDR, cidrSize, formatCIDR, parseCIDR, subnet } from '../../agent/node/cidr.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../manager.js';

type NodeObject = Node & KObject;

/** The first block of `bits` in `range` that overlaps none of `taken`; undefined when full. */
export function nextFreeBlock(range: CIDR, bits: number, taken: CIDR[]): CIDR | undefined {
  const count = 2 ** (bits - range.bits);
  const overlaps = (a: CIDR, b: CIDR) => a.base < b.base + cidrSize(b) && b.base < a.base + cidrSize(a);
  for (let i = 0; i < count; i++) {
    const block = subnet(range, bits, i);
    if (!taken.some((t) => overlaps(t, block))) return block;
  }
  return undefined;
}

export function nodeIpamController(clusterCIDR: string, maskSize = 24): Controller {
  return {
    name: 'nodeipam',
    async run(ctx: ControllerContext): Promise<void> {
      const range = parseCIDR(clusterCIDR);
      const queue = new WorkQueue(ctx.clock);
      ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
      const nodes = ctx.informers.for<NodeObject>('', 'v1', 'nodes');
      const wake = (n: NodeObject) => {
        if (!n.spec?.podCIDR) queue.add(n.metadata.name!);
      };
      nodes.addHandlers({ onAdd: wake, onUpdate: (_o, n) => wake(n) });
      await nodes.hasSynced();
      const client = ctx.client.resource<NodeObject>('', 'v1', 'nodes');
      const recorder = ctx.events('cidrAllocator');
      // One worker: allocations must see each other.
      const assigned = new Map<string, CIDR>();
      await runWorkers(queue, 1, async (name) => {
        const node = nodes.get(name);
        if (!node || node.spec?.podCIDR) return;
        const taken: CIDR[] = [...assigned.values()];
        for (const n of nodes.list()) {
          if (n.spec?.podCIDR) {
            try {
              taken.push(parseCIDR(n.spec.podCIDR));
            } catch {
              // A malformed CIDR on some node blocks nothing.
            }
          }
        }
        const block = nextFreeBlock(range, Math.max(maskSize, range.bits), taken);
        if (!block) {
          recorder.record(node, 'Normal', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable`);
          return;
        }
        const cidr = formatCIDR(block);
        try {
          await client.patch('', name, 'merge', { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
          assigned.set(name, block);
          recorder.record(
            node,
            'Normal',
            'CIDRAssignmentSucceeded',
            `Node ${name} was assigned pod CIDR ${cidr}`,
          );
        } catch (err) {
          if (!isReason(err, 'NotFound')) throw err;
        }
      });
    },
  };
}
