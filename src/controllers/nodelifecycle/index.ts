/**
 * Node lifecycle: the health monitor (heartbeats → Unknown conditions, taints, pods not ready)
 * and the taint eviction controller (NoExecute taints → pod eviction after tolerationSeconds).
 */
export { NodeMonitor, nodeLeaseNamespace, nodeLifecycleController } from './lifecycle-controller.js';
export { notReadyTaintKey, reconcileTaints, unknownConditions, unreachableTaintKey } from './node-state.js';
export { taintEvictionController } from './taint-eviction.js';
export { evictionFor, tolerates } from './taints.js';
