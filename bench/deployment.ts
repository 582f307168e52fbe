/**
 * Deployment benchmark: a real `skiff server` (controllers and scheduler in-process) and one agent
 * serving 1,000 virtual nodes; one Deployment of 10,000 small replicas is created, and the time
 * runs until its status (seen through one watch) has readyReplicas and availableReplicas of
 * 10,000, i.e. every pod created by the ReplicaSet controller, bound by the scheduler, started by
 * the agent and reported Running and Ready. Server and agent RSS at that size. Same-run limit:
 * creating the same number of pods over HTTPS (64 clients, a schedulerName nobody serves) on the
 * same server afterwards: the API writes alone, one per pod where the Deployment needs at least
 * three (create, binding, status). Target ≤ 20 s; kwok's CI allows 120 s for 10,000 pods.
 * `--quick`: 100 nodes, 1,000 replicas. `--profile`: top server self-time over the rollout.
 */
import { join } from 'node:path';
import { benchFlag } from './lib/args.js';
import { makeTempDir, removeTempDir } from './lib/cleanup.js';
import { h1Client, h2Client } from './lib/client.js';
import {
  type AgentProcess,
  cpuSeconds,
  createNamespace,
  createPods,
  loadAverage,
  startServer,
  startVirtualAgent,
  stopServer,
  until,
  waitNodesReady,
  watchEvents,
} from './lib/cluster.js';
import { monotonicUs, topSelfTime } from './lib/cpu-profile.js';
import type { SkiffProcess } from './lib/skiff-process.js';
import { machine, round, rssMb } from './lib/stats.js';

const targets = { readySecondsMax: 20 };
const CONCURRENCY = 64;
const NAME = 'bench';

const sizes = {
  full: { nodes: 1000, replicas: 10_000, nodesReadyMs: 120_000, rolloutMs: 240_000, limitMs: 120_000 },
  quick: { nodes: 100, replicas: 1000, nodesReadyMs: 30_000, rolloutMs: 40_000, limitMs: 20_000 },
};
type Size = (typeof sizes)['full'];

const deploymentBody = (replicas: number): string =>
  JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: NAME } },
      template: {
        metadata: { labels: { app: NAME } },
        spec: {
          containers: [
            { name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '128Mi' } } },
          ],
        },
      },
    },
  });

interface DeploymentStatus {
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
}

/** Milestones of the rollout, in ms since the create was sent. */
interface Rollout {
  done: boolean;
  readyMs: number;
  /** status.replicas reached the target: the ReplicaSet controller created every pod. */
  allCreatedMs?: number;
  /**
   * From a pod watch: when the last pod was bound and when the last pod's own Ready condition
   * turned True. Their gap to readyMs is the controllers' status lag; to 0, the pods' pipeline.
   */
  lastPodBoundMs?: number;
  lastPodReadyMs?: number;
  halfReadyMs?: number;
  /** [seconds, status.replicas, readyReplicas] every tenth of the way: is the rate steady? */
  progress: Array<[number, number, number]>;
  last: DeploymentStatus;
  serverRssPeakMb: number;
  /** CPU seconds (all threads) used during the rollout: on a shared machine, steadier than time. */
  serverCpuSeconds: number;
  agentCpuSeconds: number;
}

/** Creates the Deployment and follows its status until every replica is ready and available. */
async function rollout(
  server: SkiffProcess,
  agent: AgentProcess,
  size: Size,
): Promise<Rollout & { window: { fromUs: number; toUs: number } }> {
  const h2 = await h2Client(server.port, server.tls);
  const n = size.replicas;
  const r: Rollout = {
    done: false,
    readyMs: 0,
    progress: [],
    last: {},
    serverRssPeakMb: 0,
    serverCpuSeconds: 0,
    agentCpuSeconds: 0,
  };
  let t0 = 0;
  const bound = new Set<string>();
  const ready = new Set<string>();
  const closePods = await watchEvents(h2, '/api/v1/namespaces/default/pods', (e, at) => {
    const pod = e.object;
    const name = pod?.metadata?.name;
    if (!name || !t0 || e.type === 'DELETED') return;
    if (pod.spec?.nodeName && !bound.has(name)) {
      bound.add(name);
      if (bound.size === n) r.lastPodBoundMs = round(at - t0, 0);
    }
    const isReady = pod.status?.conditions?.some(
      (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
    );
    if (isReady && !ready.has(name)) {
      ready.add(name);
      if (ready.size === n) r.lastPodReadyMs = round(at - t0, 0);
    }
  });
  const close = await watchEvents(h2, '/apis/apps/v1/namespaces/default/deployments', (e, at) => {
    if (e.object?.metadata?.name !== NAME || !t0) return;
    const s: DeploymentStatus = e.object.status ?? {};
    r.last = s;
    const step = Math.floor((10 * (s.readyReplicas ?? 0)) / n);
    if (step > r.progress.length - 1 || (s.replicas ?? 0) >= n !== (r.allCreatedMs !== undefined))
      r.progress.push([round((at - t0) / 1000, 1), s.replicas ?? 0, s.readyReplicas ?? 0]);
    if (r.allCreatedMs === undefined && (s.replicas ?? 0) >= n) r.allCreatedMs = round(at - t0, 0);
    if (r.halfReadyMs === undefined && (s.readyReplicas ?? 0) >= n / 2) r.halfReadyMs = round(at - t0, 0);
    if (!r.done && s.readyReplicas === n && s.availableReplicas === n) {
      r.done = true;
      r.readyMs = round(at - t0, 0);
    }
  });
  const sampler = setInterval(() => {
    r.serverRssPeakMb = Math.max(r.serverRssPeakMb, rssMb(server.pid));
  }, 250);
  const fromUs = monotonicUs();
  const serverCpu0 = cpuSeconds(server.pid);
  const agentCpu0 = cpuSeconds(agent.pid);
  try {
    t0 = performance.now();
    const res = await h2.request('POST', '/apis/apps/v1/namespaces/default/deployments', deploymentBody(n));
    if (res.status !== 201) throw new Error(`create deployment: HTTP ${res.status} ${res.body.toString()}`);
    await until(
      () => {
        server.assertAlive();
        agent.assertAlive();
        return r.done;
      },
      size.rolloutMs,
      () => `rollout not done: ${JSON.stringify(r.last)}`,
      50,
    ).catch((err: Error) => {
      // A timeout is a result (pass: false, with how far it got), not a crash.
      if (!/timed out/.test(err.message)) throw err;
      r.readyMs = round(performance.now() - t0, 0);
    });
  } finally {
    clearInterval(sampler);
    close();
    closePods();
    h2.close();
  }
  r.serverCpuSeconds = round(cpuSeconds(server.pid) - serverCpu0, 1);
  r.agentCpuSeconds = round(cpuSeconds(agent.pid) - agentCpu0, 1);
  return { ...r, window: { fromUs, toUs: monotonicUs() } };
}

/** The limit: the same number of pods created over HTTPS alone, in another namespace. */
async function createOnly(server: SkiffProcess, size: Size) {
  const h1 = h1Client(server.port, server.tls, CONCURRENCY);
  try {
    await createNamespace(h1, 'limit');
    const t0 = performance.now();
    const p = await createPods(
      h1,
      'limit',
      'limit-',
      size.replicas,
      CONCURRENCY,
      size.limitMs,
      'none-existent',
    );
    const seconds = (performance.now() - t0) / 1000;
    return {
      created: p.ok,
      errors: p.errors,
      seconds: round(seconds, 2),
      podsPerSecond: round(p.ok / seconds, 0),
    };
  } finally {
    h1.close();
  }
}

/** Runs the benchmark (quick: well under a minute; full: one to a few minutes) and returns its figures. */
export async function run(): Promise<Record<string, unknown>> {
  const quick = benchFlag('quick');
  const profile = benchFlag('profile');
  const size = quick ? sizes.quick : sizes.full;
  const loadBefore = loadAverage();
  const root = makeTempDir('skiff-bench-deployment-');
  try {
    const profileDir = profile ? join(root, 'profile') : undefined;
    const server = await startServer(join(root, 'data'), profileDir);
    const agent = startVirtualAgent(server, { nodes: size.nodes });
    let nodesReadyMs: number;
    let r: Awaited<ReturnType<typeof rollout>>;
    let rss: { server: number; agent: number };
    let limit: Awaited<ReturnType<typeof createOnly>>;
    let loadDuring: string;
    try {
      const h2 = await h2Client(server.port, server.tls);
      try {
        nodesReadyMs = await waitNodesReady(h2, size.nodes, performance.now(), size.nodesReadyMs, () => {
          server.assertAlive();
          agent.assertAlive();
        });
      } finally {
        h2.close();
      }
      loadDuring = loadAverage();
      r = await rollout(server, agent, size);
      rss = { server: rssMb(server.pid), agent: rssMb(agent.pid) };
      limit = await createOnly(server, size);
    } finally {
      await agent.stop();
      await stopServer(server);
    }
    const seconds = r.readyMs / 1000;
    const { window, ...figures } = r;
    return {
      bench: 'deployment',
      mode: quick ? 'quick' : 'full',
      nodes: size.nodes,
      replicas: size.replicas,
      readySeconds: round(seconds, 2),
      podsReadyPerSecond: r.done ? round(size.replicas / seconds, 0) : 0,
      podsReadyPerServerCpuSecond: r.done ? round(size.replicas / Math.max(0.01, r.serverCpuSeconds), 0) : 0,
      nodesReadyMs: round(nodesReadyMs, 0),
      rollout: figures,
      rssMbAtSize: rss,
      createOnly: limit,
      ratioToCreateOnly: r.done ? round(seconds / Math.max(0.001, limit.seconds), 2) : null,
      ...(profileDir ? { profile: topSelfTime(profileDir, 15, window.fromUs, window.toUs) } : {}),
      targets,
      pass: r.done && seconds <= targets.readySecondsMax,
      loadBefore,
      loadDuring,
      loadAfter: loadAverage(),
      machine: machine(),
    };
  } finally {
    removeTempDir(root);
  }
}
