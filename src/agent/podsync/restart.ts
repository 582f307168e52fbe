/**
 * When an exited container runs again: restartPolicy decides whether, the crash-loop back-off
 * decides when. As the kubelet: the first restart is immediate, then waits double from 10 s up
 * to 5 min, measured from when the last attempt finished. Shared by the planner (which restarts)
 * and the status (which says CrashLoopBackOff meanwhile), so they never disagree.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { RuntimeContainer } from '../runtime/runtime.js';

/** Crash-loop back-off bounds (kubelet: 10 s initial, 300 s max). */
export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const defaultBackoff: Backoff = { initialMs: 10_000, maxMs: 300_000 };

/** 'never': stays exited; 'now': restart; a number: restart after that many more milliseconds. */
export type RestartDecision = 'never' | 'now' | number;

/** True when the policy restarts a container that exited with this code. */
export function policyRestarts(pod: Pod, exitCode: number, init: boolean): boolean {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  // Init containers must succeed: Always and OnFailure both retry a failed one.
  if (init) return exitCode !== 0 && policy !== 'Never';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** The back-off before the attempt after `attempt` (0-based): none after the first failure. */
export function backoffDelay(attempt: number, backoff: Backoff): number {
  if (attempt <= 0) return 0;
  return Math.min(backoff.initialMs * 2 ** (attempt - 1), backoff.maxMs);
}

/** Whether and when an exited container starts again. */
export function restartDecision(pod: Pod, c: RuntimeContainer, now: Date, backoff: Backoff): RestartDecision {
  if (c.phase !== 'exited' || !policyRestarts(pod, c.exitCode ?? 0, c.init)) return 'never';
  const due = (c.finishedAt?.getTime() ?? now.getTime()) + backoffDelay(c.attempt, backoff);
  const wait = due - now.getTime();
  return wait <= 0 ? 'now' : wait;
}
