/**
 * Every controller the controller manager runs, in start order. Add a controller by writing it
 * under controllers/<name>/ and listing it here.
 */
import type { KeyPairPem } from '../apiserver/auth/pki.js';
import { schedulerController } from '../scheduler/index.js';
import { csrApprovingController, csrCleanerController, csrSigningController } from './certificates/index.js';
import { cronJobController } from './cronjob/index.js';
import { daemonSetController } from './daemonset/index.js';
import { deploymentController } from './deployment/index.js';
import { disruptionController } from './disruption/index.js';
import { endpointSliceController, endpointsController } from './endpoints/index.js';
import { garbageCollectorController } from './garbagecollector/index.js';
import { jobController } from './job/index.js';
import type { Controller } from './manager.js';
import { nodeIpamController } from './nodeipam/index.js';
import { nodeLifecycleController, taintEvictionController } from './nodelifecycle/index.js';
import { replicaSetController } from './replicaset/index.js';
import { serviceAccountController } from './serviceaccount/index.js';
import { statefulSetController } from './statefulset/index.js';

/**
 * Every controller; `clusterCIDR` is the range node pod CIDRs come from, `clusterCA` the CA
 * that signs approved certificate requests (no CSR signer without it).
 */
export function allControllers(clusterCIDR = '10.42.0.0/16', clusterCA?: () => KeyPairPem): Controller[] {
  return [
    schedulerController,
    deploymentController,
    replicaSetController,
    daemonSetController(),
    statefulSetController(),
    jobController(),
    cronJobController(),
    garbageCollectorController,
    serviceAccountController,
    nodeIpamController(clusterCIDR),
    nodeLifecycleController,
    taintEvictionController,
    endpointsController,
    endpointSliceController,
    disruptionController,
    csrApprovingController,
    csrCleanerController,
    ...(clusterCA ? [csrSigningController(clusterCA)] : []),
  ];
}
