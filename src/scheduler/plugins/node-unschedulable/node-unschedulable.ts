/**
 * NodeUnschedulable: cordoned nodes (spec.unschedulable) take no new pods, unless the pod
 * tolerates the node.kubernetes.io/unschedulable:NoSchedule taint (DaemonSet pods do).
 */
import type { Taint } from 'kubernetes-types/core/v1.js';
import { type FilterPlugin, rejection } from '../../framework/types.js';
import { toleratedBy } from '../taint-toleration/taint-toleration.js';

export const name = 'NodeUnschedulable';
/** Kubernetes' reason for a cordoned node. */
export const reasonUnschedulable = 'node(s) were unschedulable';

const unschedulableTaint: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };
const rejected = rejection(name, reasonUnschedulable, true);

/** Filter: reject cordoned nodes unless the pod tolerates the unschedulable taint. */
export const nodeUnschedulable: FilterPlugin = {
  name,
  filter(pod, node) {
    if (!node.unschedulable || toleratedBy(pod.tolerations, unschedulableTaint)) return undefined;
    return rejected;
  },
};
