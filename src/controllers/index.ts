/**
 * Every controller the controller manager runs, in start order. Add a controller by writing it
 * under controllers/<name>/ and listing it here.
 */

import { schedulerController } from '../scheduler/index.js';
import { deploymentController } from './deployment/index.js';
import type { Controller } from './manager.js';
import { replicaSetController } from './replicaset/index.js';

export function allControllers(): Controller[] {
  return [schedulerController, deploymentController, replicaSetController];
}
