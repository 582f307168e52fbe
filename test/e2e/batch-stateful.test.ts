/**
 * Issue #3, Jobs, CronJobs, StatefulSets, DaemonSets and namespace deletion end to end: a
 * `skiff server` process and a virtual agent process (2 nodes; containers of Job pods exit 0 after
 * 1 s), plus a second agent started mid-run for the DaemonSet. The CronJob is created first and
 * checked last, so its wait for the next minute overlaps the other tests.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/cluster.js';
import { eventually, getJson, isActive, isReady, listPods, watchPods } from '../support/kube.js';
import { apply, type Cluster, startCluster } from './workloads/harness.js';

let cluster: Cluster;
const k = (...args: string[]) => kubectlOk(cluster.server, args);
const container = { name: 'c', image: 'busybox' };
let cronCreatedAt = 0;

beforeAll(async () => {
  cluster = await startCluster([{ count: 2, prefix: 'bs-', args: ['--run-duration', '1000'] }]);
  apply(cluster.server, {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'tick' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [container] } } } },
    },
  });
  cronCreatedAt = Date.now();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('a Job with completions 5 and parallelism 2', () => {
  it('completes with never more than 2 pods active at once', async () => {
    const watch = watchPods(cluster.server, 'default', 'job-name=five');
    try {
      watch.check('parallelism', (pods) => {
        const active = pods.filter(isActive).length;
        return active > 2 ? `${active} active pods > parallelism 2` : undefined;
      });
      apply(cluster.server, {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'five' },
        spec: {
          completions: 5,
          parallelism: 2,
          template: { spec: { restartPolicy: 'Never', containers: [container] } },
        },
      });
      const res = kubectl(cluster.server, ['wait', '--for=condition=complete', 'job/five', '--timeout=60s']);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toContain('job.batch/five condition met');
      await watch.waitFor(
        (pods) => pods.filter((p) => p.status?.phase === 'Succeeded').length === 5,
        10_000,
        '5 succeeded pods in the watch',
      );
      expect(watch.violations()).toEqual([]);
    } finally {
      await watch.stop();
    }
    const job = getJson<{ status: { succeeded?: number; active?: number } }>(cluster.server, [
      'get',
      'job/five',
      '-o',
      'json',
    ]);
    expect(job.status.succeeded).toBe(5);
    expect(job.status.active ?? 0).toBe(0);
  });
});

describe('a StatefulSet', () => {
  it('scales 0 to 3 in order: web-1 only after web-0 is Ready, web-2 only after web-1', async () => {
    apply(cluster.server, {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web' },
      spec: {
        replicas: 0,
        serviceName: 'web',
        selector: { matchLabels: { app: 'sts' } },
        template: { metadata: { labels: { app: 'sts' } }, spec: { containers: [container] } },
      },
    });
    const watch = watchPods(cluster.server, 'default', 'app=sts');
    const firstSeen: string[] = [];
    try {
      watch.check('ordered creation', (pods) => {
        for (const p of pods)
          if (!firstSeen.includes(p.metadata?.name ?? '')) firstSeen.push(p.metadata?.name ?? '');
        const byName = new Map(pods.map((p) => [p.metadata?.name, p]));
        for (const i of [1, 2]) {
          const prev = byName.get(`web-${i - 1}`);
          if (byName.has(`web-${i}`) && !(prev && isReady(prev)))
            return `web-${i} exists while web-${i - 1} is not Ready`;
        }
        return undefined;
      });
      k('scale', 'statefulset/web', '--replicas=3');
      const res = kubectl(cluster.server, ['rollout', 'status', 'statefulset/web', '--timeout=60s']);
      expect(res.code, res.stderr).toBe(0);
      await watch.waitFor((pods) => pods.filter(isReady).length === 3, 10_000, '3 ready web pods');
      expect(watch.violations()).toEqual([]);
      expect(firstSeen).toEqual(['web-0', 'web-1', 'web-2']);
    } finally {
      await watch.stop();
    }
    const pods = listPods(cluster.server, 'default', 'app=sts');
    const created = ['web-0', 'web-1', 'web-2'].map((n) =>
      Date.parse(pods.find((p: Pod) => p.metadata?.name === n)?.metadata?.creationTimestamp ?? ''),
    );
    expect([...created].sort((a, b) => a - b)).toEqual(created);
    expect(pods.map((p) => p.metadata?.labels?.['statefulset.kubernetes.io/pod-name']).sort()).toEqual([
      'web-0',
      'web-1',
      'web-2',
    ]);
  });
});

describe('a DaemonSet', () => {
  it('covers every node, including the nodes of an agent that joins later', async () => {
    apply(cluster.server, {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'everywhere' },
      spec: {
        selector: { matchLabels: { app: 'ds' } },
        template: { metadata: { labels: { app: 'ds' } }, spec: { containers: [container] } },
      },
    });
    const res = kubectl(cluster.server, ['rollout', 'status', 'daemonset/everywhere', '--timeout=60s']);
    expect(res.code, res.stderr).toBe(0);
    const nodesWithPod = () =>
      listPods(cluster.server, 'default', 'app=ds')
        .filter(isReady)
        .map((p) => p.spec?.nodeName)
        .sort();
    expect(nodesWithPod()).toEqual(['bs-0', 'bs-1']);

    await cluster.addAgent({ count: 1, prefix: 'late-' });
    await eventually(() => nodesWithPod().join() === 'bs-0,bs-1,late-0', 20_000, 'a daemon pod on late-0');
    const ds = getJson<{ status: Record<string, number> }>(cluster.server, [
      'get',
      'ds/everywhere',
      '-o',
      'json',
    ]);
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, currentNumberScheduled: 3 });
    await eventually(
      () =>
        getJson<{ status: { numberReady?: number } }>(cluster.server, ['get', 'ds/everywhere', '-o', 'json'])
          .status.numberReady === 3,
      10_000,
      'numberReady 3',
    );
  });
});

describe('deleting a namespace', () => {
  it('removes everything in it, then the namespace', () => {
    k('create', 'namespace', 'doomed');
    k('-n', 'doomed', 'create', 'deployment', 'app', '--image=busybox', '--replicas=2');
    k('-n', 'doomed', 'create', 'configmap', 'settings', '--from-literal=a=b');
    k('-n', 'doomed', 'create', 'service', 'clusterip', 'app', '--tcp=80:80');
    const status = kubectl(cluster.server, [
      '-n',
      'doomed',
      'rollout',
      'status',
      'deployment/app',
      '--timeout=60s',
    ]);
    expect(status.code, status.stderr).toBe(0);
    // The default ServiceAccount appears in every namespace.
    expect(k('-n', 'doomed', 'get', 'serviceaccount', 'default', '-o', 'name')).toContain(
      'serviceaccount/default',
    );

    const del = kubectl(cluster.server, ['delete', 'namespace', 'doomed', '--timeout=60s']);
    expect(del.code, del.stderr).toBe(0);
    const gone = kubectl(cluster.server, ['get', 'namespace', 'doomed']);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('NotFound');
    for (const kind of ['pods', 'replicasets', 'deployments', 'configmaps', 'services', 'serviceaccounts']) {
      expect(k('get', kind, '-n', 'doomed', '-o', 'name'), kind).toBe('');
    }
  });
});

describe('a CronJob with schedule */1 * * * *', () => {
  it('creates a Job at the next minute, owned by the CronJob, which completes', async () => {
    const remaining = Math.max(5_000, cronCreatedAt + 75_000 - Date.now());
    const job = await eventually(
      () =>
        getJson<{
          items: { metadata: { name: string; ownerReferences?: { kind: string; name: string }[] } }[];
        }>(cluster.server, ['get', 'jobs', '-o', 'json']).items.find((j) =>
          j.metadata.ownerReferences?.some((o) => o.kind === 'CronJob' && o.name === 'tick'),
        ),
      remaining,
      'a Job created by CronJob tick',
      1000,
    );
    // Kubernetes names the Job after the scheduled time in minutes since the epoch.
    expect(job.metadata.name).toMatch(/^tick-\d{8}$/);
    const scheduledMinute = Number(job.metadata.name.slice('tick-'.length));
    expect(scheduledMinute * 60_000).toBeGreaterThanOrEqual(cronCreatedAt - 60_000);
    const res = kubectl(cluster.server, [
      'wait',
      '--for=condition=complete',
      `job/${job.metadata.name}`,
      '--timeout=30s',
    ]);
    expect(res.code, res.stderr).toBe(0);
    const cron = getJson<{ status: { lastScheduleTime?: string; lastSuccessfulTime?: string } }>(
      cluster.server,
      ['get', 'cronjob/tick', '-o', 'json'],
    );
    expect(Date.parse(cron.status.lastScheduleTime ?? '')).toBe(scheduledMinute * 60_000);
    await eventually(
      () =>
        getJson<{ status: { lastSuccessfulTime?: string } }>(cluster.server, [
          'get',
          'cronjob/tick',
          '-o',
          'json',
        ]).status.lastSuccessfulTime,
      10_000,
      'lastSuccessfulTime',
    );
  });
});
