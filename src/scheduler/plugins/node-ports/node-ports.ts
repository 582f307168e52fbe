/**
 * NodePorts: two pods cannot hold the same host port and protocol on one node, unless they
 * bind different specific host IPs (0.0.0.0 conflicts with every IP).
 */
import { type FilterPlugin, rejection } from '../../framework/types.js';

export const name = 'NodePorts';
/** Kubernetes' reason for a host port clash. */
export const reasonNodePorts = "node(s) didn't have free ports for the requested pod ports";

const rejected = rejection(name, reasonNodePorts);
const anyIP = '0.0.0.0';

/** Filter: reject nodes where a requested host port is taken. */
export const nodePortsFilter: FilterPlugin = {
  name,
  preFilter: (pod) => (pod.ports.length ? undefined : 'skip'),
  filter(pod, node) {
    for (const port of pod.ports) {
      const ips = node.usedPorts.get(port.key);
      if (!ips) continue;
      if (port.ip === anyIP || ips.includes(anyIP) || ips.includes(port.ip)) return rejected;
    }
    return undefined;
  },
};
