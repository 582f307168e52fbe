/** The Job controller and its pure planning. */
export { type JobControllerOptions, jobController } from './controller.js';
export { COMPLETION_INDEX, formatIndexes, parseIndexes } from './indexed.js';
export { defaultBackoff, expiresAt, isJobFinished, type JobPlan, planJob } from './planner.js';
