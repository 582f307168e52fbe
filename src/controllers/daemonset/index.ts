/** The DaemonSet controller, and the workload plumbing the other workload controllers share. */
export { type DaemonSetControllerOptions, daemonSetController } from './controller.js';
export { DAEMON_TOLERATIONS, placement, withDaemonTolerations } from './eligibility.js';
export { planDaemonSet } from './planner.js';
