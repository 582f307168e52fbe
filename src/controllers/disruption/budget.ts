/**
 * PodDisruptionBudget arithmetic (Kubernetes' disruption controller): how many pods are
 * expected, how many must stay healthy, how many are healthy now, and so how many may be
 * disrupted. Pure over the budget, its pods and the time, so the rules test without a server.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Condition } from 'kubernetes-types/meta/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';

/** How long an eviction the API server recorded in status.disruptedPods keeps its pod unhealthy. */
export const deletionTimeoutMs = 2 * 60 * 1000;

/** The pod is Ready (condition True). */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Whether the budget's desired count depends on its controllers' scale (percent or maxUnavailable). */
export function needsScale(pdb: PodDisruptionBudget): boolean {
  const spec = pdb.spec ?? {};
  return spec.maxUnavailable !== undefined || typeof spec.minAvailable === 'string';
}

/** An int-or-percent of `total`, percentages rounded up (GetScaledValueFromIntOrPercent). */
export function scaled(v: number | string, total: number): number {
  if (typeof v === 'number') return v;
  const pct = Number.parseInt(v.replace('%', ''), 10);
  return Math.ceil((pct * total) / 100);
}

/**
 * Expected pods and desired healthy pods. `scale` is the summed replicas of the pods'
 * controllers, needed (see needsScale) for maxUnavailable and percentages; an integer
 * minAvailable counts the pods themselves.
 */
export function expectedAndDesired(
  pdb: PodDisruptionBudget,
  podCount: number,
  scale?: number,
): { expected: number; desired: number } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined) {
    const expected = scale ?? podCount;
    return { expected, desired: Math.max(0, expected - scaled(spec.maxUnavailable, expected)) };
  }
  if (typeof spec.minAvailable === 'number') return { expected: podCount, desired: spec.minAvailable };
  if (typeof spec.minAvailable === 'string') {
    const expected = scale ?? podCount;
    return { expected, desired: scaled(spec.minAvailable, expected) };
  }
  return { expected: 0, desired: 0 };
}

/**
 * The disruptedPods entries still in force: recorded evictions whose pod still exists, is not yet
 * being deleted, and whose two minutes have not run out. Also returns when the first entry lapses.
 */
export function liveDisruptions(
  recorded: Record<string, string> | undefined,
  pods: Pod[],
  now: Date,
): { live: Record<string, string>; recheckAt?: Date } {
  const live: Record<string, string> = {};
  let recheck: number | undefined;
  const byName = new Map(pods.map((p) => [p.metadata?.name, p]));
  for (const [name, at] of Object.entries(recorded ?? {})) {
    const pod = byName.get(name);
    if (!pod || pod.metadata?.deletionTimestamp) continue;
    const expires = Date.parse(at) + deletionTimeoutMs;
    if (expires <= now.getTime()) continue;
    live[name] = at;
    recheck = recheck === undefined ? expires : Math.min(recheck, expires);
  }
  return { live, recheckAt: recheck === undefined ? undefined : new Date(recheck) };
}

/** Ready pods that are neither being deleted nor recently evicted. */
export function countHealthy(pods: Pod[], disrupted: Record<string, string>): number {
  return pods.filter(
    (p) =>
      !p.metadata?.deletionTimestamp && !Object.hasOwn(disrupted, p.metadata?.name ?? '') && isPodReady(p),
  ).length;
}

function disruptionCondition(
  old: Condition[] | undefined,
  status: 'True' | 'False',
  reason: string,
  message: string,
  now: Date,
): Condition[] {
  const prev = old?.find((c) => c.type === 'DisruptionAllowed');
  const unchanged = prev?.status === status;
  const cond: Condition = {
    type: 'DisruptionAllowed',
    status,
    reason,
    message,
    lastTransitionTime: unchanged ? prev.lastTransitionTime : now.toISOString().replace(/\.\d+Z$/, 'Z'),
  };
  return [...(old ?? []).filter((c) => c.type !== 'DisruptionAllowed'), cond];
}

/** The budget's status from its pods (`scale` as for expectedAndDesired). */
export function budgetStatus(
  pdb: PodDisruptionBudget,
  pods: Pod[],
  now: Date,
  scale?: number,
): { status: PodDisruptionBudgetStatus; recheckAt?: Date } {
  const { live, recheckAt } = liveDisruptions(pdb.status?.disruptedPods, pods, now);
  const currentHealthy = countHealthy(pods, live);
  const { expected, desired } = expectedAndDesired(pdb, pods.length, scale);
  // No expected pods means no budget to spend: a budget must not allow disruptions it has not
  // yet computed for pods that are about to appear.
  const allowed = expected <= 0 ? 0 : Math.max(0, currentHealthy - desired);
  const status: PodDisruptionBudgetStatus = {
    observedGeneration: pdb.metadata?.generation,
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions:
      allowed > 0
        ? disruptionCondition(pdb.status?.conditions, 'True', 'SufficientPods', '', now)
        : disruptionCondition(pdb.status?.conditions, 'False', 'InsufficientPods', '', now),
  };
  if (Object.keys(live).length > 0) status.disruptedPods = live;
  return { status, recheckAt };
}

/** The status when the expected count cannot be computed: nothing may be disrupted. */
export function failSafeStatus(
  pdb: PodDisruptionBudget,
  message: string,
  now: Date,
): PodDisruptionBudgetStatus {
  return {
    ...(pdb.status ?? { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 }),
    observedGeneration: pdb.metadata?.generation,
    disruptionsAllowed: 0,
    conditions: disruptionCondition(pdb.status?.conditions, 'False', 'SyncFailed', message, now),
  } as PodDisruptionBudgetStatus;
}
