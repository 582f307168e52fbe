/**
 * The Deployment and ReplicaSet controllers together against a real in-process API server; a
 * fake kubelet makes pods Running and Ready. Rollout invariants are checked on every pod event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { ResourceClient, WatchHandle } from '../../client/types.js';
import { controllerRef, type PodObj, type ReplicaSetObj, replicaSetController } from '../replicaset/index.js';
import { type FakeKubelet, holdAnnotation, startFakeKubelet } from '../replicaset/testkit.js';
import { deploymentController } from './deployment-controller.js';
import { podTemplateHashLabel } from './hash.js';
import { revisionAnnotation, revisionHistoryAnnotation } from './revisions.js';
import type { DeploymentObj } from './rollout.js';

let t: TestServer;
let kubelet: FakeKubelet;
let deployments: ResourceClient<DeploymentObj>;
let sets: ResourceClient<ReplicaSetObj>;
let pods: ResourceClient<PodObj>;

beforeAll(async () => {
  t = await startTestServer([deploymentController, replicaSetController]);
  kubelet = startFakeKubelet(t.client);
  deployments = t.client.resource<DeploymentObj>('apps', 'v1', 'deployments');
  sets = t.client.resource<ReplicaSetObj>('apps', 'v1', 'replicasets');
  pods = t.client.resource<PodObj>('', 'v1', 'pods');
});

afterAll(async () => {
  kubelet?.stop();
  await t?.close();
});

function deployment(name: string, replicas: number, extra: Record<string, unknown> = {}): DeploymentObj {
  const labels = { app: name };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
      ...extra,
    },
  };
}

/** waitFor, typed for checks that answer undefined until ready. */
async function until<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  return (await waitFor(check, timeoutMs, what)) as T;
}

/** What `kubectl rollout status` waits for, plus every replica counted (status caught up). */
async function rolledOut(name: string, timeoutMs = 10_000): Promise<DeploymentObj> {
  return until(
    async () => {
      const d = await deployments.get('default', name);
      const s = d.status ?? {};
      const done =
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        (s.updatedReplicas ?? 0) >= (d.spec?.replicas ?? 0) &&
        s.replicas === s.updatedReplicas &&
        (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0) &&
        s.replicas === d.spec?.replicas &&
        (await activePods(name)).length === d.spec?.replicas;
      return done ? d : undefined;
    },
    timeoutMs,
    `${name} to roll out`,
  );
}

async function setsOf(name: string): Promise<ReplicaSetObj[]> {
  const d = await deployments.get('default', name);
  return (await sets.list('default')).items.filter((rs) => controllerRef(rs)?.uid === d.metadata.uid);
}

async function activePods(app: string): Promise<PodObj[]> {
  return (await pods.list('default', { labelSelector: `app=${app}` })).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
}

const isReady = (p: PodObj) =>
  !p.metadata.deletionTimestamp &&
  p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');

/** Watches an app's pods and calls check with every state it passes through. */
function watchPods(app: string, check: (pods: PodObj[]) => void): Promise<WatchHandle> {
  return pods.list('default', { labelSelector: `app=${app}` }).then((list) => {
    const state = new Map(list.items.map((p) => [p.metadata.name!, p]));
    return pods.watch(
      'default',
      list.resourceVersion,
      { labelSelector: `app=${app}` },
      {
        onEvent: (e) => {
          if (e.type === 'DELETED') state.delete(e.object.metadata.name!);
          else state.set(e.object.metadata.name!, e.object);
          check([...state.values()]);
        },
        onClose: () => {},
      },
    );
  });
}

async function eventMessages(name: string, reason: string): Promise<string[]> {
  const events = await t.client.resource('', 'v1', 'events').list('default');
  return events.items
    .filter((e) => (e.involvedObject as { name?: string }).name === name && e.reason === reason)
    .map((e) => String(e.message));
}

describe('deployment controller', () => {
  it('creates a ReplicaSet and pods, and reports Available and complete progress', async () => {
    await deployments.create('default', deployment('web', 3));
    const d = await rolledOut('web');
    expect(d.metadata.annotations?.[revisionAnnotation]).toBe('1');
    const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conds.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(conds.Progressing).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(d.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    const [rs] = await setsOf('web');
    const hash = rs.metadata.labels?.[podTemplateHashLabel];
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec?.selector?.matchLabels).toEqual({ app: 'web', [podTemplateHashLabel]: hash });
    expect(rs.metadata.annotations).toMatchObject({
      [revisionAnnotation]: '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    for (const pod of await activePods('web')) expect(pod.metadata.labels?.[podTemplateHashLabel]).toBe(hash);
    expect(await eventMessages('web', 'ScalingReplicaSet')).toContain(
      `Scaled up replica set ${rs.metadata.name} from 0 to 3`,
    );
  });

  it('scales 3 → 5 → 2 through the ReplicaSet', async () => {
    await deployments.patch('default', 'web', 'merge', { spec: { replicas: 5 } });
    await rolledOut('web');
    await deployments.patch('default', 'web', 'merge', { spec: { replicas: 2 } });
    const d = await rolledOut('web');
    expect(d.status?.replicas).toBe(2);
    const [rs] = await setsOf('web');
    expect(rs.spec?.replicas).toBe(2);
    expect(await eventMessages('web', 'ScalingReplicaSet')).toContain(
      `Scaled down replica set ${rs.metadata.name} from 5 to 2`,
    );
  });

  it('rolls a new image out within maxSurge and maxUnavailable, then rolls back to the old ReplicaSet', async () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } };
    await deployments.create('default', deployment('roll', 4, { strategy }));
    await rolledOut('roll');
    const [first] = await setsOf('roll');
    const violations: string[] = [];
    const watch = await watchPods('roll', (current) => {
      const active = current.filter((p) => !p.metadata.deletionTimestamp).length;
      const ready = current.filter(isReady).length;
      if (active > 5) violations.push(`${active} pods exceed replicas + maxSurge`);
      if (ready < 3) violations.push(`${ready} ready pods is below replicas - maxUnavailable`);
    });
    try {
      await deployments.patch('default', 'roll', 'strategic', {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } },
      });
      const d = await rolledOut('roll');
      expect(d.metadata.annotations?.[revisionAnnotation]).toBe('2');
    } finally {
      watch.stop();
    }
    expect(violations).toEqual([]);
    const all = await setsOf('roll');
    const old = all.find((rs) => rs.metadata.uid === first.metadata.uid)!;
    const fresh = all.find((rs) => rs.metadata.uid !== first.metadata.uid)!;
    expect(old.spec?.replicas).toBe(0);
    expect(fresh.spec?.replicas).toBe(4);
    expect(fresh.metadata.annotations?.[revisionAnnotation]).toBe('2');
    for (const pod of await activePods('roll')) expect(pod.spec?.containers[0].image).toBe('nginx:1.26');

    // `kubectl rollout undo` writes the old ReplicaSet's template (without the hash) back.
    const template = structuredClone(old.spec!.template!);
    delete template.metadata!.labels![podTemplateHashLabel];
    await deployments.patch('default', 'roll', 'json', [
      { op: 'replace', path: '/spec/template', value: template },
    ]);
    const back = await rolledOut('roll');
    expect(back.metadata.annotations?.[revisionAnnotation]).toBe('3');
    const after = await setsOf('roll');
    expect(after).toHaveLength(2);
    const reused = after.find((rs) => rs.metadata.uid === first.metadata.uid)!;
    expect(reused.spec?.replicas).toBe(4);
    expect(reused.metadata.annotations?.[revisionAnnotation]).toBe('3');
    expect(reused.metadata.annotations?.[revisionHistoryAnnotation]).toBe('1');
  });

  it('Recreate removes every old pod before creating new ones', async () => {
    await deployments.create('default', deployment('recreate', 3, { strategy: { type: 'Recreate' } }));
    await rolledOut('recreate');
    const [first] = await setsOf('recreate');
    const oldHash = first.metadata.labels?.[podTemplateHashLabel];
    const violations: string[] = [];
    const watch = await watchPods('recreate', (current) => {
      const hashes = new Set(current.map((p) => p.metadata.labels?.[podTemplateHashLabel]));
      if (hashes.has(oldHash) && hashes.size > 1)
        violations.push(`old and new pods together: ${[...hashes].join(',')}`);
    });
    try {
      await deployments.patch('default', 'recreate', 'strategic', {
        spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } },
      });
      await rolledOut('recreate');
    } finally {
      watch.stop();
    }
    expect(violations).toEqual([]);
    const pods = await activePods('recreate');
    expect(pods.every((p) => p.metadata.labels?.[podTemplateHashLabel] !== oldHash)).toBe(true);
  });

  it('a paused deployment scales but does not roll out until resumed', async () => {
    await deployments.create('default', deployment('paused', 2));
    await rolledOut('paused');
    await deployments.patch('default', 'paused', 'merge', { spec: { paused: true } });
    await deployments.patch('default', 'paused', 'strategic', {
      spec: { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'nginx:1.26' }] } } },
    });
    const d = await until(async () => {
      const cur = await deployments.get('default', 'paused');
      return cur.status?.observedGeneration === cur.metadata.generation &&
        cur.status?.replicas === 3 &&
        cur.status.availableReplicas === 3
        ? cur
        : undefined;
    });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
    });
    expect(await setsOf('paused')).toHaveLength(1);
    for (const pod of await activePods('paused')) expect(pod.spec?.containers[0].image).toBe('nginx:1.25');

    await deployments.patch('default', 'paused', 'merge', { spec: { paused: false } });
    const resumed = await rolledOut('paused');
    expect(resumed.metadata.annotations?.[revisionAnnotation]).toBe('2');
    for (const pod of await activePods('paused')) expect(pod.spec?.containers[0].image).toBe('nginx:1.26');
  });

  it('a restart (template annotation) makes a new ReplicaSet, and history beyond the limit is deleted', async () => {
    await deployments.create('default', deployment('restart', 1, { revisionHistoryLimit: 1 }));
    await rolledOut('restart');
    for (const at of ['2024-01-01T00:00:00Z', '2024-01-02T00:00:00Z']) {
      await deployments.patch('default', 'restart', 'strategic', {
        spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } },
      });
      await rolledOut('restart');
    }
    const remaining = await until(async () => {
      const list = await setsOf('restart');
      return list.length === 2 ? list : undefined;
    });
    expect(remaining.map((rs) => rs.metadata.annotations?.[revisionAnnotation]).sort()).toEqual(['2', '3']);
  });

  it('reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    const d = deployment('stuck', 1, { progressDeadlineSeconds: 1 });
    d.spec!.template.metadata!.annotations = { [holdAnnotation]: 'true' };
    await deployments.create('default', d);
    const timedOut = await until(
      async () => {
        const cur = await deployments.get('default', 'stuck');
        const c = cur.status?.conditions?.find((x) => x.type === 'Progressing');
        return c?.status === 'False' ? c : undefined;
      },
      8000,
      'progress deadline',
    );
    expect(timedOut.reason).toBe('ProgressDeadlineExceeded');
    expect(timedOut.message).toMatch(/^ReplicaSet "stuck-[a-z0-9]+" has timed out progressing\.$/);
    const cur = await deployments.get('default', 'stuck');
    expect(cur.status?.conditions?.find((x) => x.type === 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
    expect(cur.status?.unavailableReplicas).toBe(1);
  });
});
