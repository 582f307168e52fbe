/**
 * Pod-startup benchmark (issue 4): how long a real node takes from a pod's create request to its
 * Ready condition, against the floor of the same work done by hand, measured in the same run.
 *
 * skiff: a real `skiff server` and a real-node `skiff agent` (runc under conmon, CNI bridge, node
 * IP 127.0.0.1, its own data dir) with the busybox image imported beforehand; pods run
 * `sleep 3600` (no probes, IfNotPresent). Time runs from sending the create to the Ready=True
 * condition arriving on a watch. Single: one pod at a time (created, Ready, deleted and gone
 * before the next); batch: 50 pods created at once, each pod's latency from the common start.
 * Floor (runc-floor.ts): `ip netns add` + CNI bridge/loopback ADD + `runc run -d` of the same
 * rootfs, on a bench-only bridge and subnet, single and 50 at once. Singles alternate floor and
 * skiff so load changes hit both. With 50 pods running: agent RSS, and a process census (one
 * conmon per container, nothing else per container). Targets: single p50 ≤ 2× floor; batch p50
 * and p99 ≤ 1.5× floor; agent RSS ≤ 60 MB. `--quick`: 5 singles and 10 at once (under a minute);
 * `--profile`: the agent runs under the CPU profiler; top self time per phase.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBusyboxImage } from '../test/support/busybox-image.js';
import { benchFlag } from './lib/args.js';
import { type H2Client, h2Client } from './lib/client.js';
import {
  type AgentProcess,
  loadAverage,
  startServer,
  until,
  waitNodesReady,
  watchEvents,
} from './lib/cluster.js';
import { monotonicUs, topSelfTime } from './lib/cpu-profile.js';
import {
  agentLeftovers,
  cleanupAgent,
  processCensus,
  restoreHostNetwork,
  snapshotHostNetwork,
} from './lib/node-host.js';
import { medianStages, type PodStages, podStages } from './lib/pod-timeline.js';
import { startRealAgent } from './lib/real-node.js';
import { type FloorSample, freeSubnets, RuncFloor } from './lib/runc-floor.js';
import { repoRoot, type SkiffProcess } from './lib/skiff-process.js';
import { machine, percentile, round, rssMb } from './lib/stats.js';

const targets = { singleP50RatioMax: 2, batchP50RatioMax: 1.5, batchP99RatioMax: 1.5, agentRssMbMax: 60 };
const sizes = { full: { single: 20, batch: 50 }, quick: { single: 5, batch: 10 } };
const IMAGE = 'skiff-bench/busybox:v1';
const NS = 'default';
const READY_TIMEOUT_MS = 60_000;
const GONE_TIMEOUT_MS = 60_000;

/** What one pod's watch events told, in performance.now() time. */
interface Track {
  sentAt: number;
  uid?: string;
  boundAt?: number;
  readyAt?: number;
  deletedAt?: number;
  /** A waiting reason other than ContainerCreating: the pod will not start, fail now. */
  failure?: string;
}

const podBody = (name: string) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels: { app: 'pod-startup' } },
    spec: {
      containers: [{ name: 'c', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }],
    },
  });

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return {
    n: s.length,
    p50Ms: round(percentile(s, 0.5), 0),
    p99Ms: round(percentile(s, 0.99), 0),
    minMs: round(s[0] ?? 0, 0),
    maxMs: round(s[s.length - 1] ?? 0, 0),
  };
};
const p50 = (xs: number[]) =>
  round(
    percentile(
      [...xs].sort((a, b) => a - b),
      0.5,
    ),
    0,
  );

/** The pods of this run, followed on one watch. */
class PodWatch {
  readonly pods = new Map<string, Track>();
  private close?: () => void;

  constructor(
    private readonly h2: H2Client,
    private readonly alive: () => void,
  ) {}

  async open(): Promise<void> {
    this.close = await watchEvents(this.h2, `/api/v1/namespaces/${NS}/pods`, (e, at) => {
      const t = this.pods.get(e.object?.metadata?.name);
      if (!t || (t.uid && e.object.metadata.uid !== t.uid)) return;
      if (e.type === 'DELETED') {
        t.deletedAt ??= at;
        return;
      }
      t.uid ??= e.object.metadata.uid;
      if (!t.boundAt && e.object.spec?.nodeName) t.boundAt = at;
      const conditions: Array<{ type: string; status: string }> = e.object.status?.conditions ?? [];
      if (!t.readyAt && conditions.some((c) => c.type === 'Ready' && c.status === 'True')) t.readyAt = at;
      for (const s of e.object.status?.containerStatuses ?? []) {
        const w = s.state?.waiting;
        if (w && w.reason !== 'ContainerCreating') t.failure ??= `${w.reason}: ${w.message ?? ''}`;
      }
    });
  }

  stop(): void {
    this.close?.();
  }

  /** Sends the creates (concurrently) with one common start time; resolves when all are answered. */
  async create(names: string[]): Promise<number> {
    const sentAt = performance.now();
    for (const n of names) this.pods.set(n, { sentAt });
    await Promise.all(
      names.map(async (n) => {
        const res = await this.h2.request('POST', `/api/v1/namespaces/${NS}/pods`, podBody(n));
        if (res.status !== 201) throw new Error(`create pod ${n}: HTTP ${res.status} ${res.body.toString()}`);
      }),
    );
    return sentAt;
  }

  async waitReady(names: string[], timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    await until(
      () => {
        this.alive();
        const failed = names.find((n) => this.pods.get(n)?.failure);
        if (failed) throw new Error(`pod ${failed} cannot start: ${this.pods.get(failed)?.failure}`);
        return names.every((n) => this.pods.get(n)?.readyAt !== undefined);
      },
      timeoutMs,
      () => `${names.filter((n) => this.pods.get(n)?.readyAt).length}/${names.length} pods Ready`,
      5,
    );
  }

  /** Deletes (grace 1 s: `sleep` as pid 1 ignores SIGTERM) and waits until the objects are gone. */
  async deleteAndWait(names: string[]): Promise<number> {
    const t0 = performance.now();
    await Promise.all(
      names.map(async (n) => {
        const res = await this.h2.request(
          'DELETE',
          `/api/v1/namespaces/${NS}/pods/${n}?gracePeriodSeconds=1`,
        );
        if (res.status !== 200 && res.status !== 202 && res.status !== 404)
          throw new Error(`delete pod ${n}: HTTP ${res.status} ${res.body.toString()}`);
      }),
    );
    await until(
      () => {
        this.alive();
        return names.every((n) => this.pods.get(n)?.deletedAt !== undefined);
      },
      GONE_TIMEOUT_MS,
      () => `${names.filter((n) => !this.pods.get(n)?.deletedAt).length} pods not deleted`,
      20,
    );
    return performance.now() - t0;
  }

  latency(name: string): number {
    const t = this.pods.get(name)!;
    return t.readyAt! - t.sentAt;
  }
}

/** User and system CPU seconds (all threads) of a live process, from /proc/<pid>/stat. */
function cpuTimes(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(f[11]) / 100, system: Number(f[12]) / 100 };
  } catch {
    return { user: 0, system: 0 };
  }
}

/**
 * Resident memory split, MB, from /proc/<pid>/smaps_rollup: anonymous (heap, stacks) and
 * file-backed (the node binary's pages, shared with every Node process), and PSS.
 */
function memorySplit(pid: number): { anonMb: number; fileMb: number; pssMb: number } {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    const mb = (k: number) => round(k / 1024);
    return { anonMb: mb(kb('Anonymous')), fileMb: mb(kb('Rss') - kb('Anonymous')), pssMb: mb(kb('Pss')) };
  } catch {
    return { anonMb: -1, fileMb: -1, pssMb: -1 };
  }
}

/** Floor single samples and batch, and their teardown. */
async function floorBatch(floor: RuncFloor, n: number) {
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => floor.start(`b${i}`)));
  const ok = results.filter((r): r is PromiseFulfilledResult<FloorSample> => r.status === 'fulfilled');
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const running = (await Promise.all(Array.from({ length: n }, (_, i) => floor.running(`b${i}`)))).filter(
    Boolean,
  ).length;
  await Promise.all(Array.from({ length: n }, (_, i) => floor.remove(`b${i}`)));
  if (failed) throw new Error(`floor batch: ${(failed.reason as Error).message}`);
  if (running !== n) throw new Error(`floor batch: only ${running}/${n} containers running`);
  return {
    ...stats(ok.map((r) => r.value.doneAt - t0)),
    breakdownP50: floorBreakdown(ok.map((r) => r.value)),
  };
}

const floorBreakdown = (xs: FloorSample[]) => ({
  netnsMs: p50(xs.map((x) => x.netnsMs)),
  cniMs: p50(xs.map((x) => x.cniMs)),
  runcRunMs: p50(xs.map((x) => x.runcMs)),
});

/** The milestones of the watched pods (bound and Ready from the watch, the rest from files). */
function skiffBreakdown(watch: PodWatch, names: string[], nodeDir: string) {
  const files: PodStages[] = [];
  const bound: number[] = [];
  for (const n of names) {
    const t = watch.pods.get(n)!;
    if (t.boundAt) bound.push(t.boundAt - t.sentAt);
    if (t.uid) files.push(podStages(nodeDir, t.uid, t.sentAt));
  }
  return {
    boundMs: p50(bound),
    ...medianStages(files),
    readySeenMs: p50(names.map((n) => watch.latency(n))),
  };
}

export async function run(): Promise<Record<string, unknown>> {
  const quick = benchFlag('quick');
  const profile = benchFlag('profile');
  const size = quick ? sizes.quick : sizes.full;
  const loadBefore = loadAverage();
  const began = performance.now();
  const tag = `skb${process.pid}`;
  const root = mkdtempSync(join(tmpdir(), 'skiff-bench-pod-startup-'));
  const nodeDir = join(root, 'node');
  const profileDir = profile ? join(root, 'profile') : undefined;
  const host = snapshotHostNetwork();
  const subnets = freeSubnets(process.pid);
  const clusterCIDR = subnets.cluster;
  const floor = new RuncFloor({
    workDir: join(root, 'floor'),
    rootfs: join(root, 'floor-image', 'rootfs'),
    tag,
    bridge: `${tag}br`,
    subnet: subnets.floor,
  });
  let server: SkiffProcess | undefined;
  let agent: AgentProcess | undefined;
  let gateway = `${clusterCIDR.replace(/\.0\.0\/16$/, '.0.1')}/24`;
  let cleaned = false;
  // Synchronous, so it also runs from the exit handler after a failure or ^C.
  const cleanupSync = () => {
    if (cleaned) return;
    cleaned = true;
    agent?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    floor.cleanupSync();
    cleanupAgent(nodeDir);
    restoreHostNetwork(host, gateway);
    // Never recurse into a mount (cleanupAgent unmounts what it can; anything left stays put).
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8').includes(` ${root}/`);
    if (!mounted) rmSync(root, { recursive: true, force: true });
    else process.stderr.write(`pod-startup: left ${root} in place: something is still mounted under it\n`);
  };
  process.on('exit', cleanupSync);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

  let h2: H2Client | undefined;
  let watch: PodWatch | undefined;
  try {
    // The image: an OCI layout built from the host's busybox; the floor unpacks it once, the
    // node imports it (IfNotPresent then never pulls).
    const { layout, ref } = await buildBusyboxImage(join(root, 'image'));
    execFileSync('umoci', ['unpack', '--image', `${layout}:${ref}`, join(root, 'floor-image')], {
      stdio: 'pipe',
    });
    const archive = join(root, 'busybox.tar');
    execFileSync('skopeo', ['copy', '--quiet', `oci:${layout}:${ref}`, `docker-archive:${archive}:${IMAGE}`]);
    execFileSync(
      process.execPath,
      [join(repoRoot(), 'bin', 'skiff.js'), 'image', 'import', archive, '--data-dir', nodeDir],
      {
        stdio: 'pipe',
      },
    );
    floor.prepare();

    server = await startServer(join(root, 'server'), undefined, ['--cluster-cidr', clusterCIDR]);
    agent = await startRealAgent(server, {
      nodeName: `bench-${process.pid}`,
      dataDir: nodeDir,
      clusterCIDR,
      profileDir,
    });
    const alive = () => {
      server!.assertAlive();
      agent!.assertAlive();
    };
    h2 = await h2Client(server.port, server.tls);
    const nodeReadyMs = await waitNodesReady(h2, 1, performance.now(), 60_000, alive);
    const node = JSON.parse((await h2.request('GET', `/api/v1/nodes/bench-${process.pid}`)).body.toString());
    const podCIDR: string = node.spec?.podCIDR ?? '';
    if (podCIDR) gateway = podCIDR.replace(/\.0\/(\d+)$/, '.1/$1');
    watch = new PodWatch(h2, alive);
    await watch.open();

    // Warm-up, not measured: the first pod makes the bridge and pod cgroup parents, and JIT-compiles.
    await floor.start('warm');
    await floor.remove('warm');
    await watch.create(['warm']);
    await watch.waitReady(['warm']);
    await watch.deleteAndWait(['warm']);
    const rssIdleMb = rssMb(agent.pid);
    const memoryIdle = memorySplit(agent.pid);
    const setupSeconds = round((performance.now() - began) / 1000, 1);
    const loadDuring = loadAverage();

    // Singles, alternating floor and skiff.
    const floorSingles: FloorSample[] = [];
    const skiffSingles: string[] = [];
    const singleStages: PodStages[] = [];
    const deleteMs: number[] = [];
    const singleFrom = monotonicUs();
    for (let i = 0; i < size.single; i++) {
      const f = await floor.start(`s${i}`);
      const ok = await floor.running(`s${i}`);
      await floor.remove(`s${i}`);
      if (!ok) throw new Error(`floor container s${i} is not running after runc run -d`);
      floorSingles.push(f);
      const name = `single-${i}`;
      await watch.create([name]);
      await watch.waitReady([name]);
      skiffSingles.push(name);
      // The files go with the pod: read them now.
      const t = watch.pods.get(name)!;
      singleStages.push(podStages(nodeDir, t.uid!, t.sentAt));
      deleteMs.push(await watch.deleteAndWait([name]));
    }
    const singleTo = monotonicUs();
    const floorSingle = {
      ...stats(floorSingles.map((f) => f.totalMs)),
      breakdownP50: floorBreakdown(floorSingles),
    };
    const skiffSingle = stats(skiffSingles.map((n) => watch!.latency(n)));
    const singleBreakdown = {
      boundMs: p50(skiffSingles.map((n) => watch!.pods.get(n)!.boundAt! - watch!.pods.get(n)!.sentAt)),
      ...medianStages(singleStages),
      readySeenMs: skiffSingle.p50Ms,
    };

    // 50 at once: the floor, then skiff.
    const floorBatchFrom = monotonicUs();
    const floorAtOnce = await floorBatch(floor, size.batch);
    const floorBatchTo = monotonicUs();
    const batchNames = Array.from({ length: size.batch }, (_, i) => `batch-${i}`);
    const cpu0 = cpuTimes(agent.pid);
    const serverCpu0 = cpuTimes(server.pid);
    let rssPeakMb = 0;
    const sampler = setInterval(() => {
      rssPeakMb = Math.max(rssPeakMb, rssMb(agent!.pid));
    }, 100);
    const batchFrom = monotonicUs();
    try {
      await watch.create(batchNames);
      await watch.waitReady(batchNames, 120_000);
    } finally {
      clearInterval(sampler);
    }
    const batchTo = monotonicUs();
    const cpu1 = cpuTimes(agent.pid);
    const serverCpu1 = cpuTimes(server.pid);
    const agentCpu = { user: round(cpu1.user - cpu0.user, 2), system: round(cpu1.system - cpu0.system, 2) };
    const serverCpu = round(serverCpu1.user + serverCpu1.system - serverCpu0.user - serverCpu0.system, 2);
    const skiffAtOnce = stats(batchNames.map((n) => watch!.latency(n)));
    const batchStages = skiffBreakdown(watch, batchNames, nodeDir);
    // Settle (status writes, GC of transient buffers) before the steady-state RSS and census.
    await new Promise((r) => setTimeout(r, 1000));
    const rssWithPodsMb = rssMb(agent.pid);
    const memoryWithPods = memorySplit(agent.pid);
    const census = processCensus(agent.pid, nodeDir);
    const batchDeleteMs = await watch.deleteAndWait(batchNames);
    const leftovers = agentLeftovers(nodeDir);

    watch.stop();
    h2.close();
    h2 = undefined;
    await agent.stop();
    await server.stop();
    const profiles = profileDir
      ? {
          single: topSelfTime(profileDir, 12, singleFrom, singleTo),
          batch: topSelfTime(profileDir, 12, batchFrom, batchTo),
        }
      : undefined;

    const ratios = {
      single: round(skiffSingle.p50Ms / Math.max(1, floorSingle.p50Ms), 2),
      batchP50: round(skiffAtOnce.p50Ms / Math.max(1, floorAtOnce.p50Ms), 2),
      batchP99: round(skiffAtOnce.p99Ms / Math.max(1, floorAtOnce.p99Ms), 2),
    };
    const perContainerOk =
      census.conmons === size.batch &&
      Object.values(census.containerInits).reduce((a, b) => a + b, 0) === size.batch &&
      census.strays.length === 0;
    const pass = {
      single: ratios.single <= targets.singleP50RatioMax,
      batchP50: ratios.batchP50 <= targets.batchP50RatioMax,
      batchP99: ratios.batchP99 <= targets.batchP99RatioMax,
      agentRss: rssWithPodsMb <= targets.agentRssMbMax,
      conmonOnlyPerContainer: perContainerOk,
      cleanAfterDelete: leftovers.length === 0,
    };
    return {
      bench: 'pod-startup',
      mode: quick ? 'quick' : 'full',
      floor: {
        what: 'ip netns add + CNI bridge(host-local) ∥ loopback ADD + runc run -d (shared read-only rootfs)',
        single: floorSingle,
        atOnce: floorAtOnce,
      },
      skiff: {
        what: 'create request → Ready=True on a watch; real server + agent, runc under conmon',
        single: { ...skiffSingle, deleteToGoneP50Ms: p50(deleteMs), stagesP50Ms: singleBreakdown },
        atOnce: { ...skiffAtOnce, deleteToGoneMs: round(batchDeleteMs, 0), stagesP50Ms: batchStages },
      },
      ratios,
      agent: {
        rssMbIdle: rssIdleMb,
        memoryIdle,
        rssMbWithPods: rssWithPodsMb,
        memoryWithPods,
        rssMbPeak: rssPeakMb,
        // CPU seconds from the batch's first create to its last Ready (system: mostly fork and exec).
        cpuSecondsForBatch: agentCpu,
        serverCpuSecondsForBatch: serverCpu,
        processes: census,
      },
      nodeReadyMs: round(nodeReadyMs, 0),
      // CLOCK_MONOTONIC µs, to cut system-wide traces (perf record -k CLOCK_MONOTONIC) by phase.
      phasesMonotonicUs: {
        singles: [singleFrom, singleTo],
        floorAtOnce: [floorBatchFrom, floorBatchTo],
        skiffAtOnce: [batchFrom, batchTo],
      },
      leftoversAfterDelete: leftovers,
      ...(profiles ? { profile: profiles } : {}),
      targets,
      pass,
      passAll: Object.values(pass).every(Boolean),
      loadBefore,
      loadDuring,
      loadAfter: loadAverage(),
      setupSeconds,
      totalSeconds: round((performance.now() - began) / 1000, 1),
      machine: machine(),
    };
  } finally {
    watch?.stop();
    h2?.close();
    await agent?.stop().catch(() => {});
    await server?.stop().catch(() => {});
    cleanupSync();
    process.removeListener('exit', cleanupSync);
  }
}
