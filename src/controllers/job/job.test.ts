import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import { Informer } from '../../client/informer.js';
import { setPodPhase } from '../daemonset/testing.js';
import { jobController } from './index.js';

type JobObj = Job & KObject;
type PodObj = Pod & KObject;

function newJob(name: string, spec: Partial<NonNullable<Job['spec']>>): JobObj {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: 'default' },
    spec: {
      template: { spec: { restartPolicy: 'Never', containers: [{ name: 'work', image: 'busybox' }] } },
      ...spec,
    },
  } as JobObj;
}

describe('Job controller against a real server', () => {
  let t: TestServer;
  let pods: Informer<PodObj>;
  /** Highest number of non-finished pods seen at once, per job. */
  const peak = new Map<string, number>();
  beforeAll(async () => {
    t = await startTestServer([jobController({ backoff: { baseMs: 20, maxMs: 200 } })]);
    pods = new Informer<PodObj>(t.client.resource('', 'v1', 'pods'));
    // Plays the kubelet: every new pod runs, then exits 0 (or 1 for jobs named fail-*).
    const seen = new Set<string>();
    const onPod = (pod: PodObj) => {
      const jobName = pod.metadata.labels?.['batch.kubernetes.io/job-name'] ?? '';
      const live = pods
        .list()
        .filter(
          (p) =>
            p.metadata.labels?.['batch.kubernetes.io/job-name'] === jobName &&
            !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''),
        );
      peak.set(jobName, Math.max(peak.get(jobName) ?? 0, live.length));
      const name = pod.metadata.name ?? '';
      if (seen.has(name) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
      seen.add(name);
      setTimeout(() => {
        void setPodPhase(
          t.client,
          'default',
          name,
          jobName.startsWith('fail-') ? 'Failed' : 'Succeeded',
        ).catch(() => {});
      }, 30);
    };
    pods.addHandlers({ onAdd: onPod, onUpdate: (_, p) => onPod(p) });
    await pods.start();
  });
  afterAll(async () => {
    pods?.stop();
    await t?.close();
  });

  const jobs = () => t.client.resource<JobObj>('batch', 'v1', 'jobs');
  const isTrue = (j: JobObj, type: string) =>
    j.status?.conditions?.some((c) => c.type === type && c.status === 'True');
  /** The job once it has the condition. */
  const untilCondition = async (name: string, type: string): Promise<JobObj> => {
    let found: JobObj | undefined;
    await waitFor(
      async () => {
        const j = await jobs().get('default', name);
        if (isTrue(j, type)) found = j;
        return found;
      },
      15_000,
      `job ${name} ${type}`,
    );
    return found as JobObj;
  };

  it('completes 5 completions with parallelism 2, never running more than 2 pods', async () => {
    await jobs().create('default', newJob('pi', { completions: 5, parallelism: 2 }));
    const done = await untilCondition('pi', 'Complete');
    expect(done.status).toMatchObject({ succeeded: 5, active: 0, failed: 0 });
    expect(done.status?.completionTime).toBeDefined();
    expect(done.status?.startTime).toBeDefined();
    expect(isTrue(done, 'SuccessCriteriaMet')).toBe(true);
    expect(peak.get('pi')).toBeLessThanOrEqual(2);
    const jobPods = pods.list().filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === 'pi');
    expect(jobPods).toHaveLength(5);
    expect(jobPods.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'Job')).toBe(true);
    const reasons = async () => {
      const events = (await t.client.resource('', 'v1', 'events').list('default')).items as Array<
        KObject & { reason?: string; involvedObject?: { name?: string } }
      >;
      return events.filter((e) => e.involvedObject?.name === 'pi').map((e) => e.reason);
    };
    await waitFor(async () => (await reasons()).includes('Completed'), 5_000, 'a Completed event');
    expect(await reasons()).toContain('SuccessfulCreate');
  });

  it('fails a job whose pods keep failing once backoffLimit is exceeded', async () => {
    await jobs().create('default', newJob('fail-1', { backoffLimit: 2 }));
    const failed = await untilCondition('fail-1', 'Failed');
    expect(failed.status?.failed).toBe(3);
    expect(failed.status?.conditions?.find((c) => c.type === 'Failed')).toMatchObject({
      reason: 'BackoffLimitExceeded',
      message: 'Job has reached the specified backoff limit',
    });
    expect(isTrue(failed, 'FailureTarget')).toBe(true);
  });

  it('runs Indexed jobs with one pod per completion index', async () => {
    await jobs().create(
      'default',
      newJob('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }),
    );
    const done = await untilCondition('idx', 'Complete');
    expect(done.status?.completedIndexes).toBe('0-2');
    const hostnames = pods
      .list()
      .filter((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === 'idx')
      .map((p) => p.spec?.hostname)
      .sort();
    expect(hostnames).toEqual(['idx-0', 'idx-1', 'idx-2']);
  });

  it('deletes a finished job after ttlSecondsAfterFinished', async () => {
    await jobs().create('default', newJob('short', { ttlSecondsAfterFinished: 0 }));
    await waitFor(
      () =>
        jobs()
          .get('default', 'short')
          .then(
            () => false,
            () => true,
          ),
      15_000,
      'job short deleted',
    );
  });
});
