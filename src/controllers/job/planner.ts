/**
 * The Job decision, pure over a snapshot (the Job, its pods, the time): how many pods succeeded
 * and failed, whether the Job has met its success criteria or failed (backoffLimit,
 * activeDeadlineSeconds), which pods to start or stop, and the status to write. As in Kubernetes
 * 1.31+, a Job first gets SuccessCriteriaMet or FailureTarget, and the terminal Complete or
 * Failed condition only once none of its pods is still running.
 *
 * Counting: finished pods are kept (nothing here deletes them), so the counts are the terminal
 * pods that exist, never lower than the counts already recorded, so that pods removed by hand or
 * by pod garbage collection do not make a Job lose progress.
 */
import type { Job, JobCondition, JobStatus } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { rfc3339 } from '../daemonset/kit.js';
import { byCreation, isActive, isFinished, isPodReady, isTerminating } from '../daemonset/pods.js';
import { formatIndexes, indexOf, parseIndexes } from './indexed.js';

export interface BackoffPolicy {
  /** Delay before recreating after the first failure; doubles per further failure. */
  baseMs: number;
  maxMs: number;
}

/** Kubernetes' pod failure backoff: 10 s, doubling, capped at 6 minutes. */
export const defaultBackoff: BackoffPolicy = { baseMs: 10_000, maxMs: 360_000 };

export interface JobEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobPlan {
  status: JobStatus;
  /** Pods to create: one entry per pod, with its completion index for Indexed Jobs. */
  create: Array<{ index?: number }>;
  delete: Pod[];
  events: JobEvent[];
  requeueMs?: number;
}

const COMPLETE_MESSAGE = 'Reached expected number of succeeded pods';
const FAILURES = {
  BackoffLimitExceeded: 'Job has reached the specified backoff limit',
  DeadlineExceeded: 'Job was active longer than specified deadline',
} as const;

export function hasCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** Complete or Failed: the Job will start no more pods. */
export function isJobFinished(job: Job): boolean {
  return hasCondition(job, 'Complete') || hasCondition(job, 'Failed');
}

/** When a pod finished: its last container termination, else its last condition change. */
export function finishedAt(pod: Pod): number | undefined {
  const times = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])]
    .map((c) => c.state?.terminated?.finishedAt)
    .filter((t): t is string => !!t)
    .map((t) => new Date(t).getTime());
  if (times.length > 0) return Math.max(...times);
  const conds = (pod.status?.conditions ?? [])
    .map((c) => c.lastTransitionTime)
    .filter((t): t is string => !!t);
  return conds.length > 0 ? Math.max(...conds.map((t) => new Date(t).getTime())) : undefined;
}

function setCondition(
  conditions: JobCondition[],
  type: string,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: Date,
): JobCondition[] {
  const stamp = rfc3339(now);
  const existing = conditions.find((c) => c.type === type);
  if (existing && existing.status === status && existing.reason === reason) return conditions;
  const next = { type, status, reason, message, lastProbeTime: stamp, lastTransitionTime: stamp };
  return existing ? conditions.map((c) => (c === existing ? next : c)) : [...conditions, next];
}

/** Container restarts of running pods: how OnFailure pods fail without reaching phase Failed. */
function pastBackoffLimitOnFailure(job: Job, pods: Pod[]): boolean {
  if (job.spec?.template?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const c of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])])
      restarts += c.restartCount ?? 0;
  }
  const limit = job.spec?.backoffLimit ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

/** Fewest useful pods first: not yet ready, then newest (controller.ActivePods order, reversed). */
function deletionOrder(pods: Pod[]): Pod[] {
  return [...pods].sort(
    (a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || byCreation(b as never, a as never),
  );
}

interface Counts {
  active: Pod[];
  succeeded: number;
  failed: number;
  terminating: number;
  completed: Set<number>;
}

function count(job: Job, pods: Pod[]): Counts {
  const indexed = job.spec?.completionMode === 'Indexed';
  const completions = job.spec?.completions ?? 0;
  const completed = indexed ? parseIndexes(job.status?.completedIndexes) : new Set<number>();
  let succeeded = 0;
  let failed = 0;
  for (const p of pods) {
    if (p.status?.phase === 'Succeeded') {
      succeeded++;
      const i = indexOf(p);
      if (indexed && i !== undefined && i < completions) completed.add(i);
    } else if (p.status?.phase === 'Failed') failed++;
  }
  if (indexed) succeeded = Math.max(succeeded, completed.size);
  return {
    active: pods.filter(isActive),
    succeeded: Math.max(succeeded, job.status?.succeeded ?? 0),
    failed: Math.max(failed, job.status?.failed ?? 0),
    terminating: pods.filter((p) => isTerminating(p) && !isFinished(p)).length,
    completed,
  };
}

function succeededEnough(job: Job, c: Counts): boolean {
  const completions = job.spec?.completions;
  if (job.spec?.completionMode === 'Indexed')
    return completions !== undefined && c.completed.size >= completions;
  if (completions === undefined) return c.succeeded > 0 && c.active.length === 0;
  return c.succeeded >= completions;
}

function failureReason(job: Job, pods: Pod[], c: Counts, now: Date): keyof typeof FAILURES | undefined {
  if (c.failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, pods))
    return 'BackoffLimitExceeded';
  const deadline = job.spec?.activeDeadlineSeconds;
  const start = job.status?.startTime;
  if (deadline !== undefined && start && now.getTime() - new Date(start).getTime() >= deadline * 1000)
    return 'DeadlineExceeded';
  return undefined;
}

/** Milliseconds until new pods may start after recent failures (0: now). */
function backoffRemaining(pods: Pod[], now: Date, policy: BackoffPolicy): number {
  const lastSuccess = Math.max(
    0,
    ...pods.filter((p) => p.status?.phase === 'Succeeded').map((p) => finishedAt(p) ?? 0),
  );
  const failures = pods
    .filter((p) => p.status?.phase === 'Failed')
    .map((p) => finishedAt(p) ?? now.getTime())
    .filter((t) => t >= lastSuccess);
  if (failures.length === 0) return 0;
  const delay = Math.min(policy.maxMs, policy.baseMs * 2 ** (failures.length - 1));
  return Math.max(0, Math.max(...failures) + delay - now.getTime());
}

/** Pods to create and delete so the right number (or the right indexes) run. */
function manage(job: Job, c: Counts, plan: JobPlan): void {
  const parallelism = job.spec?.parallelism ?? 1;
  if (job.spec?.completionMode === 'Indexed') {
    const completions = job.spec?.completions ?? 0;
    const running = new Set<number>();
    for (const p of deletionOrder(c.active).reverse()) {
      const i = indexOf(p);
      if (i === undefined || i >= completions || c.completed.has(i) || running.has(i)) plan.delete.push(p);
      else running.add(i);
    }
    const excess = running.size - parallelism;
    if (excess > 0)
      plan.delete.push(...deletionOrder(c.active.filter((p) => !plan.delete.includes(p))).slice(0, excess));
    for (let i = 0; i < completions && running.size + plan.create.length < parallelism; i++) {
      if (!c.completed.has(i) && !running.has(i)) plan.create.push({ index: i });
    }
    return;
  }
  const completions = job.spec?.completions;
  let want =
    completions === undefined ? parallelism : Math.min(parallelism, Math.max(0, completions - c.succeeded));
  // A work-queue Job (no completions) starts nothing new once any pod succeeded.
  if (completions === undefined && c.succeeded > 0) want = Math.min(want, c.active.length);
  const diff = want - c.active.length;
  if (diff < 0) plan.delete.push(...deletionOrder(c.active).slice(0, -diff));
  for (let i = 0; i < diff; i++) plan.create.push({});
}

/** Plans one Job sync. `pods` are the pods the Job controls. */
export function planJob(job: Job, pods: Pod[], now: Date, backoff: BackoffPolicy = defaultBackoff): JobPlan {
  const plan: JobPlan = { status: cloneJSON(job.status ?? {}), create: [], delete: [], events: [] };
  if (isJobFinished(job)) return plan;
  const c = count(job, pods);
  const st = plan.status;
  let conditions = st.conditions ?? [];
  const suspended = job.spec?.suspend === true;
  if (suspended) {
    plan.delete.push(...c.active);
    if (!hasCondition(job, 'Suspended')) {
      conditions = setCondition(conditions, 'Suspended', 'True', 'JobSuspended', 'Job suspended', now);
      plan.events.push({ type: 'Normal', reason: 'Suspended', message: 'Job suspended' });
    }
  } else if (hasCondition(job, 'Suspended')) {
    conditions = setCondition(conditions, 'Suspended', 'False', 'JobResumed', 'Job resumed', now);
    plan.events.push({ type: 'Normal', reason: 'Resumed', message: 'Job resumed' });
    st.startTime = rfc3339(now);
  }
  if (!suspended && !st.startTime) st.startTime = rfc3339(now);

  const failure = hasCondition(job, 'FailureTarget')
    ? ((job.status?.conditions ?? []).find((c) => c.type === 'FailureTarget')
        ?.reason as keyof typeof FAILURES)
    : suspended
      ? undefined
      : failureReason({ ...job, status: st }, pods, c, now);
  const success = !failure && (hasCondition(job, 'SuccessCriteriaMet') || succeededEnough(job, c));
  if (failure) {
    conditions = setCondition(conditions, 'FailureTarget', 'True', failure, FAILURES[failure], now);
    plan.delete.push(...c.active);
  } else if (success) {
    conditions = setCondition(
      conditions,
      'SuccessCriteriaMet',
      'True',
      'CompletionsReached',
      COMPLETE_MESSAGE,
      now,
    );
    plan.delete.push(...c.active);
  } else if (!suspended) {
    const wait = backoffRemaining(pods, now, backoff);
    manage(job, c, plan);
    if (wait > 0 && plan.create.length > 0) {
      plan.create = [];
      plan.requeueMs = wait;
    }
    const deadline = job.spec?.activeDeadlineSeconds;
    if (deadline !== undefined && st.startTime) {
      const left = new Date(st.startTime).getTime() + deadline * 1000 - now.getTime();
      plan.requeueMs = Math.min(plan.requeueMs ?? left, left);
    }
  }

  const deleting = new Set(plan.delete);
  const stillActive = c.active.filter((p) => !deleting.has(p)).length;
  const terminating = c.terminating + deleting.size;
  // The terminal condition waits until no pod of the Job is running any more.
  if ((failure || success) && stillActive === 0 && terminating === 0) {
    if (failure) {
      conditions = setCondition(conditions, 'Failed', 'True', failure, FAILURES[failure], now);
      plan.events.push({ type: 'Warning', reason: failure, message: FAILURES[failure] });
    } else {
      conditions = setCondition(conditions, 'Complete', 'True', 'CompletionsReached', COMPLETE_MESSAGE, now);
      st.completionTime = rfc3339(now);
      plan.events.push({ type: 'Normal', reason: 'Completed', message: 'Job completed' });
    }
  }
  st.conditions = conditions.length > 0 ? conditions : undefined;
  st.active = stillActive + plan.create.length;
  st.ready = c.active.filter((p) => !deleting.has(p) && isPodReady(p)).length;
  st.succeeded = c.succeeded;
  st.failed = c.failed;
  st.terminating = terminating;
  if (job.spec?.completionMode === 'Indexed') st.completedIndexes = formatIndexes(c.completed);
  return plan;
}

/** When a finished Job with ttlSecondsAfterFinished may be deleted (ms since epoch), if ever. */
export function expiresAt(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || !isJobFinished(job)) return undefined;
  const finish =
    job.status?.completionTime ??
    (job.status?.conditions ?? []).find(
      (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    )?.lastTransitionTime;
  if (!finish) return undefined;
  return new Date(finish).getTime() + ttl * 1000;
}
