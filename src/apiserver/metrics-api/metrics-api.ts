/**
 * The data side of metrics.k8s.io/v1beta1: NodeMetrics and PodMetrics built, as metrics-server
 * builds them, from the nodes' Summary API answers (src/agent/stats). Nodes, pods and
 * summaries come from injected functions, so the server wires real ones and tests pass their
 * own. Summaries are fetched on demand (one per node, concurrent requests share it) and kept
 * for `cacheMs`, since `kubectl top` asks more than once per command.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerStats, PodStats, Summary } from '../../agent/stats/types.js';
import { errors } from '../../api/errors.js';
import {
  type FieldSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from '../selectors.js';
import { formatCPU, formatDuration, formatMemory } from './format.js';

export const metricsGroup = 'metrics.k8s.io';
export const metricsVersion = 'v1beta1';
const apiVersion = `${metricsGroup}/${metricsVersion}`;

export interface MetricsSource {
  /** The node agent's /stats/summary. */
  fetchSummary(nodeName: string): Promise<Summary>;
  listNodes(): Node[] | Promise<Node[]>;
  listPods(): Pod[] | Promise<Pod[]>;
}

export interface MetricsAPIOptions {
  /** A summary younger than this is reused. Default 1000 ms. */
  cacheMs?: number;
  /** A node whose summary takes longer is left out of lists (as metrics-server leaves out unreachable nodes). Default 5000 ms. */
  fetchTimeoutMs?: number;
  /**
   * The window reported with each point: the agent's sampling period, over which its
   * usageNanoCores is averaged. Default 10 s (the StatsCollector's default interval).
   */
  windowMs?: number;
  now?: () => number;
}

export type Usage = { cpu: string; memory: string };

export interface NodeMetrics {
  kind: 'NodeMetrics';
  apiVersion: string;
  metadata: { name: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  usage: Usage;
}

export interface PodMetrics {
  kind: 'PodMetrics';
  apiVersion: string;
  metadata: { name: string; namespace: string; creationTimestamp: string; labels?: Record<string, string> };
  timestamp: string;
  window: string;
  containers: Array<{ name: string; usage: Usage }>;
}

export interface Selectors {
  labelSelector?: string | null;
  fieldSelector?: string | null;
}

/** Each object's usage as numbers (nanocores, bytes; a pod's containers summed), for tables. */
const rawTotals = new WeakMap<object, { nanoCores: number; bytes: number }>();

/** A node's usage, or a pod's summed over its containers, rendered as metrics-server's table does. */
export function totalUsage(m: NodeMetrics | PodMetrics): Usage {
  const t = rawTotals.get(m);
  if (t) return { cpu: formatCPU(t.nanoCores), memory: formatMemory(t.bytes) };
  return 'usage' in m ? m.usage : { cpu: '0', memory: '0' };
}

const nodeMetricsResource = { group: metricsGroup, resource: 'nodemetrics' };
const podMetricsResource = { group: metricsGroup, resource: 'podmetrics' };

export class MetricsAPI {
  private readonly cacheMs: number;
  private readonly fetchTimeoutMs: number;
  private readonly window: string;
  private readonly now: () => number;
  private readonly summaries = new Map<string, { at: number; summary: Promise<Summary | undefined> }>();

  constructor(
    private readonly source: MetricsSource,
    options: MetricsAPIOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 5000;
    this.window = formatDuration(options.windowMs ?? 10_000);
    this.now = options.now ?? Date.now;
  }

  /** NodeMetrics of the nodes matching the selectors that have reported usage, by name. */
  async listNodes(selectors: Selectors = {}): Promise<NodeMetrics[]> {
    const labels = parseLabelSelector(selectors.labelSelector);
    const fields = nodeFields(parseFieldSelector(selectors.fieldSelector));
    const nodes = (await this.source.listNodes()).filter(
      (n) =>
        matchesLabels(labels, n.metadata?.labels) &&
        matchesFields(fields, (f) => (f === 'metadata.name' ? (n.metadata?.name ?? '') : '')),
    );
    const out = await Promise.all(nodes.map((n) => this.nodeMetrics(n)));
    return out.filter((m): m is NodeMetrics => !!m).sort((a, b) => cmp(a.metadata.name, b.metadata.name));
  }

  async getNode(name: string): Promise<NodeMetrics> {
    const node = (await this.source.listNodes()).find((n) => n.metadata?.name === name);
    if (!node) throw errors.notFound({ group: '', resource: 'nodes' }, name);
    const m = await this.nodeMetrics(node);
    if (!m) throw errors.notFound(nodeMetricsResource, name);
    return m;
  }

  /** PodMetrics of running pods in the namespace ('' for all) matching the selectors. */
  async listPods(namespace: string, selectors: Selectors = {}): Promise<PodMetrics[]> {
    const labels = parseLabelSelector(selectors.labelSelector);
    const fields = podFields(parseFieldSelector(selectors.fieldSelector));
    const pods = (await this.source.listPods()).filter(
      (p) =>
        (!namespace || p.metadata?.namespace === namespace) &&
        matchesLabels(labels, p.metadata?.labels) &&
        matchesFields(fields, (f) =>
          f === 'metadata.name' ? (p.metadata?.name ?? '') : (p.metadata?.namespace ?? ''),
        ),
    );
    const out = await this.podMetrics(pods);
    return out.sort(
      (a, b) => cmp(a.metadata.namespace, b.metadata.namespace) || cmp(a.metadata.name, b.metadata.name),
    );
  }

  async getPod(namespace: string, name: string): Promise<PodMetrics> {
    const pod = (await this.source.listPods()).find(
      (p) => p.metadata?.namespace === namespace && p.metadata?.name === name,
    );
    if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
    const [m] = await this.podMetrics([pod]);
    if (!m) throw errors.notFound(podMetricsResource, `${namespace}/${name}`);
    return m;
  }

  private async nodeMetrics(node: Node): Promise<NodeMetrics | undefined> {
    const name = node.metadata?.name ?? '';
    const summary = await this.summary(name);
    const usage = summary && usageOf(summary.node);
    if (!usage) return undefined;
    const metadata: NodeMetrics['metadata'] = { name, creationTimestamp: new Date(this.now()).toISOString() };
    if (node.metadata?.labels) metadata.labels = node.metadata.labels;
    const m: NodeMetrics = {
      kind: 'NodeMetrics',
      apiVersion,
      metadata,
      timestamp: usage.time,
      window: this.window,
      usage: usage.usage,
    };
    rawTotals.set(m, usage.raw);
    return m;
  }

  private async podMetrics(pods: Pod[]): Promise<PodMetrics[]> {
    // Only running pods have usage, as metrics-server reports them; one summary per node.
    const running = pods.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName);
    const nodes = [...new Set(running.map((p) => p.spec!.nodeName!))];
    const byNode = new Map(await Promise.all(nodes.map(async (n) => [n, await this.summary(n)] as const)));
    const out: PodMetrics[] = [];
    for (const pod of running) {
      const stats = findPod(byNode.get(pod.spec!.nodeName!), pod);
      const m = stats && this.toPodMetrics(pod, stats);
      if (m) out.push(m);
    }
    return out;
  }

  private toPodMetrics(pod: Pod, stats: PodStats): PodMetrics | undefined {
    const containers: PodMetrics['containers'] = [];
    let latest = '';
    const total = { nanoCores: 0, bytes: 0 };
    for (const c of stats.containers ?? []) {
      const u = usageOf(c);
      // A container without both figures makes the pod's sum wrong: metrics-server drops the pod.
      if (!u) return undefined;
      containers.push({ name: c.name, usage: u.usage });
      total.nanoCores += u.raw.nanoCores;
      total.bytes += u.raw.bytes;
      if (u.time > latest) latest = u.time;
    }
    if (containers.length === 0) return undefined;
    const metadata: PodMetrics['metadata'] = {
      name: pod.metadata?.name ?? '',
      namespace: pod.metadata?.namespace ?? '',
      creationTimestamp: new Date(this.now()).toISOString(),
    };
    if (pod.metadata?.labels) metadata.labels = pod.metadata.labels;
    const m: PodMetrics = {
      kind: 'PodMetrics',
      apiVersion,
      metadata,
      timestamp: latest,
      window: this.window,
      containers,
    };
    rawTotals.set(m, total);
    return m;
  }

  /** The node's summary, cached briefly; undefined when it cannot be had (logged by the caller's absence). */
  private summary(nodeName: string): Promise<Summary | undefined> {
    const now = this.now();
    const cached = this.summaries.get(nodeName);
    if (cached && now - cached.at < this.cacheMs) return cached.summary;
    const summary = withTimeout(this.source.fetchSummary(nodeName), this.fetchTimeoutMs).catch(
      () => undefined,
    );
    this.summaries.set(nodeName, { at: now, summary });
    // Drop entries of nodes no longer asked about, so the map does not grow with node churn.
    for (const [n, e] of this.summaries) if (now - e.at > 60_000) this.summaries.delete(n);
    return summary;
  }
}

function findPod(summary: Summary | undefined, pod: Pod): PodStats | undefined {
  if (!summary) return undefined;
  const uid = pod.metadata?.uid;
  return summary.pods?.find((s) =>
    uid && s.podRef.uid
      ? s.podRef.uid === uid
      : s.podRef.namespace === pod.metadata?.namespace && s.podRef.name === pod.metadata?.name,
  );
}

/** CPU rate and working set, the two figures metrics-server serves; undefined when either is missing. */
function usageOf(
  stats: Pick<ContainerStats, 'cpu' | 'memory'>,
): { usage: Usage; raw: { nanoCores: number; bytes: number }; time: string } | undefined {
  const nanoCores = stats.cpu?.usageNanoCores;
  const workingSet = stats.memory?.workingSetBytes;
  if (nanoCores === undefined || workingSet === undefined) return undefined;
  const time = stats.cpu?.time ?? stats.memory?.time ?? '';
  return {
    usage: { cpu: formatCPU(nanoCores), memory: formatMemory(workingSet) },
    raw: { nanoCores, bytes: workingSet },
    time,
  };
}

function nodeFields(selector: FieldSelector): FieldSelector {
  for (const r of selector)
    if (r.field !== 'metadata.name') throw errors.badRequest(`field label not supported: ${r.field}`);
  return selector;
}

function podFields(selector: FieldSelector): FieldSelector {
  for (const r of selector)
    if (r.field !== 'metadata.name' && r.field !== 'metadata.namespace')
      throw errors.badRequest(`field label not supported: ${r.field}`);
  return selector;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), ms);
    timer.unref?.();
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
