/**
 * The pod-sync planner: given the pods bound to this agent's nodes (desired) and what the
 * runtime holds (observed), the actions that converge them (DESIGN.md convention 3). Pure: no
 * I/O, time comes in through the context, so tests drive it with tables of cases.
 */
import type { Container, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '../../api/deep-equal.js';
import type { RuntimeContainer, RuntimePod } from '../runtime/runtime.js';
import {
  type Backoff,
  FAILURE_SHOWN_MS,
  failureWait,
  restartDecision,
  type StartFailure,
} from './restart.js';
import { type ProbeView, podStatus } from './status.js';

/** Something the executor does. Runtime actions come first in a plan, API writes last. */
export type Action =
  | { type: 'createSandbox'; pod: Pod }
  | { type: 'startContainer'; pod: Pod; container: Container; init: boolean }
  | { type: 'stopPod'; uid: string; gracePeriodSeconds: number }
  | { type: 'removePod'; uid: string }
  | { type: 'updateStatus'; pod: Pod; status: PodStatus }
  /** Deletes the pod object for good (grace 0, uid precondition): the end of graceful deletion. */
  | { type: 'deletePod'; pod: Pod }
  /** Plan this pod again after a while (a crash-loop back-off ends). */
  | { type: 'requeue'; pod: Pod; afterMs: number };

export interface PlanContext {
  now: Date;
  backoff: Backoff;
  /** The InternalIP of the node a pod is bound to. */
  hostIP(nodeName: string): string;
  /** The standing start failure of a container, if its last start failed. */
  failure?(podUID: string, name: string, init: boolean): StartFailure | undefined;
  /** Probe results for a running container (none: started and ready once running). */
  probe?: ProbeView;
  /** The attempt a container's crash-loop back-off counts from (0 unless it was reset). */
  backoffBase?(podUID: string, c: RuntimeContainer): number;
}

const isTerminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const uidOf = (pod: Pod) => pod.metadata!.uid!;

function live(rp: RuntimePod): boolean {
  return rp.containers.some((c) => c.phase !== 'exited');
}

/** Stop what still runs, then remove the sandbox. */
function teardown(rp: RuntimePod | undefined, gracePeriodSeconds: number): Action[] {
  if (!rp) return [];
  const actions: Action[] = [];
  if (live(rp)) actions.push({ type: 'stopPod', uid: rp.uid, gracePeriodSeconds });
  actions.push({ type: 'removePod', uid: rp.uid });
  return actions;
}

/** Graceful deletion: containers stop first, then the object goes. */
function planDeletion(pod: Pod, rp: RuntimePod | undefined): Action[] {
  if (rp && live(rp)) {
    const grace = pod.metadata!.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    return [{ type: 'stopPod', uid: rp.uid, gracePeriodSeconds: grace }];
  }
  return [...(rp ? [{ type: 'removePod', uid: rp.uid } as Action] : []), { type: 'deletePod', pod }];
}

/** Starts or restarts one container; returns false while it must not proceed (running or waiting). */
function planContainer(
  pod: Pod,
  spec: Container,
  state: RuntimeContainer | undefined,
  init: boolean,
  ctx: PlanContext,
  actions: Action[],
): 'done' | 'busy' | 'failed' {
  if (state && state.phase !== 'exited') return 'busy';
  if (state && state.exitCode === 0 && init) return 'done';
  const decision = state
    ? restartDecision(pod, state, ctx.now, ctx.backoff, ctx.backoffBase?.(uidOf(pod), state))
    : 'now';
  if (decision === 'never') return state?.exitCode === 0 ? 'done' : 'failed';
  let wait = decision === 'now' ? 0 : decision;
  const failure = ctx.failure?.(uidOf(pod), spec.name, init);
  if (failure) {
    wait = Math.max(wait, failureWait(failure, ctx.now, ctx.backoff));
    // Wake when the fresh failure's reason gives way to the back-off reason, so status shows it.
    const shown = failure.at.getTime() + FAILURE_SHOWN_MS - ctx.now.getTime();
    if (shown > 0 && wait > shown) wait = shown;
  }
  if (wait === 0) actions.push({ type: 'startContainer', pod, container: spec, init });
  else actions.push({ type: 'requeue', pod, afterMs: wait });
  return 'busy';
}

/** Init containers one at a time, in order; then every app container. */
function planContainers(pod: Pod, rp: RuntimePod, ctx: PlanContext): Action[] {
  const actions: Action[] = [];
  if (rp.stopping) return actions;
  const find = (name: string, init: boolean) => rp.containers.find((c) => c.name === name && c.init === init);
  for (const c of pod.spec?.initContainers ?? []) {
    const outcome = planContainer(pod, c, find(c.name, true), true, ctx, actions);
    if (outcome !== 'done') return actions;
  }
  for (const c of pod.spec?.containers ?? []) planContainer(pod, c, find(c.name, false), false, ctx, actions);
  return actions;
}

/** The actions for one pod the API says should run here (and its sandbox, if any). */
export function planPod(pod: Pod, rp: RuntimePod | undefined, ctx: PlanContext): Action[] {
  if (pod.metadata?.deletionTimestamp) return planDeletion(pod, rp);
  // A finished pod never runs again; its sandbox is only clutter.
  if (isTerminal(pod)) return teardown(rp, 0);
  const actions: Action[] = rp ? planContainers(pod, rp, ctx) : [{ type: 'createSandbox', pod }];
  const status = podStatus(pod, rp, {
    now: ctx.now,
    hostIP: ctx.hostIP(pod.spec!.nodeName!),
    backoff: ctx.backoff,
    failure: ctx.failure,
    probe: ctx.probe,
    backoffBase: ctx.backoffBase,
  });
  if (!deepEqual(status, pod.status)) actions.push({ type: 'updateStatus', pod, status });
  return actions;
}

/**
 * The whole plan: every desired pod planned against its sandbox (matched by uid, so a pod
 * recreated under the same name is a new pod), and every sandbox no desired pod claims torn down.
 */
export function plan(desired: Pod[], observed: RuntimePod[], ctx: PlanContext): Action[] {
  const byUID = new Map(observed.map((rp) => [rp.uid, rp]));
  const actions: Action[] = [];
  const wanted = new Set<string>();
  for (const pod of desired) {
    wanted.add(uidOf(pod));
    actions.push(...planPod(pod, byUID.get(uidOf(pod)), ctx));
  }
  for (const rp of observed) if (!wanted.has(rp.uid)) actions.push(...teardown(rp, 0));
  return actions;
}
