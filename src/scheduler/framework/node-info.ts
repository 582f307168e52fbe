/**
 * NodeInfo: one node as the filters see it — allocatable and requested amounts as plain
 * numbers, the pods on it, the host ports in use, labels and taints. Kept incrementally: adding
 * or removing a pod adjusts the sums instead of recomputing them.
 */
import type { Node, Taint } from 'kubernetes-types/core/v1.js';
import type { HostPort, PodInfo } from './pod-info.js';
import { milliCpu, toVector, units } from './resources.js';
import type { Labels } from './selectors.js';

const noTaints: readonly Taint[] = [];
const noLabels: Labels = {};

/** The scheduler's per-node state. Fields are public numbers for the hot path; mutate via methods. */
export class NodeInfo {
  node: Node | undefined;
  labels: Labels = noLabels;
  taints: readonly Taint[] = noTaints;
  unschedulable = false;
  allocCpu = 0;
  allocMemory = 0;
  allocEphemeral = 0;
  allocPods = 0;
  allocScalar: ReadonlyMap<string, number> = new Map();
  reqCpu = 0;
  reqMemory = 0;
  reqEphemeral = 0;
  reqScalar = new Map<string, number>();
  nonZeroCpu = 0;
  nonZeroMemory = 0;
  readonly pods: PodInfo[] = [];
  /** Host ports in use: "TCP/80" → host IPs (repeated once per user). */
  readonly usedPorts = new Map<string, string[]>();
  /** Pods here with any pod (anti-)affinity; InterPodAffinity only looks at nodes with some. */
  podsWithAffinity = 0;
  podsWithRequiredAntiAffinity = 0;

  constructor(readonly name: string) {}

  /** Sets (or replaces) the Node object; pods already accounted stay. */
  setNode(node: Node): void {
    this.node = node;
    this.labels = node.metadata?.labels ?? noLabels;
    this.taints = node.spec?.taints ?? noTaints;
    this.unschedulable = !!node.spec?.unschedulable;
    const alloc = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, string>;
    const v = toVector(alloc);
    this.allocCpu = milliCpu(alloc.cpu);
    this.allocMemory = v.memory;
    this.allocEphemeral = v.ephemeral;
    this.allocPods = units(alloc.pods);
    this.allocScalar = v.scalar ?? new Map();
  }

  addPod(p: PodInfo): void {
    this.pods.push(p);
    this.account(p, 1);
  }

  /** Removes the pod with this key; returns it, or undefined when it was not here. */
  removePod(key: string): PodInfo | undefined {
    const i = this.pods.findIndex((p) => p.key === key);
    if (i < 0) return undefined;
    const [p] = this.pods.splice(i, 1);
    this.account(p, -1);
    return p;
  }

  private account(p: PodInfo, sign: 1 | -1): void {
    this.reqCpu += sign * p.cpu;
    this.reqMemory += sign * p.memory;
    this.reqEphemeral += sign * p.ephemeral;
    this.nonZeroCpu += sign * p.nonZeroCpu;
    this.nonZeroMemory += sign * p.nonZeroMemory;
    for (const [name, n] of p.scalar) this.reqScalar.set(name, (this.reqScalar.get(name) ?? 0) + sign * n);
    for (const port of p.ports) this.accountPort(port, sign);
    if (p.hasAffinity) this.podsWithAffinity += sign;
    if (p.requiredAntiAffinity.length) this.podsWithRequiredAntiAffinity += sign;
  }

  private accountPort(port: HostPort, sign: 1 | -1): void {
    const ips = this.usedPorts.get(port.key);
    if (sign > 0) {
      if (ips) ips.push(port.ip);
      else this.usedPorts.set(port.key, [port.ip]);
      return;
    }
    if (!ips) return;
    const i = ips.indexOf(port.ip);
    if (i >= 0) ips.splice(i, 1);
    if (ips.length === 0) this.usedPorts.delete(port.key);
  }
}
