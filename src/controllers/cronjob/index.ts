/** The CronJob controller and its schedule math. */
export { type CronJobControllerOptions, cronJobController } from './controller.js';
export { jobFor, jobName, SCHEDULED_TIMESTAMP } from './jobs.js';
export { formatInZone, mostRecentScheduleTime, nextAfter } from './schedule.js';
