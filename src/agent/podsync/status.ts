/**
 * A pod's status from what the runtime observed, as the kubelet reports it: phase, the
 * conditions kubectl and controllers read (with lastTransitionTime kept while a condition holds),
 * container statuses with state, restarts and ids, and the pod and host IPs. Pure: the planner
 * calls it and compares with what the API holds, so only real changes are written.
 */
import type { Container, ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1.js';
import type { RuntimeContainer, RuntimePod } from '../runtime/runtime.js';
import { type Backoff, failureWaiting, restartDecision, type StartFailure } from './restart.js';

/** Probe results of a running container; undefined when it has no probes (started, ready). */
export type ProbeView = (
  podUID: string,
  c: RuntimeContainer,
) => { started: boolean; ready: boolean } | undefined;

export interface StatusContext {
  now: Date;
  /** The node's InternalIP. */
  hostIP: string;
  backoff: Backoff;
  /** The standing start failure of a container, if its last start failed. */
  failure?(podUID: string, name: string, init: boolean): StartFailure | undefined;
  probe?: ProbeView;
  backoffBase?(podUID: string, c: RuntimeContainer): number;
}

/** Conditions the agent owns; others (PodScheduled, DisruptionTarget, gates) are kept as found. */
const OWNED = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function stateOf(rp: RuntimePod | undefined, name: string, init: boolean): RuntimeContainer | undefined {
  return rp?.containers.find((c) => c.name === name && c.init === init);
}

function terminated(c: {
  id: string;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  reason?: string;
  message?: string;
}) {
  return {
    terminated: {
      exitCode: c.exitCode ?? 0,
      reason: c.reason ?? 'Completed',
      ...(c.message ? { message: c.message } : {}),
      startedAt: c.startedAt ? iso(c.startedAt) : undefined,
      finishedAt: c.finishedAt ? iso(c.finishedAt) : undefined,
      containerID: c.id,
    },
  };
}

/** One containerStatuses entry; `waitingFor` is the reason a not-yet-started container waits. */
function containerStatus(
  pod: Pod,
  spec: Container,
  c: RuntimeContainer | undefined,
  waitingFor: string,
  ctx: StatusContext,
  init: boolean,
): ContainerStatus {
  const base = {
    name: spec.name,
    image: spec.image ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
  };
  const failure = ctx.failure?.(pod.metadata!.uid!, spec.name, init);
  if (!c) {
    const waiting = failure ? failureWaiting(failure, spec.image ?? '', ctx.now) : { reason: waitingFor };
    return { ...base, state: { waiting } };
  }
  const status: ContainerStatus = { ...base, image: c.image, imageID: c.imageID, restartCount: c.attempt };
  if (c.previous) status.lastState = terminated(c.previous);
  if (c.phase === 'created') return { ...status, state: { waiting: { reason: 'ContainerCreating' } } };
  const withID = { ...status, containerID: c.id };
  if (c.phase === 'running') {
    const probed = ctx.probe?.(pod.metadata!.uid!, c);
    return {
      ...withID,
      ready: !c.init && (probed?.ready ?? true),
      started: probed?.started ?? true,
      state: { running: { startedAt: iso(c.startedAt ?? ctx.now) } },
    };
  }
  const decision = restartDecision(pod, c, ctx.now, ctx.backoff, ctx.backoffBase?.(pod.metadata!.uid!, c));
  if (failure && decision !== 'never') {
    return {
      ...withID,
      lastState: terminated(c),
      state: { waiting: failureWaiting(failure, spec.image ?? '', ctx.now) },
    };
  }
  if (typeof decision === 'number') {
    const seconds = Math.round((decision + (ctx.now.getTime() - (c.finishedAt?.getTime() ?? 0))) / 1000);
    const meta = pod.metadata!;
    return {
      ...withID,
      lastState: terminated(c),
      state: {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${seconds}s restarting failed container=${spec.name} pod=${meta.name}_${meta.namespace}(${meta.uid})`,
        },
      },
    };
  }
  return { ...withID, state: terminated(c) };
}

/** The pod phase from its container statuses, as the kubelet's getPhase. */
export function podPhase(pod: Pod, init: ContainerStatus[], main: ContainerStatus[]): string {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const initFailed = init.some((s) => (s.state?.terminated?.exitCode ?? 0) !== 0 && s.state?.terminated);
  if (initFailed && policy === 'Never') return 'Failed';
  if (!init.every((s) => s.state?.terminated?.exitCode === 0)) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of main) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

function condition(
  old: PodCondition[],
  type: string,
  ok: boolean,
  now: Date,
  reason?: string,
  message?: string,
): PodCondition {
  const status = ok ? 'True' : 'False';
  const prev = old.find((c) => c.type === type);
  const c: PodCondition = {
    type,
    status,
    lastProbeTime: null as unknown as string,
    lastTransitionTime:
      prev?.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : iso(now),
  };
  if (!ok && reason) c.reason = reason;
  if (!ok && message) c.message = message;
  return c;
}

function conditions(
  pod: Pod,
  rp: RuntimePod | undefined,
  phase: string,
  init: ContainerStatus[],
  main: ContainerStatus[],
  now: Date,
): PodCondition[] {
  const old = pod.status?.conditions ?? [];
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const incomplete = init.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const unready = main.filter((s) => !s.ready).map((s) => s.name);
  const gates = pod.spec?.readinessGates ?? [];
  const gatesOpen = gates.every((g) => old.some((c) => c.type === g.conditionType && c.status === 'True'));
  const ready = unready.length === 0 && !terminal;
  const notReady = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMsg = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const kept = old.filter((c) => !OWNED.has(c.type));
  if (!kept.some((c) => c.type === 'PodScheduled')) kept.unshift(condition([], 'PodScheduled', true, now));
  return [
    condition(old, 'PodReadyToStartContainers', rp !== undefined && !terminal, now),
    condition(
      old,
      'Initialized',
      incomplete.length === 0,
      now,
      'ContainersNotInitialized',
      `containers with incomplete status: [${incomplete.join(' ')}]`,
    ),
    condition(
      old,
      'Ready',
      ready && gatesOpen,
      now,
      ready ? 'ReadinessGatesNotReady' : notReady,
      ready ? 'the status of pod readiness gate is not "True"' : notReadyMsg,
    ),
    condition(old, 'ContainersReady', ready, now, notReady, notReadyMsg),
    ...kept,
  ];
}

/** The status the pod should have given the runtime's view of it. */
export function podStatus(pod: Pod, rp: RuntimePod | undefined, ctx: StatusContext): PodStatus {
  const spec = pod.spec!;
  const initSpecs = spec.initContainers ?? [];
  let blocked = false;
  const init = initSpecs.map((c) => {
    const s = containerStatus(
      pod,
      c,
      stateOf(rp, c.name, true),
      blocked ? 'PodInitializing' : 'ContainerCreating',
      ctx,
      true,
    );
    if (s.state?.terminated?.exitCode !== 0) blocked = true;
    return s;
  });
  const waitingFor = blocked ? 'PodInitializing' : 'ContainerCreating';
  const main = spec.containers.map((c) =>
    containerStatus(pod, c, stateOf(rp, c.name, false), waitingFor, ctx, false),
  );
  const phase = podPhase(pod, init, main);
  const old = pod.status ?? {};
  const status: PodStatus = {
    ...old,
    phase,
    conditions: conditions(pod, rp, phase, init, main, ctx.now),
    hostIP: ctx.hostIP,
    hostIPs: [{ ip: ctx.hostIP }],
    startTime: old.startTime ?? iso(ctx.now),
    containerStatuses: main,
  };
  if (init.length) status.initContainerStatuses = init;
  if (rp) {
    status.podIP = rp.ip;
    status.podIPs = [{ ip: rp.ip }];
  }
  return status;
}
