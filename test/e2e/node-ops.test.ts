/**
 * Issue #3, node operations end to end: a `skiff server` process with shortened node-lifecycle
 * timings and two virtual agent processes (group a: na-0, na-1; group b: nb-0, nb-1). kubectl
 * cordon/uncordon, kubectl drain held back by a PodDisruptionBudget until the budget allows, and
 * an agent killed with SIGKILL whose nodes go NotReady and whose pods are recreated elsewhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../support/cluster.js';
import { eventually, getJson, isActive, isReady, kubectlAsync, listPods } from '../support/kube.js';
import { apply, type Cluster, nodesOf, startCluster } from './workloads/harness.js';

let cluster: Cluster;
const k = (...args: string[]) => kubectlOk(cluster.server, args);
const groupA = ['na-0', 'na-1'];
const groupB = ['nb-0', 'nb-1'];

interface NodeJson {
  spec: { unschedulable?: boolean; taints?: { key: string; effect: string }[] };
  status: { conditions: { type: string; status: string }[] };
}
const node = (name: string) => getJson<NodeJson>(cluster.server, ['get', 'node', name, '-o', 'json']);

function rolloutStatus(name: string) {
  const res = kubectl(cluster.server, ['rollout', 'status', `deployment/${name}`, '--timeout=60s']);
  expect(res.code, res.stderr).toBe(0);
}

/** Ready, non-terminating pods of app=<app>. */
const ready = (app: string) => listPods(cluster.server, 'default', `app=${app}`).filter(isReady);

/** Creates a deployment while only `onto` accept pods, so its pods land there. */
function deployOnto(onto: string[], name: string, replicas: number, extra: object[] = []) {
  const others = [...groupA, ...groupB].filter((n) => !onto.includes(n));
  for (const n of others) k('cordon', n);
  try {
    apply(
      cluster.server,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: {
          replicas,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [
                { name: 'c', image: 'busybox', volumeMounts: [{ name: 'scratch', mountPath: '/s' }] },
              ],
              volumes: [{ name: 'scratch', emptyDir: {} }],
            },
          },
        },
      },
      ...extra,
    );
    rolloutStatus(name);
  } finally {
    for (const n of others) k('uncordon', n);
  }
  expect(nodesOf(ready(name)).every((n) => onto.includes(n))).toBe(true);
}

beforeAll(async () => {
  cluster = await startCluster(
    [
      { count: 2, prefix: 'na-', labels: { group: 'a' } },
      { count: 2, prefix: 'nb-', labels: { group: 'b' } },
    ],
    {
      args: [
        '--node-monitor-grace-period',
        '5',
        '--default-unreachable-toleration-seconds',
        '5',
        '--default-not-ready-toleration-seconds',
        '5',
      ],
    },
  );
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('kubectl cordon and uncordon', () => {
  it('a cordoned node gets no new pods; once uncordoned it does', async () => {
    k('cordon', 'na-0');
    expect(node('na-0').spec.unschedulable).toBe(true);
    expect(k('get', 'node', 'na-0')).toContain('Ready,SchedulingDisabled');
    k('create', 'deployment', 'cord', '--image=busybox', '--replicas=6');
    rolloutStatus('cord');
    expect(nodesOf(ready('cord'))).not.toContain('na-0');

    k('uncordon', 'na-0');
    expect(node('na-0').spec.unschedulable ?? false).toBe(false);
    // The empty node scores best under LeastAllocated, so new replicas go there.
    k('scale', 'deployment/cord', '--replicas=10');
    rolloutStatus('cord');
    expect(nodesOf(ready('cord'))).toContain('na-0');
    k('delete', 'deployment/cord');
  });
});

describe('kubectl drain with a PodDisruptionBudget', () => {
  it('drain waits while the budget allows no disruption and completes once it does', async () => {
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'guarded' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'guarded' } } },
    };
    deployOnto(['na-1'], 'guarded', 2, [pdb]);
    await eventually(
      () =>
        getJson<{ status?: { currentHealthy?: number; disruptionsAllowed?: number } }>(cluster.server, [
          'get',
          'pdb/guarded',
          '-o',
          'json',
        ]).status?.currentHealthy === 2,
      15_000,
      'the PDB to count 2 healthy pods',
    );
    const drain = kubectlAsync(
      cluster.server,
      ['drain', 'na-1', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=90s'],
      120_000,
    );
    // While the budget allows 0 disruptions, the node is cordoned but both pods stay.
    await new Promise((r) => setTimeout(r, 7000));
    expect(node('na-1').spec.unschedulable).toBe(true);
    const held = ready('guarded');
    expect(nodesOf(held)).toEqual(['na-1', 'na-1']);

    k('scale', 'deployment/guarded', '--replicas=3');
    const res = await drain;
    expect(res.code, `${res.stdout}\n${res.stderr}`).toBe(0);
    expect(res.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget");
    expect(res.stdout).toContain('node/na-1 drained');
    const after = await eventually(
      () => {
        const r = ready('guarded');
        return r.length === 3 ? r : undefined;
      },
      20_000,
      '3 ready guarded pods',
    );
    expect(nodesOf(after)).not.toContain('na-1');
    expect(
      listPods(cluster.server, 'default', 'app=guarded').filter((p) => p.spec?.nodeName === 'na-1'),
    ).toEqual([]);
    k('uncordon', 'na-1');
    k('delete', 'deployment/guarded', 'pdb/guarded');
  });
});

describe('an agent whose heartbeats stop', () => {
  it('its nodes go NotReady with the unreachable taint and their pods move to the live nodes', async () => {
    deployOnto(groupB, 'moving', 4);
    await cluster.agents[1].kill();

    for (const name of groupB) {
      await eventually(
        () => {
          const n = node(name);
          const readyCond = n.status.conditions.find((c) => c.type === 'Ready');
          return (
            readyCond?.status === 'Unknown' &&
            n.spec.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute')
          );
        },
        20_000,
        `${name} NotReady with the unreachable NoExecute taint`,
      );
    }
    expect(k('get', 'nodes', ...groupB)).toMatch(/nb-0\s+NotReady/);

    // After the 5 s toleration the pods are evicted and the ReplicaSet replaces them on group a.
    const moved = await eventually(
      () => {
        const active = listPods(cluster.server, 'default', 'app=moving').filter(isActive);
        const r = active.filter(isReady);
        return r.length === 4 && active.length === 4 && nodesOf(r).every((n) => groupA.includes(n))
          ? r
          : undefined;
      },
      40_000,
      '4 ready moving pods on group a',
    );
    expect(moved).toHaveLength(4);
    // The old pods were deleted (they stay Terminating: no kubelet confirms), none left active on group b.
    const all = listPods(cluster.server, 'default', 'app=moving');
    for (const p of all.filter((p) => groupB.includes(p.spec?.nodeName ?? ''))) {
      expect(p.metadata?.deletionTimestamp).toBeTruthy();
    }
  });
});
