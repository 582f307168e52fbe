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

/**
 * Whether and when an exited container starts again. `base` is the attempt the back-off counts
 * from: the kubelet forgets a container's back-off once an attempt ran for twice the maximum
 * (10 minutes), so a container that crashes after long runs restarts at once again.
 */
export function restartDecision(
  pod: Pod,
  c: RuntimeContainer,
  now: Date,
  backoff: Backoff,
  base = 0,
): RestartDecision {
  if (c.phase !== 'exited' || !policyRestarts(pod, c.exitCode ?? 0, c.init)) return 'never';
  const due = (c.finishedAt?.getTime() ?? now.getTime()) + backoffDelay(c.attempt - base, backoff);
  const wait = due - now.getTime();
  return wait <= 0 ? 'now' : wait;
}

/** A container start that failed (image pull, config, runtime), as pod sync recorded it. */
export interface StartFailure {
  /** Kubernetes' waiting reason: ErrImagePull, CreateContainerConfigError, RunContainerError, ... */
  reason: string;
  message: string;
  /** Failures in a row for this container. */
  count: number;
  at: Date;
}

/** How long a fresh failure shows its own reason before the back-off reason replaces it. */
export const FAILURE_SHOWN_MS = 1_000;

/** The waiting reason while a failed start backs off, as the kubelet shows it. */
const backOffReason: Record<string, string> = {
  ErrImagePull: 'ImagePullBackOff',
  RunContainerError: 'CrashLoopBackOff',
  CreateContainerError: 'CrashLoopBackOff',
};

/** Configuration errors are retried at a steady pace: they heal when the user creates the object. */
const STEADY_RETRY_MS = 10_000;

/** Milliseconds until a failed start may be tried again (0: now). */
export function failureWait(f: StartFailure, now: Date, backoff: Backoff): number {
  const delay = backOffReason[f.reason]
    ? backoffDelay(f.count, backoff)
    : Math.min(STEADY_RETRY_MS, backoff.maxMs);
  return Math.max(0, f.at.getTime() + delay - now.getTime());
}

/** The container's waiting state while its last start failure stands. */
export function failureWaiting(
  f: StartFailure,
  image: string,
  now: Date,
): { reason: string; message: string } {
  const fresh = now.getTime() - f.at.getTime() < FAILURE_SHOWN_MS;
  const later = backOffReason[f.reason];
  if (fresh || !later) return { reason: f.reason, message: f.message };
  if (later === 'ImagePullBackOff') return { reason: later, message: `Back-off pulling image "${image}"` };
  return { reason: later, message: f.message };
}

/** True when an exited attempt ran long enough for the kubelet to forget its back-off. */
export function ranLongEnough(c: RuntimeContainer, backoff: Backoff): boolean {
  if (c.phase !== 'exited' || !c.startedAt || !c.finishedAt) return false;
  return c.finishedAt.getTime() - c.startedAt.getTime() >= 2 * backoff.maxMs;
}
