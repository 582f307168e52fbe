import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { formatIndexes, parseIndexes } from './indexed.js';
import { expiresAt, planJob } from './planner.js';

const now = new Date('2025-01-01T01:00:00Z');
const backoff = { baseMs: 10_000, maxMs: 360_000 };

type Spec = NonNullable<Job['spec']>;
function job(spec: Partial<Spec> = {}, status: Job['status'] = { startTime: '2025-01-01T00:59:00Z' }): Job {
  return {
    metadata: { name: 'pi', namespace: 'default', uid: 'u' },
    spec: {
      completions: 5,
      parallelism: 2,
      backoffLimit: 6,
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } },
      ...spec,
    },
    status,
  };
}

let seq = 0;
function pod(
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed',
  opts: { index?: number; finished?: string; restarts?: number } = {},
): Pod {
  seq++;
  return {
    metadata: {
      name: `pi-${seq}`,
      creationTimestamp: new Date(now.getTime() - 100_000 + seq).toISOString(),
      ...(opts.index !== undefined
        ? { annotations: { 'batch.kubernetes.io/job-completion-index': String(opts.index) } }
        : {}),
    },
    status: {
      phase,
      conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'c',
          image: 'i',
          imageID: '',
          ready: phase === 'Running',
          restartCount: opts.restarts ?? 0,
          ...(opts.finished ? { state: { terminated: { exitCode: 0, finishedAt: opts.finished } } } : {}),
        },
      ],
    },
  };
}
const conditionTypes = (j: { conditions?: Array<{ type: string; status: string }> }) =>
  (j.conditions ?? []).filter((c) => c.status === 'True').map((c) => c.type);

describe('Job status math', () => {
  it('starts parallelism pods and no more', () => {
    const plan = planJob(job(), [], now, backoff);
    expect(plan.create).toHaveLength(2);
    expect(plan.status).toMatchObject({ active: 2, succeeded: 0, failed: 0 });
  });

  it('never runs more pods than completions still need', () => {
    const plan = planJob(
      job(),
      [pod('Succeeded'), pod('Succeeded'), pod('Succeeded'), pod('Succeeded'), pod('Running')],
      now,
      backoff,
    );
    expect(plan.create).toHaveLength(0);
    expect(plan.status).toMatchObject({ active: 1, ready: 1, succeeded: 4 });
  });

  it('completes with SuccessCriteriaMet and Complete once completions succeeded and nothing runs', () => {
    const plan = planJob(
      job(),
      Array.from({ length: 5 }, () => pod('Succeeded')),
      now,
      backoff,
    );
    expect(conditionTypes(plan.status)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(plan.status.completionTime).toBe('2025-01-01T01:00:00Z');
    expect(plan.events.map((e) => e.reason)).toEqual(['Completed']);
  });

  it('a work-queue job (no completions) completes when one pod succeeded and the rest finished', () => {
    const running = planJob(
      job({ completions: undefined, parallelism: 3 }),
      [pod('Succeeded'), pod('Running')],
      now,
      backoff,
    );
    expect(running.create).toHaveLength(0);
    expect(conditionTypes(running.status)).toEqual([]);
    const done = planJob(
      job({ completions: undefined, parallelism: 3 }),
      [pod('Succeeded'), pod('Succeeded')],
      now,
      backoff,
    );
    expect(conditionTypes(done.status)).toEqual(['SuccessCriteriaMet', 'Complete']);
  });

  it('fails with BackoffLimitExceeded when failures pass backoffLimit, stopping running pods first', () => {
    const running = pod('Running');
    const plan = planJob(job({ backoffLimit: 1 }), [pod('Failed'), pod('Failed'), running], now, backoff);
    expect(plan.delete).toEqual([running]);
    expect(conditionTypes(plan.status)).toEqual(['FailureTarget']);
    const after = planJob(
      { ...job({ backoffLimit: 1 }), status: plan.status },
      [pod('Failed'), pod('Failed')],
      now,
      backoff,
    );
    expect(conditionTypes(after.status)).toEqual(['FailureTarget', 'Failed']);
    expect(after.status.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(after.events).toEqual([
      {
        type: 'Warning',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
      },
    ]);
  });

  it('counts container restarts against backoffLimit for OnFailure pods', () => {
    const spec = {
      backoffLimit: 2,
      template: { spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'i' }] } },
    };
    const plan = planJob(job(spec), [pod('Running', { restarts: 2 })], now, backoff);
    expect(plan.status.conditions?.[0]).toMatchObject({
      type: 'FailureTarget',
      reason: 'BackoffLimitExceeded',
    });
  });

  it('fails with DeadlineExceeded after activeDeadlineSeconds', () => {
    const plan = planJob(job({ activeDeadlineSeconds: 30 }), [], now, backoff);
    expect(conditionTypes(plan.status)).toEqual(['FailureTarget', 'Failed']);
    expect(plan.status.conditions?.at(-1)?.reason).toBe('DeadlineExceeded');
  });

  it('asks to look again when the deadline will pass', () => {
    const plan = planJob(job({ activeDeadlineSeconds: 120 }), [pod('Running'), pod('Running')], now, backoff);
    expect(plan.requeueMs).toBe(60_000);
  });

  it('waits an exponential backoff after failures before starting replacements', () => {
    const failedAt = new Date(now.getTime() - 5_000).toISOString();
    const plan = planJob(
      job(),
      [pod('Failed', { finished: failedAt }), pod('Failed', { finished: failedAt }), pod('Running')],
      now,
      backoff,
    );
    // Two failures: 20 s after the last one, 15 s from now.
    expect(plan.create).toHaveLength(0);
    expect(plan.requeueMs).toBe(15_000);
    const later = planJob(
      job(),
      [pod('Failed', { finished: failedAt }), pod('Failed', { finished: failedAt }), pod('Running')],
      new Date(now.getTime() + 15_000),
      backoff,
    );
    expect(later.create).toHaveLength(1);
  });

  it('stops every pod while suspended and resets startTime on resume', () => {
    const running = pod('Running');
    const plan = planJob(job({ suspend: true }), [running], now, backoff);
    expect(plan.delete).toEqual([running]);
    expect(plan.status.conditions?.[0]).toMatchObject({
      type: 'Suspended',
      status: 'True',
      reason: 'JobSuspended',
    });
    const resumed = planJob({ ...job(), status: plan.status }, [], new Date(now.getTime() + 60_000), backoff);
    expect(resumed.status.conditions?.[0]).toMatchObject({
      type: 'Suspended',
      status: 'False',
      reason: 'JobResumed',
    });
    expect(resumed.status.startTime).toBe('2025-01-01T01:01:00Z');
    expect(resumed.create).toHaveLength(2);
  });

  it('never lowers recorded counts when finished pods disappear', () => {
    const plan = planJob(
      job({}, { startTime: '2025-01-01T00:59:00Z', succeeded: 3, failed: 1 }),
      [pod('Succeeded')],
      now,
      backoff,
    );
    expect(plan.status).toMatchObject({ succeeded: 3, failed: 1 });
    expect(plan.create).toHaveLength(2);
  });

  it('runs the lowest missing indexes of an Indexed job, and completes when all are done', () => {
    const spec = { completionMode: 'Indexed', completions: 4, parallelism: 2 };
    const plan = planJob(
      job(spec),
      [pod('Succeeded', { index: 0 }), pod('Running', { index: 2 })],
      now,
      backoff,
    );
    expect(plan.create).toEqual([{ index: 1 }]);
    expect(plan.status.completedIndexes).toBe('0');
    const done = planJob(
      job(spec),
      [0, 1, 2, 3].map((index) => pod('Succeeded', { index })),
      now,
      backoff,
    );
    expect(done.status.completedIndexes).toBe('0-3');
    expect(conditionTypes(done.status)).toEqual(['SuccessCriteriaMet', 'Complete']);
  });

  it('leaves a finished job alone and expires it after its TTL', () => {
    const finished = job(
      { ttlSecondsAfterFinished: 60 },
      { completionTime: '2025-01-01T00:59:30Z', conditions: [{ type: 'Complete', status: 'True' }] },
    );
    expect(planJob(finished, [pod('Running')], now, backoff)).toMatchObject({ create: [], delete: [] });
    expect(expiresAt(finished)).toBe(new Date('2025-01-01T01:00:30Z').getTime());
  });

  it('formats and parses completed indexes', () => {
    expect(formatIndexes([5, 0, 1, 2, 7, 8])).toBe('0-2,5,7-8');
    expect([...parseIndexes('0-2,5')]).toEqual([0, 1, 2, 5]);
  });
});
