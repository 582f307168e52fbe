/**
 * The Job controller: runs pods to completion. reconcile(key) reads the Job and its pods from
 * informers, plans (planner.ts), creates and deletes pods under expectations (so a stale
 * informer never double-creates), writes status, and deletes finished Jobs whose
 * ttlSecondsAfterFinished has passed (the ttl-after-finished controller's job, folded in here).
 */
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { type Clock, keyOf, type ResourceClient, splitKey } from '../../client/types.js';
import { deepEqual } from '../../registry/common/meta.js';
import { labelSelectorMatches } from '../../registry/common/selector.js';
import {
  claim,
  dependentHandlers,
  Expectations,
  ignoreReason,
  Requeue,
  startQueue,
} from '../daemonset/kit.js';
import { podFromTemplate } from '../daemonset/pods.js';
import type { Controller, ControllerContext } from '../manager.js';
import { COMPLETION_INDEX, indexedPodSpec } from './indexed.js';
import { type BackoffPolicy, defaultBackoff, expiresAt, type JobPlan, planJob } from './planner.js';

type JobObj = Job & KObject;
type PodObj = Pod & KObject;

export interface JobControllerOptions {
  clock?: Clock;
  workers?: number;
  /** Pod failure backoff (default 10 s doubling to 6 min, as Kubernetes). */
  backoff?: BackoffPolicy;
}

/** Creates the Job controller (name "job"). */
export function jobController(opts: JobControllerOptions = {}): Controller {
  return { name: 'job', run: (ctx) => new JobSync(ctx, opts).start() };
}

class JobSync {
  private readonly clock: Clock;
  private readonly expectations: Expectations;
  private readonly events: EventRecorder;
  private readonly jobs: Informer<JobObj>;
  private readonly pods: Informer<PodObj>;
  private readonly jobClient: ResourceClient<JobObj>;
  private readonly podClient: ResourceClient<PodObj>;
  private requeue: Requeue | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: JobControllerOptions,
  ) {
    this.clock = opts.clock ?? ctx.clock;
    this.expectations = new Expectations(this.clock);
    this.events = ctx.events('job-controller');
    this.jobs = ctx.informers.for<JobObj>('batch', 'v1', 'jobs');
    this.pods = ctx.informers.for<PodObj>('', 'v1', 'pods');
    this.jobClient = ctx.client.resource<JobObj>('batch', 'v1', 'jobs');
    this.podClient = ctx.client.resource<PodObj>('', 'v1', 'pods');
  }

  async start(): Promise<void> {
    await Promise.all([this.jobs.hasSynced(), this.pods.hasSynced()]);
    if (this.ctx.signal.aborted) return;
    const queue = startQueue(this.ctx, this.clock, (key) => this.reconcile(key), this.opts.workers ?? 4);
    const enqueue = (key: string) => queue.add(key);
    this.requeue = new Requeue(this.clock, enqueue, this.ctx.signal);
    this.jobs.addHandlers({
      onAdd: (j) => enqueue(keyOf(j)),
      onUpdate: (_, j) => enqueue(keyOf(j)),
      onDelete: (j) => this.expectations.forget(keyOf(j)),
    });
    this.pods.addHandlers(
      dependentHandlers<PodObj>('Job', enqueue, this.expectations, (pod) => this.matchingJobs(pod)),
    );
  }

  private matchingJobs(pod: PodObj): string[] {
    return this.jobs
      .list()
      .filter(
        (j) =>
          j.metadata.namespace === pod.metadata.namespace &&
          labelSelectorMatches(j.spec?.selector, pod.metadata.labels),
      )
      .map(keyOf);
  }

  async reconcile(key: string): Promise<void> {
    const job = this.jobs.get(key);
    if (!job || job.metadata.deletionTimestamp) return;
    const now = this.clock.now();
    const expiry = expiresAt(job);
    if (expiry !== undefined) {
      if (expiry <= now.getTime())
        await this.jobClient
          .delete(job.metadata.namespace ?? '', job.metadata.name ?? '', {
            propagationPolicy: 'Background',
            preconditions: { uid: job.metadata.uid },
          })
          .catch(ignoreReason('NotFound'));
      else this.requeue?.after(key, expiry - now.getTime());
      return;
    }
    if (!this.expectations.satisfied(key)) return;
    const [namespace] = splitKey(key);
    const candidates = this.pods.list().filter((p) => p.metadata.namespace === namespace);
    const pods = await claim(job, job.spec?.selector, candidates, this.podClient);
    const plan = planJob(job, pods, now, this.opts.backoff ?? defaultBackoff);
    await this.apply(key, job, plan);
    await this.writeStatus(job, plan.status);
    for (const e of plan.events) this.events.record(job, e.type, e.reason, e.message);
    if (plan.requeueMs !== undefined) this.requeue?.after(key, Math.max(1, plan.requeueMs));
  }

  private async apply(key: string, job: JobObj, plan: JobPlan): Promise<void> {
    const namespace = job.metadata.namespace ?? '';
    this.expectations.expectDeletions(
      key,
      plan.delete.map((p) => p.metadata?.name ?? ''),
    );
    for (const pod of plan.delete) {
      const name = pod.metadata?.name ?? '';
      try {
        await this.podClient.delete(namespace, name).catch(ignoreReason('NotFound'));
        this.events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${name}`);
      } catch (err) {
        this.expectations.deletionObserved(key, name);
        throw err;
      }
    }
    this.expectations.expectCreations(key, plan.create.length);
    for (const [i, want] of plan.create.entries()) {
      try {
        const created = await this.podClient.create(namespace, this.newPod(job, want.index));
        this.events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      } catch (err) {
        for (let j = i; j < plan.create.length; j++) this.expectations.creationObserved(key);
        this.events.record(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  private newPod(job: JobObj, index: number | undefined): PodObj {
    const pod = podFromTemplate(job.spec?.template, job) as PodObj;
    const name = job.metadata.name ?? '';
    if (index === undefined) {
      pod.metadata.generateName = `${name}-`;
      return pod;
    }
    pod.metadata.generateName = `${name}-${index}-`;
    pod.metadata.annotations = { ...pod.metadata.annotations, [COMPLETION_INDEX]: String(index) };
    pod.metadata.labels = { ...pod.metadata.labels, [COMPLETION_INDEX]: String(index) };
    pod.spec = indexedPodSpec(pod.spec ?? { containers: [] }, name, index);
    return pod;
  }

  private async writeStatus(job: JobObj, status: Job['status']): Promise<void> {
    const clean = JSON.parse(JSON.stringify(status ?? {}));
    if (deepEqual(clean, job.status ?? {})) return;
    const next = cloneJSON(job) as KObject;
    next.status = clean;
    await this.jobClient
      .updateStatus(job.metadata.namespace ?? '', next as JobObj)
      .catch(ignoreReason('NotFound'));
  }
}
