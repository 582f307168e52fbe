/**
 * The ReplicaSet controller and the pod helpers the Deployment controller shares with it.
 */
export { applyClaims, type ClaimPlan, planClaims } from './claim.js';
export { controllerRef, isPodActive, isPodAvailable, isPodReady, type PodObj } from './pods.js';
export {
  newReplicaSetController,
  type ReplicaSetControllerOptions,
  replicaSetController,
} from './replicaset-controller.js';
export type { ReplicaSetObj } from './status.js';
