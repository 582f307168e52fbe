/**
 * Resource arithmetic as the kubelet does it, pure so tests pin the numbers: a pod's QoS class,
 * its cgroup parent under the cgroupfs layout, the container-level cgroup values (cpu shares
 * from requests, CFS quota from limits, memory limit) and the pod-level ones, and the
 * oom_score_adj each container gets by QoS.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../../registry/common/quantity.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

/** The CFS period the kubelet uses (100 ms). */
export const CFS_PERIOD_US = 100_000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;
const MIN_QUOTA_US = 1000;
const GUARANTEED_OOM_SCORE_ADJ = -997;
const BESTEFFORT_OOM_SCORE_ADJ = 1000;

/** Cgroup values for a container or a pod; undefined fields are left unlimited. */
export interface CgroupValues {
  cpuShares: number;
  cpuQuotaUs?: number;
  cpuPeriodUs?: number;
  memoryLimitBytes?: number;
  pidsLimit?: number;
}

type ResourceName = 'cpu' | 'memory';
const QOS_RESOURCES: ResourceName[] = ['cpu', 'memory'];

function quantity(map: Record<string, string | number> | undefined, name: string): number | undefined {
  const raw = map?.[name];
  if (raw === undefined) return undefined;
  return parseQuantity(raw);
}

/** A container's requests, with unset requests defaulting to limits (as API defaulting does). */
export function requestOf(c: Container, name: ResourceName): number | undefined {
  return quantity(c.resources?.requests, name) ?? quantity(c.resources?.limits, name);
}

export function limitOf(c: Container, name: ResourceName): number | undefined {
  return quantity(c.resources?.limits, name);
}

/** Milli-units, rounded up as resource.Quantity.MilliValue does. */
const milli = (v: number) => Math.ceil(v * 1000 - 1e-9);

/** The pod's QoS class (kubelet's GetPodQOS): over init and app containers, cpu and memory only. */
export function qosClass(pod: Pod): QOSClass {
  const requests = new Map<ResourceName, number>();
  const limits = new Map<ResourceName, number>();
  let guaranteed = true;
  const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    for (const r of QOS_RESOURCES) {
      const req = requestOf(c, r);
      if (req !== undefined && req !== 0) requests.set(r, (requests.get(r) ?? 0) + req);
    }
    let limitsFound = 0;
    for (const r of QOS_RESOURCES) {
      const lim = limitOf(c, r);
      if (lim !== undefined && lim !== 0) {
        limitsFound++;
        limits.set(r, (limits.get(r) ?? 0) + lim);
      }
    }
    if (limitsFound !== QOS_RESOURCES.length) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [r, v] of requests) if (limits.get(r) !== v) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** The cgroup every pod goes under, as the kubelet's default cgroup root. */
export const PODS_CGROUP_ROOT = '/kubepods';

/**
 * The pod's cgroup, relative to each controller's root, as the kubelet's cgroupfs driver names
 * it: Guaranteed pods sit directly under /kubepods, the others under their QoS class.
 */
export function podCgroupParent(uid: string, qos: QOSClass, base = PODS_CGROUP_ROOT): string {
  if (qos === 'Guaranteed') return `${base}/pod${uid}`;
  return `${base}/${qos === 'Burstable' ? 'burstable' : 'besteffort'}/pod${uid}`;
}

/** cpu.shares from milli-CPUs (kubelet's MilliCPUToShares). */
export function milliCPUToShares(millis: number): number {
  if (millis <= 0) return MIN_SHARES;
  const shares = Math.floor((millis * 1024) / 1000);
  return Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
}

/** CFS quota from a milli-CPU limit (kubelet's MilliCPUToQuota): at least 1 ms per period. */
export function milliCPUToQuota(millis: number, periodUs = CFS_PERIOD_US): number {
  if (millis <= 0) return 0;
  return Math.max(MIN_QUOTA_US, Math.floor((millis * periodUs) / 1000));
}

/** cgroup v2 cpu.weight from v1 shares (the conversion runc and the kubelet use). */
export function sharesToWeight(shares: number): number {
  if (shares <= 0) return 100;
  return Math.floor(1 + ((shares - 2) * 9999) / 262_142);
}

/** One container's cgroup values. */
export function containerCgroupValues(c: Container, pidsLimit?: number): CgroupValues {
  const cpuReq = requestOf(c, 'cpu');
  const cpuLim = limitOf(c, 'cpu');
  const memLim = limitOf(c, 'memory');
  const values: CgroupValues = { cpuShares: milliCPUToShares(cpuReq === undefined ? 0 : milli(cpuReq)) };
  if (cpuLim !== undefined && cpuLim > 0) {
    values.cpuQuotaUs = milliCPUToQuota(milli(cpuLim));
    values.cpuPeriodUs = CFS_PERIOD_US;
  }
  if (memLim !== undefined && memLim > 0) values.memoryLimitBytes = Math.floor(memLim);
  if (pidsLimit !== undefined && pidsLimit > 0) values.pidsLimit = pidsLimit;
  return values;
}

/**
 * A pod's effective request or limit of one resource: the larger of the app containers' sum and
 * the largest init container (they run one at a time, before the app containers). Undefined for
 * limits when any container has none (the pod is then unlimited in that resource).
 */
function podTotal(pod: Pod, pick: (c: Container) => number | undefined, unlimitedIfMissing: boolean) {
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const v = pick(c);
    if (v === undefined || v === 0) {
      if (unlimitedIfMissing) return undefined;
      continue;
    }
    sum += v;
  }
  let maxInit = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    const v = pick(c);
    if (v === undefined || v === 0) {
      if (unlimitedIfMissing) return undefined;
      continue;
    }
    maxInit = Math.max(maxInit, v);
  }
  return Math.max(sum, maxInit);
}

/** The pod cgroup's values (kubelet's ResourceConfigForPod). */
export function podCgroupValues(pod: Pod, pidsLimit?: number): CgroupValues {
  const cpuReq = podTotal(pod, (c) => requestOf(c, 'cpu'), false) ?? 0;
  const values: CgroupValues = { cpuShares: milliCPUToShares(milli(cpuReq)) };
  const cpuLim = podTotal(pod, (c) => limitOf(c, 'cpu'), true);
  if (cpuLim !== undefined && cpuLim > 0) {
    values.cpuQuotaUs = milliCPUToQuota(milli(cpuLim));
    values.cpuPeriodUs = CFS_PERIOD_US;
  }
  const memLim = podTotal(pod, (c) => limitOf(c, 'memory'), true);
  if (memLim !== undefined && memLim > 0) values.memoryLimitBytes = Math.floor(memLim);
  if (pidsLimit !== undefined && pidsLimit > 0) values.pidsLimit = pidsLimit;
  return values;
}

function isNodeCritical(pod: Pod): boolean {
  return (
    pod.spec?.priorityClassName === 'system-node-critical' ||
    (pod.spec?.priority !== undefined && pod.spec.priority >= 2_000_000_000)
  );
}

/** A container's oom_score_adj (kubelet's GetContainerOOMScoreAdjust). */
export function oomScoreAdj(pod: Pod, c: Container, memoryCapacity: number, qos = qosClass(pod)): number {
  if (isNodeCritical(pod) || qos === 'Guaranteed') return GUARANTEED_OOM_SCORE_ADJ;
  if (qos === 'BestEffort') return BESTEFFORT_OOM_SCORE_ADJ;
  const request = Math.floor(requestOf(c, 'memory') ?? 0);
  const adj = 1000 - Math.floor((1000 * request) / memoryCapacity);
  // Burstable pods stay above Guaranteed ones and below BestEffort ones.
  if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) return 1000 + GUARANTEED_OOM_SCORE_ADJ;
  if (adj === BESTEFFORT_OOM_SCORE_ADJ) return adj - 1;
  return adj;
}
