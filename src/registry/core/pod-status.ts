/**
 * Derived pod facts: the QoS class (as the kubelet's qos.GetPodQOS computes it) and the cells
 * `kubectl get pods` shows (READY, STATUS, RESTARTS), following kubectl's printPod rules.
 */
import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { humanAge } from '../common/format.js';
import { parseQuantity } from '../common/quantity.js';

const QOS_RESOURCES = ['cpu', 'memory'];

function positive(m: Record<string, unknown> | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(m ?? {})) {
    if (!QOS_RESOURCES.includes(k)) continue;
    try {
      const n = parseQuantity(v as string);
      if (n > 0) out.set(k, n);
    } catch {
      // Invalid quantities are rejected by validation; ignore them for classification.
    }
  }
  return out;
}

/** Guaranteed, Burstable or BestEffort, from cpu/memory requests and limits of every container. */
export function podQOSClass(pod: Pod): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const requests = new Map<string, number>();
  const limits = new Map<string, number>();
  let guaranteed = true;
  const all: Container[] = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  for (const c of all) {
    for (const [k, v] of positive(c.resources?.requests)) requests.set(k, (requests.get(k) ?? 0) + v);
    const found = positive(c.resources?.limits);
    for (const [k, v] of found) limits.set(k, (limits.get(k) ?? 0) + v);
    if (!QOS_RESOURCES.every((r) => found.has(r))) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [k, v] of requests) if (limits.get(k) !== v) guaranteed = false;
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}

/** What the READY, STATUS and RESTARTS cells of a pod row show. */
export interface PodCells {
  ready: string;
  status: string;
  restarts: string;
}

interface Tally {
  restarts: number;
  lastRestart: string;
}

function noteRestart(t: Tally, cs: ContainerStatus): void {
  t.restarts += cs.restartCount ?? 0;
  const finished = cs.lastState?.terminated?.finishedAt;
  if (finished && (!t.lastRestart || Date.parse(finished) > Date.parse(t.lastRestart)))
    t.lastRestart = finished;
}

function terminatedReason(
  prefix: string,
  term: { reason?: string; signal?: number; exitCode: number },
): string {
  if (term.reason) return `${prefix}${term.reason}`;
  return term.signal ? `${prefix}Signal:${term.signal}` : `${prefix}ExitCode:${term.exitCode}`;
}

function hasCondition(pod: Pod, type: string): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** kubectl's pod row cells: "1/1", "CrashLoopBackOff", "3 (5m ago)". */
export function podCells(pod: Pod, now: Date): PodCells {
  const spec = pod.spec ?? { containers: [] };
  const status = pod.status ?? {};
  const restartable = new Set(
    (spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name),
  );
  const total = (spec.containers ?? []).length + restartable.size;
  let ready = 0;
  let reason = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }
  const all: Tally = { restarts: 0, lastRestart: '' };
  const sidecars: Tally = { restarts: 0, lastRestart: '' };
  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const cs = inits[i];
    noteRestart(all, cs);
    const isSidecar = restartable.has(cs.name);
    if (isSidecar) noteRestart(sidecars, cs);
    const term = cs.state?.terminated;
    if (term && term.exitCode === 0) continue;
    if (isSidecar && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (term) reason = terminatedReason('Init:', term);
    else if (cs.state?.waiting?.reason && cs.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${cs.state.waiting.reason}`;
    } else reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    initializing = true;
    break;
  }
  let restarts = all;
  if (!initializing || hasCondition(pod, 'Initialized')) {
    restarts = { ...sidecars };
    let hasRunning = false;
    const css = status.containerStatuses ?? [];
    for (let i = css.length - 1; i >= 0; i--) {
      const cs = css[i];
      noteRestart(restarts, cs);
      const st = cs.state;
      if (st?.waiting?.reason) reason = st.waiting.reason;
      else if (st?.terminated) reason = terminatedReason('', st.terminated);
      else if (cs.ready && st?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) reason = hasCondition(pod, 'Ready') ? 'Running' : 'NotReady';
  }
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && !terminal) reason = 'Terminating';
  const restartsCell =
    restarts.restarts !== 0 && restarts.lastRestart
      ? `${restarts.restarts} (${humanAge(restarts.lastRestart, now)} ago)`
      : String(restarts.restarts);
  return { ready: `${ready}/${total}`, status: reason, restarts: restartsCell };
}
