/** Strategies of the batch/v1 group: jobs and cronjobs. */
import type { ResourceStrategy } from '../types.js';
import { cronJobStrategy } from './cronjobs.js';
import { jobStrategy } from './jobs.js';

/** Every batch/v1 resource. */
export const batchStrategies: ResourceStrategy[] = [jobStrategy, cronJobStrategy];
