/**
 * Samples the node, each pod's cgroup and each container's cgroup on an interval (and on
 * demand), and answers the kubelet's Summary API from the latest samples. CPU usage in
 * nanocores is a rate, so it needs two samples: it is the difference of cumulative CPU time
 * between the newest sample and one at least `minWindowMs` older, over the time between them.
 */
import type { Runtime } from '../runtime/runtime.js';
import type { PodCgroups, StreamingRuntime } from '../runtime/streams.js';
import { CgroupReader, type CgroupSample } from './cgroup.js';
import { bootTime, type NodeSample, readNodeSample } from './node.js';
import type { ContainerStats, CPUStats, MemoryStats, PodStats, Summary } from './types.js';

/** A pod as the collector needs it: identity, and its running containers. */
export interface StatsPod {
  uid: string;
  name: string;
  namespace: string;
  startTime: Date;
  containers: Array<{ name: string; startTime: Date }>;
}

/** Where the pods and their cgroups come from (the runtime; see runtimeStatsSource). */
export interface StatsSource {
  pods(): StatsPod[];
  cgroups(podUID: string): PodCgroups | undefined;
}

export interface StatsCollectorOptions {
  nodeName: string;
  source: StatsSource;
  /** Background sampling period. Default 10 s (cAdvisor's housekeeping is 10-15 s). */
  intervalMs?: number;
  /** A summary asked for sooner than this after the last sample reuses it; also the shortest rate window. Default 1 s. */
  minWindowMs?: number;
  cgroups?: CgroupReader;
  procRoot?: string;
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
}

interface Point<S> {
  t: number;
  s: S;
}

/** The newest sample of one thing and the base its rate is measured from. */
interface Series<S> {
  base?: Point<S>;
  last: Point<S>;
}

export class StatsCollector {
  private readonly source: StatsSource;
  private readonly intervalMs: number;
  private readonly minWindowMs: number;
  private readonly reader: CgroupReader;
  private readonly procRoot: string;
  private readonly now: () => number;
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;
  private lastSampleAt = Number.NEGATIVE_INFINITY;
  private nodeStart?: Date;
  private node?: Series<NodeSample>;
  private readonly cgroupSeries = new Map<string, Series<CgroupSample>>();
  private pods: Array<{ pod: StatsPod; cgroups: PodCgroups }> = [];

  constructor(private readonly options: StatsCollectorOptions) {
    this.source = options.source;
    this.intervalMs = options.intervalMs ?? 10_000;
    this.minWindowMs = options.minWindowMs ?? 1000;
    this.reader = options.cgroups ?? CgroupReader.detect();
    this.procRoot = options.procRoot ?? '/proc';
    this.now = options.now ?? Date.now;
  }

  /** Samples now and then every interval until stop(). */
  start(): void {
    if (this.timer) return;
    void this.sample().catch(() => {});
    this.timer = setInterval(() => void this.sample().catch(() => {}), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample of everything; concurrent calls share it. */
  sample(): Promise<void> {
    this.sampling ??= this.takeSample().finally(() => {
      this.sampling = undefined;
    });
    return this.sampling;
  }

  /** The Summary API answer; samples first when the last sample is older than minWindowMs. */
  async summary(): Promise<Summary> {
    if (this.now() - this.lastSampleAt >= this.minWindowMs) await this.sample();
    else if (this.sampling) await this.sampling;
    const nodeStart = this.nodeStart ?? new Date(0);
    return {
      node: {
        nodeName: this.options.nodeName,
        startTime: nodeStart.toISOString(),
        ...(this.node ? nodeStats(this.node) : {}),
      },
      pods: this.pods.map(({ pod, cgroups }) => this.podStats(pod, cgroups)),
    };
  }

  private async takeSample(): Promise<void> {
    this.nodeStart ??= await bootTime(this.procRoot);
    const t = this.now();
    const pods: Array<{ pod: StatsPod; cgroups: PodCgroups }> = [];
    for (const pod of this.source.pods()) {
      const cgroups = this.source.cgroups(pod.uid);
      if (cgroups) pods.push({ pod, cgroups });
    }
    const paths = new Set<string>();
    for (const { pod, cgroups } of pods) {
      paths.add(cgroups.pod);
      for (const c of pod.containers) if (cgroups.containers[c.name]) paths.add(cgroups.containers[c.name]);
    }
    const [node, ...samples] = await Promise.all([
      readNodeSample(this.procRoot),
      ...[...paths].map((p) => this.reader.read(p)),
    ]);
    this.node = this.advance(this.node, { t, s: node as NodeSample }, (x) => x.cpuNs);
    const seen = new Set<string>();
    [...paths].forEach((path, i) => {
      const s = samples[i] as CgroupSample | undefined;
      if (!s) return;
      seen.add(path);
      this.cgroupSeries.set(
        path,
        this.advance(this.cgroupSeries.get(path), { t, s }, (x) => x.cpuNs),
      );
    });
    // Cgroups that are gone (pods removed, containers restarted into new cgroups) are forgotten.
    for (const path of this.cgroupSeries.keys()) if (!seen.has(path)) this.cgroupSeries.delete(path);
    this.pods = pods;
    this.lastSampleAt = t;
  }

  /**
   * Adds a point, keeping a base at least minWindowMs older when there is one, so rates are
   * never taken over a few milliseconds. A counter that went backwards (a new cgroup of the
   * same name) starts the series over.
   */
  private advance<S>(
    series: Series<S> | undefined,
    p: Point<S>,
    cpu: (s: S) => number | undefined,
  ): Series<S> {
    if (!series) return { last: p };
    const reset = (cpu(p.s) ?? 0) < (cpu(series.last.s) ?? 0);
    if (reset) return { last: p };
    if (p.t - series.last.t >= this.minWindowMs) return { base: series.last, last: p };
    return { base: series.base, last: p };
  }

  private podStats(pod: StatsPod, cgroups: PodCgroups): PodStats {
    const containers: ContainerStats[] = [];
    for (const c of pod.containers) {
      const series = this.cgroupSeries.get(cgroups.containers[c.name] ?? '');
      if (!series) continue;
      containers.push({ name: c.name, startTime: c.startTime.toISOString(), ...cgroupStats(series) });
    }
    const podSeries = this.cgroupSeries.get(cgroups.pod);
    return {
      podRef: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
      startTime: pod.startTime.toISOString(),
      containers,
      ...(podSeries ? cgroupStats(podSeries) : {}),
    };
  }
}

function cpuStats(time: string, series: Series<{ cpuNs?: number }>): CPUStats | undefined {
  const { base, last } = series;
  if (last.s.cpuNs === undefined) return undefined;
  const cpu: CPUStats = { time, usageCoreNanoSeconds: Math.round(last.s.cpuNs) };
  if (base?.s.cpuNs !== undefined && last.t > base.t)
    cpu.usageNanoCores = Math.round(((last.s.cpuNs - base.s.cpuNs) * 1000) / (last.t - base.t));
  return cpu;
}

function cgroupStats(series: Series<CgroupSample>): { cpu?: CPUStats; memory?: MemoryStats } {
  const time = new Date(series.last.t).toISOString();
  const s = series.last.s;
  const out: { cpu?: CPUStats; memory?: MemoryStats } = {};
  const cpu = cpuStats(time, series);
  if (cpu) out.cpu = cpu;
  if (s.memoryUsage !== undefined) {
    const memory: MemoryStats = { time, usageBytes: s.memoryUsage, workingSetBytes: s.workingSet };
    if (s.memoryLimit !== undefined) memory.availableBytes = Math.max(0, s.memoryLimit - (s.workingSet ?? 0));
    if (s.rss !== undefined) memory.rssBytes = s.rss;
    if (s.pageFaults !== undefined) memory.pageFaults = s.pageFaults;
    if (s.majorPageFaults !== undefined) memory.majorPageFaults = s.majorPageFaults;
    out.memory = memory;
  }
  return out;
}

function nodeStats(series: Series<NodeSample>): { cpu?: CPUStats; memory: MemoryStats } {
  const time = new Date(series.last.t).toISOString();
  const s = series.last.s;
  return {
    cpu: cpuStats(time, series),
    memory: {
      time,
      availableBytes: s.available,
      usageBytes: s.memoryUsage,
      workingSetBytes: s.workingSet,
      rssBytes: s.rss,
    },
  };
}

/** Pods and cgroups from the runtime: running containers only (exited ones have no cgroup). */
export function runtimeStatsSource(
  runtime: Pick<Runtime, 'listPods'> & Pick<StreamingRuntime, 'cgroups'>,
): StatsSource {
  return {
    pods: () =>
      runtime.listPods().map((p) => ({
        uid: p.uid,
        name: p.name,
        namespace: p.namespace,
        startTime: p.createdAt,
        containers: p.containers
          .filter((c) => c.phase === 'running')
          .map((c) => ({ name: c.name, startTime: c.startedAt ?? c.createdAt })),
      })),
    cgroups: (uid) => runtime.cgroups(uid),
  };
}
