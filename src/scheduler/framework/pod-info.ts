/**
 * PodInfo: everything the plugins need from a pod, precomputed once when the pod enters the
 * queue or the snapshot (numeric requests, host ports, compiled selectors and affinity terms),
 * so the per-node hot path never parses or allocates.
 */
import type { Pod, PodAffinityTerm, Toleration, TopologySpreadConstraint } from 'kubernetes-types/core/v1.js';
import { podRequests } from './resources.js';
import {
  compileLabelSelector,
  compileNodeTerms,
  inRequirement,
  type LabelMatcher,
  type Labels,
  matchEverything,
  matchLabels,
  type NodeTermMatcher,
} from './selectors.js';

/** A host port the pod asks for; `key` ("TCP/80") indexes NodeInfo.usedPorts. */
export interface HostPort {
  readonly ip: string;
  readonly protocol: string;
  readonly port: number;
  readonly key: string;
}

/** A compiled pod (anti-)affinity term. */
export interface AffinityTerm {
  /** Namespaces named explicitly (or the pod's own when neither names nor selector are given). */
  readonly namespaces: ReadonlySet<string>;
  /** namespaceSelector, or undefined when not given. */
  readonly namespaceSelector: LabelMatcher | undefined;
  readonly selector: LabelMatcher;
  readonly topologyKey: string;
  readonly weight: number;
}

/** A compiled topology spread constraint. */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly hard: boolean;
  readonly selector: LabelMatcher;
  readonly minDomains: number;
  /** nodeAffinityPolicy Honor (default): only nodes matching the pod's node affinity count. */
  readonly honorNodeAffinity: boolean;
  /** nodeTaintsPolicy Honor (default Ignore): only nodes whose taints the pod tolerates count. */
  readonly honorTaints: boolean;
  /** Whether the incoming pod itself matches the selector (counts toward its own domain). */
  readonly selfMatch: number;
}

const none: readonly never[] = [];

/**
 * The scheduler's view of one pod, rebuilt when anything the plugins read changes. Only `pod`
 * is replaced in place (Snapshot.refreshPod): a status report keeps the precomputed fields.
 */
export class PodInfo {
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly labels: Labels;
  readonly priority: number;
  readonly creationMs: number;
  readonly nodeName: string;
  readonly terminating: boolean;
  readonly cpu: number;
  readonly memory: number;
  readonly ephemeral: number;
  /** Extended resources as [name, amount] pairs; empty for most pods. */
  readonly scalar: ReadonlyArray<readonly [string, number]>;
  readonly nonZeroCpu: number;
  readonly nonZeroMemory: number;
  readonly ports: readonly HostPort[];
  readonly nodeSelector: Labels | undefined;
  readonly requiredNodeTerms: readonly NodeTermMatcher[] | undefined;
  readonly preferredNodeTerms: ReadonlyArray<{ weight: number; term: NodeTermMatcher }>;
  readonly tolerations: readonly Toleration[];
  readonly requiredAffinity: readonly AffinityTerm[];
  readonly requiredAntiAffinity: readonly AffinityTerm[];
  readonly preferredAffinity: readonly AffinityTerm[];
  readonly preferredAntiAffinity: readonly AffinityTerm[];
  readonly spread: readonly SpreadConstraint[];
  readonly preemptNever: boolean;

  /** `priority` is the resolved value (spec.priority, else the PriorityClass's, else 0). */
  constructor(
    public pod: Pod,
    priority?: number,
  ) {
    const meta = pod.metadata ?? {};
    const spec = pod.spec ?? { containers: [] };
    this.namespace = meta.namespace ?? 'default';
    this.name = meta.name ?? '';
    this.key = `${this.namespace}/${this.name}`;
    this.uid = meta.uid ?? '';
    this.labels = meta.labels ?? {};
    this.priority = priority ?? spec.priority ?? 0;
    this.creationMs = meta.creationTimestamp ? Date.parse(meta.creationTimestamp) : 0;
    this.nodeName = spec.nodeName ?? '';
    this.terminating = !!meta.deletionTimestamp;
    const req = podRequests(pod);
    this.cpu = req.cpu;
    this.memory = req.memory;
    this.ephemeral = req.ephemeral;
    this.scalar = req.scalar ? [...req.scalar].filter(([, n]) => n > 0) : none;
    const nz = podRequests(pod, true);
    this.nonZeroCpu = nz.cpu;
    this.nonZeroMemory = nz.memory;
    this.ports = hostPorts(pod);
    this.nodeSelector =
      spec.nodeSelector && Object.keys(spec.nodeSelector).length ? spec.nodeSelector : undefined;
    const na = spec.affinity?.nodeAffinity;
    const required = na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    this.requiredNodeTerms = required ? compileNodeTerms(required) : undefined;
    this.preferredNodeTerms = (na?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p) => ({
      weight: p.weight,
      term: compileNodeTerms([p.preference])[0],
    }));
    this.tolerations = spec.tolerations ?? none;
    const pa = spec.affinity?.podAffinity;
    const anti = spec.affinity?.podAntiAffinity;
    const ns = this.namespace;
    this.requiredAffinity = (pa?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      term(t, 1, ns),
    );
    this.requiredAntiAffinity = (anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []).map((t) =>
      term(t, 1, ns),
    );
    this.preferredAffinity = (pa?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) =>
      term(w.podAffinityTerm, w.weight, ns),
    );
    this.preferredAntiAffinity = (anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) =>
      term(w.podAffinityTerm, w.weight, ns),
    );
    this.spread = (spec.topologySpreadConstraints ?? []).map((c) => spreadConstraint(c, this.labels));
    this.preemptNever = spec.preemptionPolicy === 'Never';
  }

  /** Whether the pod has any pod (anti-)affinity terms: the snapshot indexes such pods. */
  get hasAffinity(): boolean {
    return (
      this.requiredAffinity.length > 0 ||
      this.requiredAntiAffinity.length > 0 ||
      this.preferredAffinity.length > 0 ||
      this.preferredAntiAffinity.length > 0
    );
  }
}

function hostPorts(pod: Pod): readonly HostPort[] {
  const out: HostPort[] = [];
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      const protocol = p.protocol ?? 'TCP';
      out.push({ ip: p.hostIP || '0.0.0.0', protocol, port: p.hostPort, key: `${protocol}/${p.hostPort}` });
    }
  }
  return out.length ? out : none;
}

function term(t: PodAffinityTerm, weight: number, ownNamespace: string): AffinityTerm {
  const namespaceSelector = t.namespaceSelector ? compileLabelSelector(t.namespaceSelector) : undefined;
  const names = t.namespaces ?? [];
  // Neither names nor a selector means "the pod's own namespace".
  const namespaces = new Set(names.length === 0 && !namespaceSelector ? [ownNamespace] : names);
  const selector = compileLabelSelector(t.labelSelector);
  return { namespaces, namespaceSelector, selector, topologyKey: t.topologyKey, weight };
}

function spreadConstraint(c: TopologySpreadConstraint, labels: Labels): SpreadConstraint {
  // matchLabelKeys: the incoming pod's values for those keys are ANDed into the selector.
  const extra = (c.matchLabelKeys ?? []).filter((k) => k in labels).map((k) => inRequirement(k, labels[k]));
  const selector = compileLabelSelector(c.labelSelector, extra);
  return {
    maxSkew: c.maxSkew,
    topologyKey: c.topologyKey,
    hard: c.whenUnsatisfiable !== 'ScheduleAnyway',
    selector,
    minDomains: c.minDomains ?? 1,
    honorNodeAffinity: c.nodeAffinityPolicy !== 'Ignore',
    honorTaints: c.nodeTaintsPolicy === 'Honor',
    selfMatch: matchLabels(selector, labels) ? 1 : 0,
  };
}

/** Whether an existing pod falls under an affinity term (namespace and labels). */
export function termMatches(
  t: AffinityTerm,
  pod: PodInfo,
  namespaceLabels: (ns: string) => Labels | undefined,
): boolean {
  if (!t.namespaces.has(pod.namespace)) {
    if (!t.namespaceSelector) return false;
    if (
      t.namespaceSelector !== matchEverything &&
      !matchLabels(t.namespaceSelector, namespaceLabels(pod.namespace))
    )
      return false;
  }
  return matchLabels(t.selector, pod.labels);
}
