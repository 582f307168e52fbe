/** Strategies of the apps/v1 group: deployments, replicasets, daemonsets, statefulsets, controllerrevisions. */
import type { ResourceStrategy } from '../types.js';
import { controllerRevisionStrategy } from './controllerrevisions.js';
import { daemonSetStrategy } from './daemonsets.js';
import { deploymentStrategy } from './deployments.js';
import { replicaSetStrategy } from './replicasets.js';
import { statefulSetStrategy } from './statefulsets.js';

/** Every apps/v1 resource. */
export const appsStrategies: ResourceStrategy[] = [
  deploymentStrategy,
  replicaSetStrategy,
  daemonSetStrategy,
  statefulSetStrategy,
  controllerRevisionStrategy,
];
