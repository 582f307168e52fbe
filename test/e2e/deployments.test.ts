/**
 * Issue #3, Deployments end to end: the real kubectl against a `skiff server` process with one
 * virtual agent process (4 nodes). Create, rollout status, a rolling update watched pod by pod
 * (maxSurge/maxUnavailable hold after every watch event), history, undo, pause/resume, restart,
 * scale to 40, wait for Available, and deletion with background, foreground and orphan cascades.
 * The tests run in order and build on each other, like a user's session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/cluster.js';
import { eventually, getJson, isActive, isReady, listPods, watchPods } from '../support/kube.js';
import { type Cluster, readyPods, replicaSets, revision, startCluster } from './workloads/harness.js';

let cluster: Cluster;
const k = (...args: string[]) => kubectlOk(cluster.server, args);

/** Rollout status must succeed within a minute. */
function rolloutStatus(name: string) {
  const res = kubectl(cluster.server, ['rollout', 'status', `deployment/${name}`, '--timeout=60s']);
  expect(res.code, `${res.stderr}\n${cluster.logs()}`).toBe(0);
  expect(res.stdout).toContain(`deployment "${name}" successfully rolled out`);
}

/** Images of the Ready pods of app=web. */
function readyImages(app = 'web'): string[] {
  return readyPods(cluster.server, app).map((p) => p.spec?.containers[0]?.image ?? '');
}

/** Revision numbers listed by `kubectl rollout history`. */
function historyRevisions(name: string): number[] {
  const out = k('rollout', 'history', `deployment/${name}`);
  return out
    .split('\n')
    .map((l) => /^(\d+)\s/.exec(l)?.[1])
    .filter((r): r is string => !!r)
    .map(Number);
}

beforeAll(async () => {
  cluster = await startCluster([{ count: 4, prefix: 'dep-' }]);
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('kubectl drives a Deployment through its life', () => {
  it('creates a deployment of 6 and rollout status reports it rolled out', () => {
    k('create', 'deployment', 'web', '--image=busybox', '--replicas=6');
    rolloutStatus('web');
    expect(readyImages()).toEqual(Array(6).fill('busybox'));
    const rs = replicaSets(cluster.server, 'web');
    expect(rs).toHaveLength(1);
    expect(revision(rs[0])).toBe(1);
  });

  it('set image rolls out with at most 8 pods and at least 5 available after every watch event', async () => {
    const watch = watchPods(cluster.server, 'default', 'app=web');
    try {
      await watch.waitFor((pods) => pods.filter(isReady).length === 6, 15_000, '6 ready pods in the watch');
      // 25% of 6: maxSurge rounds up to 2, maxUnavailable rounds down to 1.
      watch.check('maxSurge', (pods) => {
        const active = pods.filter(isActive).length;
        return active > 8 ? `${active} active pods > 6 + 2` : undefined;
      });
      watch.check('maxUnavailable', (pods) => {
        const ready = pods.filter(isReady).length;
        return ready < 5 ? `${ready} ready pods < 6 - 1` : undefined;
      });
      const before = watch.events();
      k('set', 'image', 'deployment/web', 'busybox=busybox:1.36');
      rolloutStatus('web');
      await watch.waitFor(
        (pods) =>
          pods.filter(isReady).length === 6 &&
          pods.filter(isActive).every((p) => p.spec?.containers[0]?.image === 'busybox:1.36'),
        15_000,
        'the watch to show 6 ready busybox:1.36 pods',
      );
      // 6 new pods each appear, get scheduled and turn ready; 6 old ones are deleted.
      expect(watch.events() - before).toBeGreaterThanOrEqual(24);
      expect(watch.violations()).toEqual([]);
    } finally {
      await watch.stop();
    }
    expect(readyImages()).toEqual(Array(6).fill('busybox:1.36'));
  });

  it('rollout history lists two revisions', () => {
    expect(historyRevisions('web')).toEqual([1, 2]);
    const rs = replicaSets(cluster.server, 'web');
    expect(rs.map((r) => [revision(r), r.spec.replicas, r.spec.template.spec.containers[0].image])).toEqual([
      [1, 0, 'busybox'],
      [2, 6, 'busybox:1.36'],
    ]);
  });

  it('rollout undo goes back to the first image as revision 3', () => {
    k('rollout', 'undo', 'deployment/web');
    rolloutStatus('web');
    expect(readyImages()).toEqual(Array(6).fill('busybox'));
    expect(historyRevisions('web')).toEqual([2, 3]);
    const rs = replicaSets(cluster.server, 'web');
    expect(rs).toHaveLength(2);
    expect(rs.find((r) => revision(r) === 3)?.spec.template.spec.containers[0].image).toBe('busybox');
  });

  it('a paused deployment makes no new ReplicaSet until it is resumed', async () => {
    k('rollout', 'pause', 'deployment/web');
    k('set', 'image', 'deployment/web', 'busybox=busybox:1.37');
    // Give the controller time to (wrongly) act; the generation bump is observed while paused.
    await eventually(
      () => {
        const d = getJson<{ metadata: { generation: number }; status: { observedGeneration?: number } }>(
          cluster.server,
          ['get', 'deployment/web', '-o', 'json'],
        );
        return d.status.observedGeneration === d.metadata.generation;
      },
      15_000,
      'the paused deployment to observe its new generation',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(replicaSets(cluster.server, 'web')).toHaveLength(2);
    expect(readyImages()).toEqual(Array(6).fill('busybox'));

    k('rollout', 'resume', 'deployment/web');
    rolloutStatus('web');
    expect(readyImages()).toEqual(Array(6).fill('busybox:1.37'));
    const rs = replicaSets(cluster.server, 'web');
    expect(rs.map((r) => [revision(r), r.spec.template.spec.containers[0].image])).toContainEqual([
      4,
      'busybox:1.37',
    ]);
  });

  it('rollout restart makes a new ReplicaSet stamped with restartedAt', () => {
    const before = replicaSets(cluster.server, 'web').map((r) => r.metadata.name);
    k('rollout', 'restart', 'deployment/web');
    rolloutStatus('web');
    const after = replicaSets(cluster.server, 'web');
    const fresh = after.filter((r) => !before.includes(r.metadata.name));
    expect(fresh).toHaveLength(1);
    expect(revision(fresh[0])).toBe(5);
    const pods = readyPods(cluster.server, 'web');
    expect(pods).toHaveLength(6);
    for (const p of pods) {
      expect(p.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
      expect(p.metadata?.labels?.['pod-template-hash']).toBe(fresh[0].metadata.name.replace('web-', ''));
    }
  });

  it('scales to 40 and every pod turns Ready; wait --for=condition=Available succeeds', () => {
    k('scale', 'deployment/web', '--replicas=40');
    rolloutStatus('web');
    const res = kubectl(cluster.server, [
      'wait',
      '--for=condition=Available',
      'deployment/web',
      '--timeout=60s',
    ]);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('deployment.apps/web condition met');
    expect(readyPods(cluster.server, 'web')).toHaveLength(40);
    const d = getJson<{ status: Record<string, number> }>(cluster.server, [
      'get',
      'deployment/web',
      '-o',
      'json',
    ]);
    expect(d.status).toMatchObject({
      replicas: 40,
      readyReplicas: 40,
      availableReplicas: 40,
      updatedReplicas: 40,
    });
  });

  it('deleting the deployment removes its ReplicaSets and pods', async () => {
    k('delete', 'deployment/web');
    await eventually(
      () =>
        replicaSets(cluster.server, 'web').length === 0 &&
        listPods(cluster.server, 'default', 'app=web').length === 0,
      30_000,
      'ReplicaSets and pods of web to be garbage collected',
    );
  });
});

describe('cascading deletion as in Kubernetes', () => {
  it('--cascade=foreground returns only after the ReplicaSet and its pods are gone', () => {
    k('create', 'deployment', 'fg', '--image=busybox', '--replicas=3');
    rolloutStatus('fg');
    const res = kubectl(cluster.server, ['delete', 'deployment/fg', '--cascade=foreground', '--timeout=60s']);
    expect(res.code, res.stderr).toBe(0);
    // No polling: with foreground deletion the owner disappears only after its dependents.
    expect(replicaSets(cluster.server, 'fg')).toEqual([]);
    expect(listPods(cluster.server, 'default', 'app=fg')).toEqual([]);
  });

  it('--cascade=orphan leaves the ReplicaSet without an owner and its pods running', async () => {
    k('create', 'deployment', 'orph', '--image=busybox', '--replicas=2');
    rolloutStatus('orph');
    const [rs] = replicaSets(cluster.server, 'orph');
    k('delete', 'deployment/orph', '--cascade=orphan');
    const after = replicaSets(cluster.server, 'orph');
    expect(after.map((r) => r.metadata.name)).toEqual([rs.metadata.name]);
    expect(after[0].metadata.ownerReferences ?? []).toEqual([]);
    // The orphaned ReplicaSet still owns and keeps its pods.
    await new Promise((r) => setTimeout(r, 1000));
    const pods = listPods(cluster.server, 'default', 'app=orph').filter(isReady);
    expect(pods).toHaveLength(2);
    for (const p of pods) expect(p.metadata?.ownerReferences?.[0]?.name).toBe(rs.metadata.name);
    k('delete', `rs/${rs.metadata.name}`);
  });
});
