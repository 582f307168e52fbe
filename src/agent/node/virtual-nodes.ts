/**
 * The configurations of N virtual nodes: names from a prefix, pod CIDRs carved out of the cluster
 * CIDR by the agent (there is no node IPAM controller; for real nodes the server will assign
 * them), and loopback InternalIPs, so anything that tries to reach a virtual node's kubelet talks
 * to this machine's loopback and nowhere else.
 */
import { blockBitsFor, formatCIDR, formatIP, parseCIDR, subnet } from './cidr.js';
import type { NodeConfig } from './node-object.js';

export interface VirtualNodesOptions {
  count: number;
  /** Names are `${prefix}${i}`, i from 0 (default "virtual-"). */
  prefix?: string;
  labels?: Record<string, string>;
  capacity?: Record<string, string>;
  /** Range the node pod CIDRs come from (default 10.42.0.0/16, k3s' cluster CIDR). */
  clusterCIDR?: string;
  /** Preferred prefix length of each node's range (default 24); longer when N needs it. */
  nodeCIDRMaskSize?: number;
}

export const defaultCapacity: Record<string, string> = {
  cpu: '8',
  memory: '32Gi',
  pods: '110',
  'ephemeral-storage': '100Gi',
};

/** 127.1.0.1 upwards: loopback, distinct per node, never routed off this machine. */
export function loopbackIP(index: number): string {
  return formatIP(127 * 2 ** 24 + 2 ** 16 + 1 + index);
}

/** One NodeConfig per virtual node. */
export function virtualNodes(options: VirtualNodesOptions): NodeConfig[] {
  const range = parseCIDR(options.clusterCIDR ?? '10.42.0.0/16');
  const bits = blockBitsFor(range, options.count, options.nodeCIDRMaskSize ?? 24);
  if (options.count > 2 ** 24 - 2 ** 16 - 2) throw new Error(`too many virtual nodes: ${options.count}`);
  const capacity = { ...defaultCapacity, ...options.capacity };
  return Array.from({ length: options.count }, (_, i) => ({
    name: `${options.prefix ?? 'virtual-'}${i}`,
    labels: { ...options.labels },
    capacity,
    podCIDR: formatCIDR(subnet(range, bits, i)),
    internalIP: loopbackIP(i),
    virtual: true,
  }));
}

/** Addresses pods can get in a node range of this prefix length (network, gateway, broadcast excluded). */
export function podAddresses(bits: number): number {
  return 2 ** (32 - bits) - 3;
}
