/**
 * Fluent fixture builders for scheduler tests and benchmarks (DESIGN.md convention 6):
 * `pod('web').req({ cpu: '2' }).tolerate(t).build()`, `node('n1').cap({ cpu: '4' }).taint(...).build()`.
 */
import type {
  Node,
  NodeSelectorRequirement,
  Pod,
  PodAffinityTerm,
  Taint,
  Toleration,
  TopologySpreadConstraint,
} from 'kubernetes-types/core/v1.js';

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
    this.spec.containers.push({ name: `c${this.spec.containers.length}`, image: 'busybox', resources: { requests } });
    return this;
  }

  /** Adds an init container; restartPolicy 'Always' makes it a sidecar. */
  init(requests: Record<string, string>, restartPolicy?: 'Always'): this {
    const list = (this.spec.initContainers ??= []);
    list.push({ name: `i${list.length}`, image: 'busybox', resources: { requests }, restartPolicy });
    return this;
  }

  overhead(overhead: Record<string, string>): this {
    this.spec.overhead = overhead;
    return this;
  }

  hostPort(port: number, protocol = 'TCP', hostIP?: string): this {
    const c = this.spec.containers[0];
    (c.ports ??= []).push({ containerPort: port, hostPort: port, protocol, hostIP });
    return this;
  }

  tolerate(t: Toleration): this {
    (this.spec.tolerations ??= []).push(t);
    return this;
  }

  nodeSelector(sel: Record<string, string>): this {
    this.spec.nodeSelector = sel;
    return this;
  }

  /** Adds a required node affinity term (terms are ORed). */
  requireNode(...exprs: NodeSelectorRequirement[]): this {
    const na = ((this.spec.affinity ??= {}).nodeAffinity ??= {});
    const req = (na.requiredDuringSchedulingIgnoredDuringExecution ??= { nodeSelectorTerms: [] });
    req.nodeSelectorTerms.push({ matchExpressions: exprs });
    return this;
  }

  preferNode(weight: number, ...exprs: NodeSelectorRequirement[]): this {
    const na = ((this.spec.affinity ??= {}).nodeAffinity ??= {});
    (na.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, preference: { matchExpressions: exprs } });
    return this;
  }

  /** Required pod affinity (kind 'affinity') or anti-affinity (kind 'anti') to pods with these labels. */
  podAffinity(kind: 'affinity' | 'anti', topologyKey: string, matchLabels: Record<string, string>, weight?: number): this {
    const term: PodAffinityTerm = { topologyKey, labelSelector: { matchLabels } };
    const affinity = (this.spec.affinity ??= {});
    const block = kind === 'affinity' ? (affinity.podAffinity ??= {}) : (affinity.podAntiAffinity ??= {});
    if (weight === undefined) (block.requiredDuringSchedulingIgnoredDuringExecution ??= []).push(term);
    else (block.preferredDuringSchedulingIgnoredDuringExecution ??= []).push({ weight, podAffinityTerm: term });
    return this;
  }

  spread(c: Partial<TopologySpreadConstraint> & { topologyKey: string; labels: Record<string, string> }): this {
    const { labels, ...rest } = c;
    (this.spec.topologySpreadConstraints ??= []).push({
      maxSkew: 1,
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: labels },
      ...rest,
    });
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
    (this.n.spec!.taints ??= []).push({ key, value, effect });
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
