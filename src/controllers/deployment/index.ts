/**
 * The Deployment controller, and the pure rollout pieces other tools may reuse (the
 * pod-template-hash, revision annotations).
 */
export {
  type DeploymentControllerOptions,
  deploymentController,
  newDeploymentController,
} from './deployment-controller.js';
export { podTemplateHash, podTemplateHashLabel, templatesEqualIgnoringHash } from './hash.js';
export { revisionAnnotation, revisionOf } from './revisions.js';
export { type DeploymentObj, maxSurge, maxUnavailable, resolveFenceposts } from './rollout.js';
