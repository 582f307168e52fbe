/**
 * The cluster snapshot the cycle runs over: every node's NodeInfo, kept incrementally from the
 * node and pod informers, plus assumed pods (bound by us, not yet seen bound by the informer),
 * which count at once so the next cycle does not place a pod into the same room. A cycle is
 * synchronous, so it always sees one consistent state without copying.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { NodeInfo } from './node-info.js';
import type { PodInfo } from './pod-info.js';
import type { Labels } from './selectors.js';

/** Nodes, the pods placed on them and namespace labels (for namespaceSelector). */
export class Snapshot {
  /** Nodes that exist, in a stable order; the cycle's rotating start index walks this array. */
  readonly nodes: NodeInfo[] = [];
  private readonly byName = new Map<string, NodeInfo>();
  private readonly podNode = new Map<string, NodeInfo>();
  private readonly assumedKeys = new Set<string>();
  private readonly nsLabels = new Map<string, Labels>();
  /** Cluster-wide counts that let InterPodAffinity skip its scans when no pod has affinity. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;
  /** Bound to this, so plugins can pass it around without allocating a closure per call. */
  readonly namespaceLabels = (ns: string): Labels | undefined => this.nsLabels.get(ns);

  node(name: string): NodeInfo | undefined {
    const n = this.byName.get(name);
    return n?.node ? n : undefined;
  }

  /** The node a placed (or assumed) pod is on. */
  nodeOfPod(key: string): NodeInfo | undefined {
    return this.podNode.get(key);
  }

  /**
   * Swaps in a newer object for a placed pod when nothing the plugins read changed (same uid,
   * node, spec generation, labels and deletion state): a kubelet's status report then costs no
   * rebuild. False when the pod must be set again with setPod.
   */
  refreshPod(pod: Pod): boolean {
    const meta = pod.metadata ?? {};
    const key = `${meta.namespace ?? 'default'}/${meta.name}`;
    const node = this.podNode.get(key);
    if (!node || this.assumedKeys.has(key)) return false;
    const info = node.pods.find((p) => p.key === key);
    const was = info?.pod.metadata ?? {};
    if (
      !info ||
      meta.uid !== was.uid ||
      meta.generation === undefined ||
      meta.generation !== was.generation ||
      pod.spec?.nodeName !== info.nodeName ||
      !!meta.deletionTimestamp !== info.terminating ||
      !sameLabels(meta.labels, was.labels)
    )
      return false;
    info.pod = pod;
    return true;
  }

  isAssumed(key: string): boolean {
    return this.assumedKeys.has(key);
  }

  setNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let info = this.byName.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.byName.set(name, info);
    }
    if (!info.node) this.nodes.push(info);
    info.setNode(node);
  }

  removeNode(name: string): void {
    const info = this.byName.get(name);
    if (!info?.node) return;
    info.node = undefined;
    const i = this.nodes.indexOf(info);
    if (i >= 0) this.nodes.splice(i, 1);
    // Pods still bound to a deleted node keep a placeholder until they go, as Kubernetes' cache.
    if (info.pods.length === 0) this.byName.delete(name);
  }

  /** Adds or replaces a pod that has spec.nodeName; replaces an assumption for the same pod. */
  setPod(p: PodInfo): void {
    this.removePod(p.key);
    let info = this.byName.get(p.nodeName);
    if (!info) {
      info = new NodeInfo(p.nodeName);
      this.byName.set(p.nodeName, info);
    }
    info.addPod(p);
    this.podNode.set(p.key, info);
    this.countAffinity(p, 1);
  }

  private countAffinity(p: PodInfo, sign: 1 | -1): void {
    if (p.hasAffinity) this.podsWithAffinity += sign;
    if (p.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity += sign;
  }

  removePod(key: string): PodInfo | undefined {
    const info = this.podNode.get(key);
    if (!info) return undefined;
    this.podNode.delete(key);
    this.assumedKeys.delete(key);
    const p = info.removePod(key);
    if (p) this.countAffinity(p, -1);
    if (!info.node && info.pods.length === 0) this.byName.delete(info.name);
    return p;
  }

  /** Reserve: counts the pod on the node now, before the binding is confirmed. */
  assume(p: PodInfo, node: NodeInfo): void {
    this.removePod(p.key);
    node.addPod(p);
    this.podNode.set(p.key, node);
    this.countAffinity(p, 1);
    this.assumedKeys.add(p.key);
  }

  /** Undoes assume() after a failed binding; a no-op once the informer confirmed the pod. */
  forget(key: string): void {
    if (this.assumedKeys.has(key)) this.removePod(key);
  }

  /** Takes a placed pod off its node for a what-if (preemption dry run); undo with attach(). */
  detach(node: NodeInfo, p: PodInfo): void {
    if (node.removePod(p.key)) this.countAffinity(p, -1);
  }

  /** Puts a detached pod back. */
  attach(node: NodeInfo, p: PodInfo): void {
    node.addPod(p);
    this.countAffinity(p, 1);
  }

  /** The informer saw the pod bound: the assumption becomes fact. */
  confirm(key: string): void {
    this.assumedKeys.delete(key);
  }

  setNamespaceLabels(ns: string, labels: Labels | undefined): void {
    if (labels) this.nsLabels.set(ns, labels);
    else this.nsLabels.delete(ns);
  }
}

function sameLabels(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => a?.[k] === b?.[k]);
}
