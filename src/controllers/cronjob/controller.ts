/**
 * The CronJob controller (Kubernetes' cronjob controller v2): at each scheduled time it creates
 * a Job from the template, honouring concurrencyPolicy, startingDeadlineSeconds and suspend;
 * it keeps status.active, lastScheduleTime and lastSuccessfulTime, trims finished Jobs to the
 * history limits, and wakes itself at the next scheduled time. All time comes from the injected
 * clock. Schedules without spec.timeZone are read in UTC (Kubernetes uses the controller
 * manager's local zone; a server's zone is an accident of where it runs, UTC is predictable).
 */
import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import type { ObjectReference } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { type Clock, keyOf, type ResourceClient, splitKey } from '../../client/types.js';
import { type CronSchedule, parseCronSchedule } from '../../registry/batch/cron.js';
import { deepEqual } from '../../registry/common/meta.js';
import {
  controllerOf,
  dependentHandlers,
  ignoreReason,
  Requeue,
  rfc3339,
  startQueue,
} from '../daemonset/kit.js';
import type { Controller, ControllerContext } from '../manager.js';
import { finishedAs, historyToDelete, jobFor, jobName, refTo } from './jobs.js';
import { mostRecentScheduleTime, nextAfter } from './schedule.js';

type CJ = CronJob & KObject;
type JobObj = Job & KObject;
type Status = NonNullable<CronJob['status']>;

export interface CronJobControllerOptions {
  /** The clock schedules are read against (tests drive a manual one). */
  clock?: Clock;
  workers?: number;
}

/** Creates the CronJob controller (name "cronjob"). */
export function cronJobController(opts: CronJobControllerOptions = {}): Controller {
  return { name: 'cronjob', run: (ctx) => new CronJobSync(ctx, opts).start() };
}

class CronJobSync {
  private readonly clock: Clock;
  private readonly events: EventRecorder;
  private readonly cronJobs: Informer<CJ>;
  private readonly jobs: Informer<JobObj>;
  private readonly cjClient: ResourceClient<CJ>;
  private readonly jobClient: ResourceClient<JobObj>;
  private requeue: Requeue | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: CronJobControllerOptions,
  ) {
    this.clock = opts.clock ?? ctx.clock;
    this.events = ctx.events('cronjob-controller');
    this.cronJobs = ctx.informers.for<CJ>('batch', 'v1', 'cronjobs');
    this.jobs = ctx.informers.for<JobObj>('batch', 'v1', 'jobs');
    this.cjClient = ctx.client.resource<CJ>('batch', 'v1', 'cronjobs');
    this.jobClient = ctx.client.resource<JobObj>('batch', 'v1', 'jobs');
  }

  async start(): Promise<void> {
    await Promise.all([this.cronJobs.hasSynced(), this.jobs.hasSynced()]);
    if (this.ctx.signal.aborted) return;
    const queue = startQueue(this.ctx, this.clock, (key) => this.reconcile(key), this.opts.workers ?? 2);
    const enqueue = (key: string) => queue.add(key);
    this.requeue = new Requeue(this.clock, enqueue, this.ctx.signal);
    this.cronJobs.addHandlers({ onAdd: (c) => enqueue(keyOf(c)), onUpdate: (_, c) => enqueue(keyOf(c)) });
    this.jobs.addHandlers(dependentHandlers<JobObj>('CronJob', enqueue));
  }

  async reconcile(key: string): Promise<void> {
    const cj = this.cronJobs.get(key);
    if (!cj) return;
    const [namespace] = splitKey(key);
    const owned = this.jobs
      .list()
      .filter((j) => j.metadata.namespace === namespace && controllerOf(j)?.uid === cj.metadata.uid);
    const status: Status = cloneJSON(cj.status ?? {});
    status.active = await this.syncActive(cj, owned, status);
    await this.trimHistory(cj, owned);
    if (!cj.metadata.deletionTimestamp && !cj.spec?.suspend) await this.runSchedule(key, cj, owned, status);
    await this.writeStatus(cj, status);
  }

  /** The still-running Jobs, after noting finished ones (and the last success) and lost ones. */
  private async syncActive(cj: CJ, owned: JobObj[], status: Status): Promise<ObjectReference[]> {
    const active = new Map((status.active ?? []).map((r) => [r.uid ?? '', r]));
    for (const job of owned) {
      const finished = finishedAs(job);
      const uid = job.metadata.uid ?? '';
      if (!finished) {
        if (!active.has(uid)) active.set(uid, refTo(job));
        continue;
      }
      if (active.delete(uid))
        this.events.record(
          cj,
          'Normal',
          'SawCompletedJob',
          `Saw completed job: ${job.metadata.name}, condition: ${finished}`,
        );
      const done = job.status?.completionTime;
      if (finished === 'Complete' && done && (!status.lastSuccessfulTime || done > status.lastSuccessfulTime))
        status.lastSuccessfulTime = done;
    }
    const ownedUids = new Set(owned.map((j) => j.metadata.uid));
    for (const [uid, ref] of [...active]) {
      if (ownedUids.has(uid)) continue;
      // The informer may not have seen a Job created a moment ago: ask the server.
      const live = await this.jobClient
        .get(cj.metadata.namespace ?? '', ref.name ?? '')
        .catch(ignoreReason('NotFound'));
      if (live?.metadata.uid === uid && !finishedAs(live)) continue;
      active.delete(uid);
      if (!live) this.events.record(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
    }
    return [...active.values()].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  }

  private async trimHistory(cj: CJ, owned: JobObj[]): Promise<void> {
    for (const job of historyToDelete(cj, owned)) {
      await this.deleteJob(cj, job.metadata.name ?? '');
    }
  }

  private async deleteJob(cj: CJ, name: string): Promise<void> {
    await this.jobClient
      .delete(cj.metadata.namespace ?? '', name, { propagationPolicy: 'Background' })
      .catch(ignoreReason('NotFound'));
    this.events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
  }

  private parse(cj: CJ): { schedule: CronSchedule; timeZone: string } | undefined {
    let schedule: CronSchedule;
    try {
      schedule = parseCronSchedule(cj.spec?.schedule ?? '');
    } catch (err) {
      this.events.record(
        cj,
        'Warning',
        'UnparseableSchedule',
        `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${(err as Error).message}`,
      );
      return undefined;
    }
    const timeZone = cj.spec?.timeZone ?? schedule.timeZone ?? 'UTC';
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      this.events.record(
        cj,
        'Warning',
        'UnknownTimeZone',
        `invalid timeZone: ${JSON.stringify(timeZone)}: unknown time zone ${timeZone}`,
      );
      return undefined;
    }
    return { schedule, timeZone };
  }

  /** Starts the Job of the most recent unmet scheduled time, if policy allows; wakes at the next. */
  private async runSchedule(key: string, cj: CJ, owned: JobObj[], status: Status): Promise<void> {
    const parsed = this.parse(cj);
    if (!parsed) return;
    const { schedule, timeZone } = parsed;
    const now = this.clock.now();
    const next = nextAfter(schedule, now, timeZone);
    // Kubernetes adds 100 ms so the wake-up lands after the scheduled second, not just before.
    if (next) this.requeue?.after(key, next.getTime() - now.getTime() + 100);
    const deadline = cj.spec?.startingDeadlineSeconds;
    let earliest = new Date(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? now.toISOString());
    if (deadline !== undefined)
      earliest = new Date(Math.max(earliest.getTime(), now.getTime() - deadline * 1000));
    const recent = mostRecentScheduleTime(schedule, earliest, now, timeZone);
    if (!recent.time) return;
    const scheduled = recent.time;
    if (recent.missed > 100) {
      this.events.record(
        cj,
        'Warning',
        'TooManyMissedTimes',
        `too many missed start times: ${recent.missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew`,
      );
    }
    if (deadline !== undefined && scheduled.getTime() + deadline * 1000 < now.getTime()) {
      this.events.record(
        cj,
        'Warning',
        'MissSchedule',
        `Missed scheduled time to start a job: ${scheduled.toUTCString()}`,
      );
      return;
    }
    const name = jobName(cj, scheduled);
    if (owned.some((j) => j.metadata.name === name) || status.active?.some((r) => r.name === name)) {
      // Already started (perhaps before a failed status write): just record it.
      this.markScheduled(status, scheduled);
      return;
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && (status.active?.length ?? 0) > 0) {
      // lastScheduleTime stays, so this time still runs once the active Job finishes.
      this.events.record(
        cj,
        'Normal',
        'JobAlreadyActive',
        'Not starting job because prior execution is running and concurrency policy is Forbid',
      );
      return;
    }
    if (policy === 'Replace') {
      for (const ref of status.active ?? []) await this.deleteJob(cj, ref.name ?? '');
      status.active = [];
    }
    const created = await this.jobClient
      .create(cj.metadata.namespace ?? '', jobFor(cj, scheduled, timeZone))
      .catch((err) => {
        this.events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(err as Error).message}`);
        throw err;
      });
    this.events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata.name}`);
    status.active = [...(status.active ?? []), refTo(created)];
    this.markScheduled(status, scheduled);
  }

  private markScheduled(status: Status, scheduled: Date): void {
    const stamp = rfc3339(scheduled);
    if (!status.lastScheduleTime || new Date(status.lastScheduleTime) < scheduled)
      status.lastScheduleTime = stamp;
  }

  private async writeStatus(cj: CJ, status: Status): Promise<void> {
    const clean = JSON.parse(
      JSON.stringify({ ...status, active: status.active?.length ? status.active : undefined }),
    );
    if (deepEqual(clean, cj.status ?? {})) return;
    const next = cloneJSON(cj) as KObject;
    next.status = clean;
    await this.cjClient.updateStatus(cj.metadata.namespace ?? '', next as CJ).catch(ignoreReason('NotFound'));
  }
}
