/**
 * The pure parts of a CronJob sync: the Job a scheduled time gets ("<cronjob>-<minutes since
 * epoch>", the scheduled-timestamp annotation, an owner reference), which owned Jobs are active
 * or finished, and which finished Jobs the history limits let go.
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import { controllerRef } from '../daemonset/kit.js';
import { formatInZone } from './schedule.js';

export const SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

type CJ = CronJob & KObject;
type JobObj = Job & KObject;

/** The name of the Job for a scheduled time (getJobName). */
export function jobName(cj: CJ, scheduled: Date): string {
  return `${cj.metadata.name}-${Math.floor(scheduled.getTime() / 60_000)}`;
}

/** The Job the CronJob starts for a scheduled time. */
export function jobFor(cj: CJ, scheduled: Date, timeZone: string): JobObj {
  const template = cj.spec?.jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobName(cj, scheduled),
      namespace: cj.metadata.namespace,
      labels: { ...(template?.metadata?.labels ?? {}) },
      annotations: {
        ...(template?.metadata?.annotations ?? {}),
        [SCHEDULED_TIMESTAMP]: formatInZone(scheduled, timeZone),
      },
      ownerReferences: [controllerRef(cj)],
    },
    spec: cloneJSON(template?.spec ?? { template: {} }),
  } as JobObj;
}

/** "Complete" or "Failed" when the Job finished, else undefined. */
export function finishedAs(job: Job): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

export function refTo(job: JobObj): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    name: job.metadata.name,
    namespace: job.metadata.namespace,
    uid: job.metadata.uid,
    resourceVersion: job.metadata.resourceVersion,
  };
}

function startedAt(job: JobObj): number {
  const t = job.status?.startTime ?? job.metadata.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}

/** Finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit, oldest first. */
export function historyToDelete(cj: CJ, jobs: JobObj[]): JobObj[] {
  const byStart = (a: JobObj, b: JobObj) =>
    startedAt(a) - startedAt(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
  const pick = (kind: 'Complete' | 'Failed', limit: number | undefined) => {
    if (limit === undefined) return [];
    const done = jobs.filter((j) => finishedAs(j) === kind && !j.metadata.deletionTimestamp).sort(byStart);
    return done.slice(0, Math.max(0, done.length - limit));
  };
  return [
    ...pick('Complete', cj.spec?.successfulJobsHistoryLimit),
    ...pick('Failed', cj.spec?.failedJobsHistoryLimit),
  ];
}
