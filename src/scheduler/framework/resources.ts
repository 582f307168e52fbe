/**
 * Numeric resource requests, computed once per pod so the filter loop compares plain numbers.
 * Units: cpu in millicores, memory and ephemeral-storage in bytes, extended resources in their
 * own integer units. The effective request follows Kubernetes' PodRequests: the larger of the
 * containers' sum and the largest init container, where sidecars (init containers with
 * restartPolicy Always) run alongside everything after them, plus the pod overhead.
 */
import type { Container, Pod, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../registry/common/quantity.js';

/** Resource amounts: the three built-in resources plus extended/scalar ones by name. */
export interface ResourceVector {
  cpu: number;
  memory: number;
  ephemeral: number;
  scalar: Map<string, number>;
}

/** The scoring defaults for containers that request no cpu/memory (kube-scheduler's non-zero). */
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

/** cpu as millicores, rounded up as resource.Quantity.MilliValue does. */
export function milliCpu(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil(parseQuantity(q) * 1000 - 1e-9);
}

/** Any other quantity as an integer, rounded up as resource.Quantity.Value does. */
export function units(q: string | number | undefined): number {
  if (q === undefined) return 0;
  return Math.ceil(parseQuantity(q) - 1e-9);
}

/** Parses a resource list (requests, allocatable, overhead) into a vector. */
export function toVector(list: Readonly<Record<string, string | number>> | undefined): ResourceVector {
  const v: ResourceVector = { cpu: 0, memory: 0, ephemeral: 0, scalar: new Map() };
  for (const [name, q] of Object.entries(list ?? {})) {
    if (name === 'cpu') v.cpu = milliCpu(q);
    else if (name === 'memory') v.memory = units(q);
    else if (name === 'ephemeral-storage') v.ephemeral = units(q);
    else if (name !== 'pods') v.scalar.set(name, units(q));
  }
  return v;
}

function containerRequests(c: Container, nonZero: boolean): ResourceVector {
  const r: ResourceRequirements | undefined = c.resources;
  // API defaulting copies limits into missing requests; do the same for objects that skipped it.
  const v = toVector({ ...(r?.limits ?? {}), ...(r?.requests ?? {}) } as Record<string, string>);
  if (nonZero) {
    if (v.cpu === 0) v.cpu = defaultMilliCpuRequest;
    if (v.memory === 0) v.memory = defaultMemoryRequest;
  }
  return v;
}

function add(into: ResourceVector, v: ResourceVector): void {
  into.cpu += v.cpu;
  into.memory += v.memory;
  into.ephemeral += v.ephemeral;
  for (const [k, n] of v.scalar) into.scalar.set(k, (into.scalar.get(k) ?? 0) + n);
}

function max(into: ResourceVector, v: ResourceVector): void {
  into.cpu = Math.max(into.cpu, v.cpu);
  into.memory = Math.max(into.memory, v.memory);
  into.ephemeral = Math.max(into.ephemeral, v.ephemeral);
  for (const [k, n] of v.scalar) into.scalar.set(k, Math.max(into.scalar.get(k) ?? 0, n));
}

function copy(v: ResourceVector): ResourceVector {
  return { cpu: v.cpu, memory: v.memory, ephemeral: v.ephemeral, scalar: new Map(v.scalar) };
}

/**
 * The pod's effective request. With nonZero, containers without a cpu/memory request count as
 * 100m/200Mi: that is what scoring uses, so best-effort pods still spread.
 */
export function podRequests(pod: Pod, nonZero = false): ResourceVector {
  const spec = pod.spec;
  const total: ResourceVector = { cpu: 0, memory: 0, ephemeral: 0, scalar: new Map() };
  for (const c of spec?.containers ?? []) add(total, containerRequests(c, nonZero));
  const sidecars: ResourceVector = { cpu: 0, memory: 0, ephemeral: 0, scalar: new Map() };
  const initMax: ResourceVector = { cpu: 0, memory: 0, ephemeral: 0, scalar: new Map() };
  for (const c of spec?.initContainers ?? []) {
    const own = containerRequests(c, nonZero);
    if (c.restartPolicy === 'Always') {
      add(total, own);
      add(sidecars, own);
      max(initMax, sidecars);
    } else {
      const during = copy(own);
      add(during, sidecars);
      max(initMax, during);
    }
  }
  max(total, initMax);
  if (spec?.overhead) add(total, toVector(spec.overhead as Record<string, string>));
  return total;
}
