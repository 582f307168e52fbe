/**
 * Scheduler benchmark, end to end: a real `skiff server` (scheduler in-process) and one agent
 * serving 5,000 virtual nodes; 1,000 pods placed first; then 10,000 small pods created over HTTPS
 * by 64 concurrent clients, and pods bound per second measured from the first create to the
 * moment one watch stream has seen the 10,000th pod with spec.nodeName. Same-run limits: the
 * pure scheduling cycle (bench/scheduler-cycle.ts, no API writes) and the creation of the same
 * number of pods on the same server with a schedulerName nobody serves, i.e. creation alone,
 * which bounds what any scheduler behind this API could reach. Targets: ≥ 1,350 pods/s end to
 * end, ≥ 10,000 pods/s for the pure cycle. `--quick`: 500 nodes, 100 placed, 2,000 pods.
 * `--profile`: the server runs under the CPU profiler; the top self-time functions of each
 * measured phase are reported.
 */
import { join } from 'node:path';
import { benchFlag } from './lib/args.js';
import { makeTempDir, removeTempDir } from './lib/cleanup.js';
import { type Client, h1Client, h2Client } from './lib/client.js';
import {
  type AgentProcess,
  countBindings,
  cpuSeconds,
  createNamespace,
  createPods,
  loadAverage,
  startServer,
  startVirtualAgent,
  stopServer,
  until,
  waitNodesReady,
} from './lib/cluster.js';
import { monotonicUs, topSelfTime } from './lib/cpu-profile.js';
import type { SkiffProcess } from './lib/skiff-process.js';
import { machine, round, rssMb } from './lib/stats.js';
import { run as runCycle } from './scheduler-cycle.js';

const targets = { endToEndPodsPerSecondMin: 1350, pureCyclePodsPerSecondMin: 10_000 };
const CONCURRENCY = 64;
const IDLE_SAMPLE_MS = 3000;

const sizes = {
  full: { nodes: 5000, placed: 1000, pods: 10_000, nodesReadyMs: 240_000, phaseMs: 180_000 },
  quick: { nodes: 500, placed: 100, pods: 2000, nodesReadyMs: 30_000, phaseMs: 30_000 },
};
type Size = (typeof sizes)['full'];

/** A window on the server's monotonic clock, for the profile. */
type Window = { fromUs: number; toUs: number };

interface Measured {
  nodesReadyMs: number;
  /** Server CPU use (% of one core) with every node heartbeating and no pods. */
  heartbeatCpuPct: number;
  placed: { created: number; errors: number; allBoundMs: number };
  limit: {
    created: number;
    errors: number;
    seconds: number;
    podsPerSecond: number;
    serverCpuSeconds: number;
    podsPerServerCpuSecond: number;
    benchClientCpuSeconds: number;
    p50: number;
    p99: number;
  };
  e2e: {
    created: number;
    errors: number;
    bound: number;
    createSeconds: number;
    seconds: number;
    podsPerSecond: number;
    serverCpuSeconds: number;
    podsPerServerCpuSecond: number;
    agentCpuSeconds: number;
    benchClientCpuSeconds: number;
    createP50: number;
    createP99: number;
    lastBindAfterLastCreateMs: number;
  };
  windows: { limit: Window; e2e: Window };
  rssMb: { server: number; agent: number };
  loadDuring: string;
}

/**
 * Opens the pool's sockets (TLS handshakes included) before a timed phase, so both phases measure
 * steady-state creates over established connections, as long-lived clients like client-go make
 * them; otherwise 64 handshakes at once leave the server idle for the first ~200 ms.
 */
async function openConnections(client: Client): Promise<void> {
  await Promise.all(Array.from({ length: CONCURRENCY }, () => client.request('GET', '/version')));
}

/** Creates `count` pods in namespace `ns` and waits until a watch has seen them all bound. */
async function createAndBind(
  server: SkiffProcess,
  agent: AgentProcess,
  ns: string,
  count: number,
  timeoutMs: number,
) {
  const h1 = h1Client(server.port, server.tls, CONCURRENCY);
  const h2 = await h2Client(server.port, server.tls);
  try {
    const counter = await countBindings(h2, ns);
    await openConnections(h1);
    const t0 = performance.now();
    const from = monotonicUs();
    const create = await createPods(h1, ns, `${ns}-`, count, CONCURRENCY, timeoutMs);
    const createdAt = performance.now();
    await until(
      () => {
        server.assertAlive();
        agent.assertAlive();
        return counter.bound() >= create.ok;
      },
      timeoutMs,
      () => `${counter.bound()}/${create.ok} pods bound in ${ns}`,
    );
    const to = monotonicUs();
    const lastBind = counter.boundAt(create.ok) ?? performance.now();
    counter.close();
    return { create, t0, createdAt, lastBind, window: { fromUs: from, toUs: to } };
  } finally {
    h1.close();
    h2.close();
  }
}

async function measure(server: SkiffProcess, agent: AgentProcess, size: Size): Promise<Measured> {
  const h2 = await h2Client(server.port, server.tls);
  const h1 = h1Client(server.port, server.tls, CONCURRENCY);
  try {
    const nodesReadyMs = await waitNodesReady(h2, size.nodes, performance.now(), size.nodesReadyMs, () => {
      server.assertAlive();
      agent.assertAlive();
    });
    for (const ns of ['placed', 'limit', 'burst']) await createNamespace(h1, ns);
    // What the nodes' heartbeats alone cost the server, before any pod exists.
    const idle0 = cpuSeconds(server.pid);
    await new Promise((r) => setTimeout(r, IDLE_SAMPLE_MS));
    const heartbeatCpuPct = round((100 * (cpuSeconds(server.pid) - idle0)) / (IDLE_SAMPLE_MS / 1000), 0);

    const placed = await createAndBind(server, agent, 'placed', size.placed, size.phaseMs);
    // Let the agent finish reporting the placed pods Running before the timed phases.
    await new Promise((r) => setTimeout(r, 1000));

    await openConnections(h1);
    const limitFrom = monotonicUs();
    const limitCpu0 = cpuSeconds(server.pid);
    const limitBenchCpu0 = process.cpuUsage();
    const lt0 = performance.now();
    const limit = await createPods(
      h1,
      'limit',
      'limit-',
      size.pods,
      CONCURRENCY,
      size.phaseMs,
      'none-existent',
    );
    const limitSeconds = (performance.now() - lt0) / 1000;
    const limitTo = monotonicUs();
    const limitCpu = cpuSeconds(server.pid) - limitCpu0;
    const limitBenchCpuUs = process.cpuUsage(limitBenchCpu0);
    await new Promise((r) => setTimeout(r, 1000));

    const load = loadAverage();
    const e2eCpu0 = cpuSeconds(server.pid);
    const agentCpu0 = cpuSeconds(agent.pid);
    const benchCpu0 = process.cpuUsage();
    const e = await createAndBind(server, agent, 'burst', size.pods, size.phaseMs);
    const e2eCpu = cpuSeconds(server.pid) - e2eCpu0;
    const agentCpu = cpuSeconds(agent.pid) - agentCpu0;
    const benchCpuUs = process.cpuUsage(benchCpu0);
    const seconds = (e.lastBind - e.t0) / 1000;
    return {
      nodesReadyMs: round(nodesReadyMs, 0),
      heartbeatCpuPct,
      placed: {
        created: placed.create.ok,
        errors: placed.create.errors,
        allBoundMs: round(placed.lastBind - placed.t0, 0),
      },
      limit: {
        created: limit.ok,
        errors: limit.errors,
        seconds: round(limitSeconds, 2),
        podsPerSecond: round(limit.ok / limitSeconds, 0),
        serverCpuSeconds: round(limitCpu, 1),
        podsPerServerCpuSecond: round(limit.ok / Math.max(0.01, limitCpu), 0),
        benchClientCpuSeconds: round((limitBenchCpuUs.user + limitBenchCpuUs.system) / 1e6, 1),
        p50: limit.p50,
        p99: limit.p99,
      },
      e2e: {
        created: e.create.ok,
        errors: e.create.errors,
        bound: e.create.ok,
        createSeconds: round((e.createdAt - e.t0) / 1000, 2),
        seconds: round(seconds, 2),
        podsPerSecond: round(e.create.ok / seconds, 0),
        serverCpuSeconds: round(e2eCpu, 1),
        podsPerServerCpuSecond: round(e.create.ok / Math.max(0.01, e2eCpu), 0),
        agentCpuSeconds: round(agentCpu, 1),
        benchClientCpuSeconds: round((benchCpuUs.user + benchCpuUs.system) / 1e6, 1),
        createP50: e.create.p50,
        createP99: e.create.p99,
        lastBindAfterLastCreateMs: round(e.lastBind - e.createdAt, 0),
      },
      windows: { limit: { fromUs: limitFrom, toUs: limitTo }, e2e: e.window },
      rssMb: { server: rssMb(server.pid), agent: rssMb(agent.pid) },
      loadDuring: load,
    };
  } finally {
    h1.close();
    h2.close();
  }
}

/** Runs the benchmark (quick: well under a minute; full: a few minutes) and returns its figures. */
export async function run(): Promise<Record<string, unknown>> {
  const quick = benchFlag('quick');
  const profile = benchFlag('profile');
  const size = quick ? sizes.quick : sizes.full;
  const loadBefore = loadAverage();
  // The pure cycle first, while none of this bench's processes compete for the cores.
  const cycle = await runCycle();
  const root = makeTempDir('skiff-bench-scheduler-');
  try {
    const profileDir = profile ? join(root, 'profile') : undefined;
    const server = await startServer(join(root, 'data'), profileDir);
    let m: Measured;
    const agent = startVirtualAgent(server, { nodes: size.nodes });
    try {
      m = await measure(server, agent, size);
    } finally {
      await agent.stop();
      await stopServer(server);
    }
    const profiles = profileDir
      ? {
          e2e: topSelfTime(profileDir, 15, m.windows.e2e.fromUs, m.windows.e2e.toUs),
          createOnly: topSelfTime(profileDir, 10, m.windows.limit.fromUs, m.windows.limit.toUs),
        }
      : undefined;
    const pureCycle = Number(cycle.podsPerSecond);
    const { windows: _w, ...figures } = m;
    return {
      bench: 'scheduler',
      mode: quick ? 'quick' : 'full',
      nodes: size.nodes,
      placedPods: size.placed,
      pods: size.pods,
      concurrency: CONCURRENCY,
      endToEndPodsPerSecond: m.e2e.podsPerSecond,
      createOnlyPodsPerSecond: m.limit.podsPerSecond,
      ratioToCreateOnly: round(m.e2e.podsPerSecond / Math.max(1, m.limit.podsPerSecond), 3),
      pureCyclePodsPerSecond: pureCycle,
      ...figures,
      pureCycle: cycle,
      ...(profiles ? { profiles } : {}),
      targets,
      pass:
        m.e2e.podsPerSecond >= targets.endToEndPodsPerSecondMin &&
        pureCycle >= targets.pureCyclePodsPerSecondMin &&
        m.e2e.errors === 0,
      loadBefore,
      loadAfter: loadAverage(),
      machine: machine(),
    };
  } finally {
    removeTempDir(root);
  }
}
