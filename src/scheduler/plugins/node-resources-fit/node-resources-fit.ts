/**
 * NodeResourcesFit: the pod's requests (cpu, memory, ephemeral-storage, extended resources)
 * must fit in what the node has left, and the node must have a pod slot left. Scores:
 * LeastAllocated (the default: spread load) or MostAllocated (bin-pack), over cpu and memory
 * with weight 1 each, using the non-zero requests so best-effort pods count too.
 */
import type { NodeInfo } from '../../framework/node-info.js';
import type { PodInfo } from '../../framework/pod-info.js';
import {
  type FilterPlugin,
  maxNodeScore,
  type Rejection,
  rejection,
  type ScorePlugin,
} from '../../framework/types.js';

export const name = 'NodeResourcesFit';
/** Kubernetes' reasons, one per resource that does not fit. */
export const reasonTooManyPods = 'Too many pods';
export const reasonInsufficientCpu = 'Insufficient cpu';
export const reasonInsufficientMemory = 'Insufficient memory';
export const reasonInsufficientEphemeral = 'Insufficient ephemeral-storage';
/** "Insufficient example.com/gpu" for an extended resource. */
export const reasonInsufficient = (resource: string): string => `Insufficient ${resource}`;

// Single-reason rejections are shared; several failing resources at once allocate (rare path).
const single = {
  pods: rejection(name, reasonTooManyPods),
  cpu: rejection(name, reasonInsufficientCpu),
  memory: rejection(name, reasonInsufficientMemory),
  ephemeral: rejection(name, reasonInsufficientEphemeral),
};
const scalarRejections = new Map<string, Rejection>();

/** Filter: every requested resource fits in allocatable minus requested; a pod slot is free. */
export const nodeResourcesFitFilter: FilterPlugin = {
  name,
  filter(pod, node) {
    const pods = node.pods.length + 1 > node.allocPods;
    const cpu = pod.cpu > 0 && pod.cpu > node.allocCpu - node.reqCpu;
    const memory = pod.memory > 0 && pod.memory > node.allocMemory - node.reqMemory;
    const ephemeral = pod.ephemeral > 0 && pod.ephemeral > node.allocEphemeral - node.reqEphemeral;
    const scalar = pod.scalar.length > 0 && insufficientScalar(pod, node) !== undefined;
    if (!pods && !cpu && !memory && !ephemeral && !scalar) return undefined;
    return describe(pod, node, pods, cpu, memory, ephemeral, scalar);
  },
};

function insufficientScalar(pod: PodInfo, node: NodeInfo): string | undefined {
  for (const [resource, n] of pod.scalar) {
    if (n > (node.allocScalar.get(resource) ?? 0) - (node.reqScalar.get(resource) ?? 0)) return resource;
  }
  return undefined;
}

function describe(
  pod: PodInfo,
  node: NodeInfo,
  pods: boolean,
  cpu: boolean,
  memory: boolean,
  ephemeral: boolean,
  scalar: boolean,
): Rejection {
  const failing = +pods + +cpu + +memory + +ephemeral + +scalar;
  if (failing === 1 && !scalar)
    return pods ? single.pods : cpu ? single.cpu : memory ? single.memory : single.ephemeral;
  const reasons: string[] = [];
  if (pods) reasons.push(reasonTooManyPods);
  if (cpu) reasons.push(reasonInsufficientCpu);
  if (memory) reasons.push(reasonInsufficientMemory);
  if (ephemeral) reasons.push(reasonInsufficientEphemeral);
  for (const [resource, n] of pod.scalar) {
    if (n > (node.allocScalar.get(resource) ?? 0) - (node.reqScalar.get(resource) ?? 0))
      reasons.push(reasonInsufficient(resource));
  }
  if (reasons.length === 1) {
    let r = scalarRejections.get(reasons[0]);
    if (!r) {
      r = rejection(name, reasons[0]);
      scalarRejections.set(reasons[0], r);
    }
    return r;
  }
  return rejection(name, reasons);
}

// The two strategies are written out rather than built from a shared per-resource callback:
// memory amounts exceed 2^31, and passing them as arguments to a non-inlined function boxes
// them on V8's heap — an allocation per node per pod in the hottest loop.

/** Score: prefer nodes with the most room left (kube-scheduler's default strategy); weight 1. */
export const leastAllocatedScore: ScorePlugin = {
  name: `${name}/LeastAllocated`,
  weight: 1,
  score(pod, node) {
    // Resources the node has none of are left out of the average, as Kubernetes does.
    let sum = 0;
    let weights = 0;
    const cap = node.allocCpu;
    if (cap > 0) {
      const req = node.nonZeroCpu + pod.nonZeroCpu;
      sum += req > cap ? 0 : Math.trunc(((cap - req) * maxNodeScore) / cap);
      weights++;
    }
    const mcap = node.allocMemory;
    if (mcap > 0) {
      const req = node.nonZeroMemory + pod.nonZeroMemory;
      sum += req > mcap ? 0 : Math.trunc(((mcap - req) * maxNodeScore) / mcap);
      weights++;
    }
    return weights ? Math.trunc(sum / weights) : 0;
  },
};

/** Score: prefer the fullest nodes that still fit (bin packing); weight 1. */
export const mostAllocatedScore: ScorePlugin = {
  name: `${name}/MostAllocated`,
  weight: 1,
  score(pod, node) {
    let sum = 0;
    let weights = 0;
    const cap = node.allocCpu;
    if (cap > 0) {
      sum += Math.trunc((Math.min(node.nonZeroCpu + pod.nonZeroCpu, cap) * maxNodeScore) / cap);
      weights++;
    }
    const mcap = node.allocMemory;
    if (mcap > 0) {
      sum += Math.trunc((Math.min(node.nonZeroMemory + pod.nonZeroMemory, mcap) * maxNodeScore) / mcap);
      weights++;
    }
    return weights ? Math.trunc(sum / weights) : 0;
  },
};
