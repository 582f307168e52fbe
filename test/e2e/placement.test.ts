/**
 * Issue #3, scheduler placement end to end: a `skiff server` process and three virtual agent
 * processes whose nodes differ in labels (zone a: 2 nodes with disk=ssd; zone b: 1 node with
 * disk=hdd; zone c: 1 node with gpu=true, tainted dedicated=gpu:NoSchedule by kubectl), each with
 * 2 CPUs. A table of cases, each in its own namespace, applied and checked with the real kubectl.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk } from '../support/cluster.js';
import { eventually, isReady, listPods } from '../support/kube.js';
import { apply, type Cluster, eventsFor, nodesOf, startCluster } from './workloads/harness.js';

let cluster: Cluster;
const zone = 'topology.kubernetes.io/zone';
const toleration = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };

/** A busybox pod; `spec` is merged into the pod spec. */
function pod(
  name: string,
  ns: string,
  spec: Record<string, unknown> = {},
  labels: Record<string, string> = {},
) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { case: ns, ...labels } },
    spec: {
      containers: [{ name: 'c', image: 'busybox', ...(spec.container ?? {}) }],
      ...omit(spec, 'container'),
    },
  };
}

function omit(o: Record<string, unknown>, key: string) {
  const { [key]: _, ...rest } = o;
  return rest;
}

const cpu = (n: string) => ({ container: { resources: { requests: { cpu: n } } } });

/** A Deployment of busybox pods labelled app=<name>; `spec` is merged into the pod spec. */
function deployment(name: string, ns: string, replicas: number, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec },
      },
    },
  };
}

const pods = (ns: string, selector?: string) => listPods(cluster.server, ns, selector);
const running = (ns: string, selector?: string) => pods(ns, selector).filter(isReady);

async function readyCount(ns: string, selector: string, n: number): Promise<Pod[]> {
  return eventually(
    () => {
      const r = running(ns, selector);
      return r.length === n ? r : undefined;
    },
    20_000,
    `${n} ready pods ${selector} in ${ns}`,
  );
}

/** Waits for the FailedScheduling event of a pod and returns its message. */
async function failedScheduling(ns: string, name: string): Promise<string> {
  const msg = await eventually(
    () => eventsFor(cluster.server, ns, name).find((e) => e.startsWith('FailedScheduling: ')),
    15_000,
    `FailedScheduling event for ${ns}/${name}`,
  );
  expect(pods(ns).find((p) => p.metadata?.name === name)?.status?.phase).toBe('Pending');
  return msg.slice('FailedScheduling: '.length);
}

interface Case {
  name: string;
  objects: (ns: string) => object[];
  check: (ns: string) => Promise<void>;
}

const cases: Case[] = [
  {
    name: 'a pod requesting more cpu than any node has stays Pending and says why, node by node',
    objects: (ns) => [pod('big', ns, cpu('3'))],
    check: async (ns) => {
      const msg = await failedScheduling(ns, 'big');
      expect(msg).toMatch(/^0\/4 nodes are available: /);
      expect(msg).toContain('3 Insufficient cpu');
      expect(msg).toContain('1 node(s) had untolerated taint {dedicated: gpu}');
    },
  },
  {
    name: 'a nodeSelector puts the pod on the only matching node',
    objects: (ns) => [pod('hdd', ns, { nodeSelector: { disk: 'hdd' } })],
    check: async (ns) => {
      const [p] = await readyCount(ns, `case=${ns}`, 1);
      expect(p.spec?.nodeName).toBe('zb-0');
    },
  },
  {
    name: 'required node affinity keeps every replica in zone a',
    objects: (ns) => [
      deployment('aff', ns, 4, {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: zone, operator: 'In', values: ['a'] }] }],
            },
          },
        },
      }),
    ],
    check: async (ns) => {
      const placed = nodesOf(await readyCount(ns, 'app=aff', 4));
      expect(placed.every((n) => n.startsWith('za-'))).toBe(true);
    },
  },
  {
    name: 'pod anti-affinity spreads replicas over distinct nodes and leaves the extra one Pending',
    objects: (ns) => [
      deployment('anti', ns, 3, {
        nodeSelector: { disk: 'ssd' },
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'anti' } }, topologyKey: 'kubernetes.io/hostname' },
            ],
          },
        },
      }),
    ],
    check: async (ns) => {
      const placed = nodesOf(await readyCount(ns, 'app=anti', 2));
      expect(placed.sort()).toEqual(['za-0', 'za-1']);
      const pending = await eventually(
        () => pods(ns, 'app=anti').find((p) => !p.spec?.nodeName),
        10_000,
        'the third replica',
      );
      const msg = await failedScheduling(ns, pending.metadata?.name ?? '');
      expect(msg).toMatch(/^0\/4 nodes are available: /);
      expect(msg).toContain("2 node(s) didn't match pod anti-affinity rules");
    },
  },
  {
    name: 'a NoSchedule taint repels a pod without a toleration and admits one with it',
    objects: (ns) => [
      pod('no-tol', ns, { nodeSelector: { gpu: 'true' } }),
      pod('tol', ns, { nodeSelector: { gpu: 'true' }, tolerations: [toleration] }),
    ],
    check: async (ns) => {
      const [p] = await readyCount(ns, `case=${ns}`, 1);
      expect([p.metadata?.name, p.spec?.nodeName]).toEqual(['tol', 'zc-0']);
      const msg = await failedScheduling(ns, 'no-tol');
      expect(msg).toMatch(/^0\/4 nodes are available: /);
      expect(msg).toContain('1 node(s) had untolerated taint {dedicated: gpu}');
    },
  },
  {
    name: 'topology spread with maxSkew 1 over three zones places 6 pods 2 per zone',
    objects: (ns) => [
      deployment('spread', ns, 6, {
        tolerations: [toleration],
        topologySpreadConstraints: [
          {
            maxSkew: 1,
            topologyKey: zone,
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { app: 'spread' } },
          },
        ],
      }),
    ],
    check: async (ns) => {
      const placed = nodesOf(await readyCount(ns, 'app=spread', 6));
      const perZone: Record<string, number> = {};
      for (const n of placed) perZone[n.slice(1, 2)] = (perZone[n.slice(1, 2)] ?? 0) + 1;
      expect(perZone).toEqual({ a: 2, b: 2, c: 2 });
    },
  },
  {
    name: 'a higher PriorityClass preempts a low-priority pod on a full node',
    objects: (ns) => [
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: `${ns}-low` },
        value: 10,
      },
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: `${ns}-high` },
        value: 1000,
      },
      deployment('low', ns, 2, {
        priorityClassName: `${ns}-low`,
        nodeSelector: { disk: 'hdd' },
        containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '1' } } }],
      }),
    ],
    check: async (ns) => {
      const low = await readyCount(ns, 'app=low', 2);
      expect(nodesOf(low)).toEqual(['zb-0', 'zb-0']);
      apply(cluster.server, {
        ...pod('high', ns, { ...cpu('1'), nodeSelector: { disk: 'hdd' }, priorityClassName: `${ns}-high` }),
      });
      const [high] = await readyCount(ns, `case=${ns}`, 1);
      expect([high.metadata?.name, high.spec?.nodeName]).toEqual(['high', 'zb-0']);
      // One victim was evicted; its replacement cannot fit back on the full node.
      const stillRunning = running(ns, 'app=low');
      expect(stillRunning).toHaveLength(1);
      const victims = low.filter((p) => p.metadata?.name !== stillRunning[0].metadata?.name);
      const events = eventsFor(cluster.server, ns, victims[0].metadata?.name ?? '');
      expect(events.some((e) => /^Preempted: Preempted by pod .+ on node zb-0$/.test(e))).toBe(true);
    },
  },
  {
    // Kubernetes' Priority admission plugin resolves the class into spec.priority at creation.
    name: 'a pod naming a PriorityClass gets its value as spec.priority',
    objects: (ns) => [
      {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name: `${ns}-mid` },
        value: 500,
      },
      pod('mid', ns, { priorityClassName: `${ns}-mid` }),
    ],
    check: async (ns) => {
      const [p] = await readyCount(ns, `case=${ns}`, 1);
      expect(p.spec?.priority).toBe(500);
    },
  },
];

beforeAll(async () => {
  cluster = await startCluster([
    { count: 2, prefix: 'za-', labels: { [zone]: 'a', disk: 'ssd' }, capacity: 'cpu=2,memory=4Gi,pods=110' },
    { count: 1, prefix: 'zb-', labels: { [zone]: 'b', disk: 'hdd' }, capacity: 'cpu=2,memory=4Gi,pods=110' },
    { count: 1, prefix: 'zc-', labels: { [zone]: 'c', gpu: 'true' }, capacity: 'cpu=2,memory=4Gi,pods=110' },
  ]);
  kubectlOk(cluster.server, ['taint', 'node', 'zc-0', 'dedicated=gpu:NoSchedule']);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('the scheduler places pods as Kubernetes does', () => {
  cases.forEach((c, i) => {
    it(c.name, async () => {
      const ns = `case-${i}`;
      kubectlOk(cluster.server, ['create', 'namespace', ns]);
      apply(cluster.server, ...c.objects(ns));
      try {
        await c.check(ns);
      } catch (err) {
        const state = kubectlOk(cluster.server, ['get', 'pods', '-n', ns, '-o', 'wide']);
        throw new Error(`${(err as Error).message}\n${state}`);
      }
    });
  });
});
