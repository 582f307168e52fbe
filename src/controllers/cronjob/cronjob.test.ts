import type { CronJob, Job } from 'kubernetes-types/batch/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import type { Clock } from '../../client/types.js';
import { cronJobController } from './index.js';

type CJ = CronJob & KObject;
type JobObj = Job & KObject;

/** A clock that moves only when the test says; due timers fire as it passes them. */
function manualClock(start: number) {
  let now = start;
  const timers = new Set<{ at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => new Date(now),
    after(ms, fn) {
      const t = { at: now + ms, fn };
      timers.add(t);
      return () => timers.delete(t);
    },
  };
  const advanceTo = (ms: number) => {
    now = Math.max(now, ms);
    for (const t of [...timers].sort((a, b) => a.at - b.at)) {
      if (t.at > now) continue;
      timers.delete(t);
      t.fn();
    }
  };
  return { clock, advanceTo, now: () => now };
}

function cronJob(name: string, spec: Partial<NonNullable<CronJob['spec']>>): CJ {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      jobTemplate: {
        metadata: { labels: { cron: name } },
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
        },
      },
      ...spec,
    },
  } as CJ;
}

describe('CronJob controller against a real server, on an injected clock', () => {
  const start = Date.now();
  const fake = manualClock(start);
  /** The first whole minute after the CronJobs exist (their creationTimestamp is real time). */
  let boundary = 0;
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer([cronJobController({ clock: fake.clock })]);
    boundary = Math.ceil((Date.now() + 2000) / 60_000) * 60_000;
  });
  afterAll(async () => {
    await t?.close();
  });

  const cronJobs = () => t.client.resource<CJ>('batch', 'v1', 'cronjobs');
  const jobs = () => t.client.resource<JobObj>('batch', 'v1', 'jobs');
  const jobsOf = async (name: string) =>
    (await jobs().list('default', { labelSelector: `cron=${name}` })).items
      .map((j) => j.metadata.name)
      .sort();
  /** Polls while nudging the fake clock a few ms, so retry timers on it can fire. */
  const eventually = <T>(check: () => Promise<T>, what: string) =>
    waitFor(
      async () => {
        fake.advanceTo(fake.now() + 5);
        return check();
      },
      10_000,
      what,
    );
  const complete = async (name: string) => {
    const job = await jobs().get('default', name);
    const stamp = new Date(fake.now()).toISOString().replace(/\.\d+Z$/, 'Z');
    (job as KObject).status = {
      startTime: stamp,
      completionTime: stamp,
      succeeded: 1,
      conditions: [
        { type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: stamp },
        { type: 'Complete', status: 'True', lastTransitionTime: stamp },
      ],
    };
    await jobs().updateStatus('default', job);
  };
  const minute = (ms: number) => Math.floor(ms / 60_000);

  it('creates a Job at each scheduled time, named by the scheduled minute', async () => {
    await cronJobs().create('default', cronJob('tick', { concurrencyPolicy: 'Allow' }));
    await cronJobs().create(
      'default',
      cronJob('solo', { concurrencyPolicy: 'Forbid', successfulJobsHistoryLimit: 1 }),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(await jobsOf('tick')).toEqual([]);

    fake.advanceTo(boundary + 1000);
    await eventually(async () => (await jobsOf('tick')).length === 1, 'the first tick job');
    const first = await jobs().get('default', `tick-${minute(boundary)}`);
    expect(first.metadata.annotations?.['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(
      new Date(boundary).toISOString().replace('.000Z', 'Z'),
    );
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'CronJob',
      name: 'tick',
      controller: true,
    });
    await eventually(async () => {
      const s = (await cronJobs().get('default', 'tick')).status;
      return (
        s?.lastScheduleTime === new Date(boundary).toISOString().replace('.000Z', 'Z') &&
        s.active?.[0]?.name === `tick-${minute(boundary)}`
      );
    }, 'tick status');

    fake.advanceTo(boundary + 61_000);
    await eventually(
      async () => (await jobsOf('tick')).length === 2,
      'the second tick job (Allow runs beside the first)',
    );
    expect(await jobsOf('tick')).toEqual([`tick-${minute(boundary)}`, `tick-${minute(boundary) + 1}`]);
  });

  it('honours Forbid: no new Job while one runs; the missed time runs once it finishes', async () => {
    expect(await jobsOf('solo')).toEqual([`solo-${minute(boundary)}`]);
    const events = async () =>
      (
        (await t.client.resource('', 'v1', 'events').list('default')).items as Array<
          KObject & { reason?: string; involvedObject?: { name?: string } }
        >
      )
        .filter((e) => e.involvedObject?.name === 'solo')
        .map((e) => e.reason);
    await eventually(async () => (await events()).includes('JobAlreadyActive'), 'a JobAlreadyActive event');
    expect(await jobsOf('solo')).toEqual([`solo-${minute(boundary)}`]);

    await complete(`solo-${minute(boundary)}`);
    await eventually(
      async () => (await jobsOf('solo')).includes(`solo-${minute(boundary) + 1}`),
      'the missed solo job',
    );
    await eventually(
      async () => (await cronJobs().get('default', 'solo')).status?.lastSuccessfulTime !== undefined,
      'lastSuccessfulTime',
    );
  });

  it('keeps only successfulJobsHistoryLimit finished Jobs', async () => {
    await complete(`solo-${minute(boundary) + 1}`);
    await eventually(
      async () => (await jobsOf('solo')).join() === `solo-${minute(boundary) + 1}`,
      'the older finished job deleted',
    );
  });
});
