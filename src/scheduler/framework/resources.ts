/**
 * Numeric resource requests, computed once per pod so the filter loop compares plain numbers.
 * Units: cpu in millicores, memory and ephemeral-storage in bytes, extended resources in their
 * own integer units. The effective request follows Kubernetes' PodRequests: the larger of the
 * containers' sum and the largest init container, where sidecars (init containers with
 * restartPolicy Always) run alongside everything after them, plus the pod overhead.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../registry/common/quantity.js';

/** Resource amounts: the three built-in resources plus extended/scalar ones by name. */
export interface ResourceVector {
  cpu: number;
  memory: number;
  ephemeral: number;
  /** Extended resources; null while there are none (most pods), to spare a Map per vector. */
  scalar: Map<string, number> | null;
}

/** The scoring defaults for containers that request no cpu/memory (kube-scheduler's non-zero). */
export const defaultMilliCpuRequest = 100;
export const defaultMemoryRequest = 200 * 1024 * 1024;

type Quantities = Readonly<Record<string, string | number>>;

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

const zero = (): ResourceVector => ({ cpu: 0, memory: 0, ephemeral: 0, scalar: null });

function put(v: ResourceVector, name: string, q: string | number): void {
  if (name === 'cpu') v.cpu = milliCpu(q);
  else if (name === 'memory') v.memory = units(q);
  else if (name === 'ephemeral-storage') v.ephemeral = units(q);
  else if (name !== 'pods') {
    if (!v.scalar) v.scalar = new Map();
    v.scalar.set(name, units(q));
  }
}

/** Parses a resource list (requests, allocatable, overhead) into a vector. */
export function toVector(list: Quantities | undefined, fallback?: Quantities): ResourceVector {
  const v = zero();
  // API defaulting copies limits into missing requests; `fallback` does the same for objects that skipped it.
  if (fallback) for (const name in fallback) if (!list || !(name in list)) put(v, name, fallback[name]);
  if (list) for (const name in list) put(v, name, list[name]);
  return v;
}

function containerRequests(c: Container, nonZero: boolean): ResourceVector {
  const r = c.resources;
  const v = r ? toVector(r.requests as Quantities | undefined, r.limits as Quantities | undefined) : zero();
  if (nonZero) {
    if (v.cpu === 0) v.cpu = defaultMilliCpuRequest;
    if (v.memory === 0) v.memory = defaultMemoryRequest;
  }
  return v;
}

function combine(into: ResourceVector, v: ResourceVector, f: (a: number, b: number) => number): void {
  into.cpu = f(into.cpu, v.cpu);
  into.memory = f(into.memory, v.memory);
  into.ephemeral = f(into.ephemeral, v.ephemeral);
  if (v.scalar) {
    if (!into.scalar) into.scalar = new Map();
    const s = into.scalar;
    for (const [k, n] of v.scalar) s.set(k, f(s.get(k) ?? 0, n));
  }
}

const sum = (a: number, b: number) => a + b;
const max = (a: number, b: number) => Math.max(a, b);

/**
 * The pod's effective request. With nonZero, containers without a cpu/memory request count as
 * 100m/200Mi: that is what scoring uses, so best-effort pods still spread.
 */
export function podRequests(pod: Pod, nonZero = false): ResourceVector {
  const spec = pod.spec;
  const total = zero();
  for (const c of spec?.containers ?? []) combine(total, containerRequests(c, nonZero), sum);
  const init = spec?.initContainers;
  if (init?.length) {
    const sidecars = zero();
    const initMax = zero();
    for (const c of init) {
      const own = containerRequests(c, nonZero);
      if (c.restartPolicy === 'Always') {
        combine(total, own, sum);
        combine(sidecars, own, sum);
        combine(initMax, sidecars, max);
      } else {
        // A regular init container runs alongside the sidecars started before it.
        combine(own, sidecars, sum);
        combine(initMax, own, max);
      }
    }
    combine(total, initMax, max);
  }
  if (spec?.overhead) combine(total, toVector(spec.overhead as Quantities), sum);
  return total;
}
