/**
 * NodeName: a pod that names its node (spec.nodeName) fits only that node. The scheduler never
 * queues such pods, but preemption dry runs and other profiles reuse the filter set.
 */
import { type FilterPlugin, rejection } from '../../framework/types.js';

export const name = 'NodeName';
/** Kubernetes' reason for a node other than the requested one. */
export const reasonNodeName = "node(s) didn't match the requested node name";

const rejected = rejection(name, reasonNodeName, true);

/** Filter: only the node the pod names, when it names one. */
export const nodeNameFilter: FilterPlugin = {
  name,
  preFilter: (pod) => (pod.nodeName ? undefined : 'skip'),
  filter: (pod, node) => (pod.nodeName && pod.nodeName !== node.name ? rejected : undefined),
};
