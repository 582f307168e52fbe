/**
 * Fluent fixture builders for scheduler tests and benchmarks (DESIGN.md convention 6):
 * `pod('web').req({ cpu: '2' }).tolerate(t).build()`, `node('n1').cap({ cpu: '4' }).taint(...).build()`.
 */
import type {
  Affinity,
  Node,
  NodeAffinity,
  NodeSelectorRequirement,
  Pod,
  PodAffinity,
  PodAffinityTerm,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/types.js';
import { PodInfo } from './pod-info.js';
import { Snapshot } from './snapshot.js';
import { CycleState, type FilterPlugin, type ScorePlugin } from './types.js';

let seq = 0;

/** Builds a Pod. */
export class PodBuilder {
  private readonly p: Pod;

  constructor(name: string) {
    seq++;
    this.p = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'default',
        uid: `uid-${name}-${seq}`,
        creationTimestamp: new Date(Date.UTC(2024, 0, 1, 0, 0, seq % 60)).toISOString(),
        labels: {},
      },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    };
  }

  private get spec() {
    return this.p.spec!;
  }

  private get affinity(): Affinity {
    if (!this.spec.affinity) this.spec.affinity = {};
    return this.spec.affinity;
  }

  private get nodeAffinity(): NodeAffinity {
    const a = this.affinity;
    if (!a.nodeAffinity) a.nodeAffinity = {};
    return a.nodeAffinity;
  }

  ns(namespace: string): this {
    this.p.metadata!.namespace = namespace;
    return this;
  }

  label(key: string, value: string): this {
    this.p.metadata!.labels![key] = value;
    return this;
  }

  /** Requests of the (first) container. */
  req(requests: Record<string, string>): this {
    this.spec.containers[0].resources = { requests };
    return this;
  }

  /** Adds another container with these requests. */
  container(requests: Record<string, string>): this {
    this.spec.containers.push({
      name: `c${this.spec.containers.length}`,
      image: 'busybox',
      resources: { requests },
    });
    return this;
  }

  /** Adds an init container; restartPolicy 'Always' makes it a sidecar. */
  init(requests: Record<string, string>, restartPolicy?: 'Always'): this {
    if (!this.spec.initContainers) this.spec.initContainers = [];
    const list = this.spec.initContainers;
    list.push({ name: `i${list.length}`, image: 'busybox', resources: { requests }, restartPolicy });
    return this;
  }

  overhead(overhead: Record<string, string>): this {
    this.spec.overhead = overhead;
    return this;
  }

  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    const c = this.spec.containers[0];
    c.ports = [...(c.ports ?? []), { containerPort: port, hostPort: port, protocol, hostIP }];
    return this;
  }

  tolerate(t: Toleration): this {
    this.spec.tolerations = [...(this.spec.tolerations ?? []), t];
    return this;
  }

  nodeSelector(sel: Record<string, string>): this {
    this.spec.nodeSelector = sel;
    return this;
  }

  /** Adds a required node affinity term (terms are ORed). */
  requireNode(...exprs: NodeSelectorRequirement[]): this {
    const na = this.nodeAffinity;
    const terms = na.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
    na.requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms: [...terms, { matchExpressions: exprs }],
    };
    return this;
  }

  preferNode(weight: number, ...exprs: NodeSelectorRequirement[]): this {
    const na = this.nodeAffinity;
    na.preferredDuringSchedulingIgnoredDuringExecution = [
      ...(na.preferredDuringSchedulingIgnoredDuringExecution ?? []),
      { weight, preference: { matchExpressions: exprs } },
    ];
    return this;
  }

  /** Pod affinity (kind 'affinity') or anti-affinity ('anti') to pods with these labels; preferred with a weight. */
  podAffinity(
    kind: 'affinity' | 'anti',
    topologyKey: string,
    matchLabels: Record<string, string>,
    weight?: number,
  ): this {
    const term: PodAffinityTerm = { topologyKey, labelSelector: { matchLabels } };
    const a = this.affinity;
    const block: PodAffinity = (kind === 'affinity' ? a.podAffinity : a.podAntiAffinity) ?? {};
    if (kind === 'affinity') a.podAffinity = block;
    else a.podAntiAffinity = block;
    if (weight === undefined) {
      block.requiredDuringSchedulingIgnoredDuringExecution = [
        ...(block.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        term,
      ];
    } else {
      block.preferredDuringSchedulingIgnoredDuringExecution = [
        ...(block.preferredDuringSchedulingIgnoredDuringExecution ?? []),
        { weight, podAffinityTerm: term },
      ];
    }
    return this;
  }

  spread(
    c: Partial<TopologySpreadConstraint> & { topologyKey: string; labels: Record<string, string> },
  ): this {
    const { labels, ...rest } = c;
    this.spec.topologySpreadConstraints = [
      ...(this.spec.topologySpreadConstraints ?? []),
      { maxSkew: 1, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: labels }, ...rest },
    ];
    return this;
  }

  priority(value: number, className?: string): this {
    this.spec.priority = value;
    if (className) this.spec.priorityClassName = className;
    return this;
  }

  preemptionPolicy(policy: 'Never' | 'PreemptLowerPriority'): this {
    this.spec.preemptionPolicy = policy;
    return this;
  }

  on(nodeName: string): this {
    this.spec.nodeName = nodeName;
    return this;
  }

  terminating(): this {
    (this.p.metadata as { deletionTimestamp?: string }).deletionTimestamp = '2024-01-01T00:00:00Z';
    return this;
  }

  build(): Pod {
    return structuredClone(this.p);
  }
}

/** Builds a Node (defaults: 4 cpu, 16Gi, 110 pods, hostname label). */
export class NodeBuilder {
  private readonly n: Node;

  constructor(name: string) {
    this.n = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name } },
      spec: {},
      status: { allocatable: { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' } },
    };
  }

  cap(allocatable: Record<string, string>): this {
    Object.assign(this.n.status!.allocatable!, allocatable);
    return this;
  }

  label(key: string, value: string): this {
    this.n.metadata!.labels![key] = value;
    return this;
  }

  zone(zone: string): this {
    return this.label('topology.kubernetes.io/zone', zone);
  }

  taint(key: string, value: string | undefined, effect: Taint['effect']): this {
    this.n.spec!.taints = [...(this.n.spec!.taints ?? []), { key, value, effect }];
    return this;
  }

  unschedulable(): this {
    this.n.spec!.unschedulable = true;
    return this;
  }

  build(): Node {
    return structuredClone(this.n);
  }
}

/** Starts a pod fixture. */
export const pod = (name = `p${seq + 1}`): PodBuilder => new PodBuilder(name);
/** Starts a node fixture. */
export const node = (name: string): NodeBuilder => new NodeBuilder(name);

/** A snapshot holding these nodes and placed pods (pods need spec.nodeName). */
export function snapshotOf(nodes: Node[], pods: Pod[] = []): Snapshot {
  const snap = new Snapshot();
  for (const n of nodes) snap.setNode(n);
  for (const p of pods) snap.setPod(new PodInfo(p));
  return snap;
}

/**
 * Runs one filter plugin (PreFilter then Filter) for a pod on a node of the snapshot; returns
 * the rejection's reasons joined by ", ", or 'fits'.
 */
export function filterOutcome(plugin: FilterPlugin, p: Pod, nodeName: string, snap: Snapshot): string {
  const info = new PodInfo(p);
  const state = new CycleState();
  const pre = plugin.preFilter?.(info, snap, state);
  if (pre === 'skip') return 'fits';
  if (pre) return pre.reasons.join(', ');
  const r = plugin.filter(info, snap.node(nodeName)!, state);
  return r ? r.reasons.join(', ') : 'fits';
}

/** Runs one score plugin over every node of the snapshot; returns normalized scores by node name. */
export function scoreOutcome(plugin: ScorePlugin, p: Pod, snap: Snapshot): Record<string, number> {
  const info = new PodInfo(p);
  const state = new CycleState();
  const nodes = snap.nodes;
  const out: Record<string, number> = {};
  if (plugin.preScore && !plugin.preScore(info, nodes, nodes.length, snap, state)) {
    for (const n of nodes) out[n.name] = 0;
    return out;
  }
  const scores = new Float64Array(nodes.length);
  nodes.forEach((n, i) => {
    scores[i] = plugin.score(info, n, state);
  });
  plugin.normalize?.(scores, nodes.length, state);
  nodes.forEach((n, i) => {
    out[n.name] = scores[i];
  });
  return out;
}

/** A clock tests move by hand; timers fire in order as time passes. */
export class ManualClock implements Clock {
  private t = Date.UTC(2024, 0, 1);
  private timers: Array<{ at: number; fn: () => void }> = [];

  now(): Date {
    return new Date(this.t);
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = end;
  }
}
