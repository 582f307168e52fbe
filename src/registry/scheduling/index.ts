/** Strategies of the scheduling.k8s.io/v1 group: priorityclasses. */
import type { ResourceStrategy } from '../types.js';
import { priorityClassStrategy } from './priorityclasses.js';

/** Every scheduling.k8s.io/v1 resource. */
export const schedulingStrategies: ResourceStrategy[] = [priorityClassStrategy];
