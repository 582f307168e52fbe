/**
 * The runc runtime's options and in-memory records: a pod's sandbox state and, per container
 * name, the current and previous attempts, with how they show as RuntimeContainers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../../../client/types.js';
import type { ImageConfig } from '../../images/manifest.js';
import { ContainerStartError, type RuntimeContainer, type RuntimePod } from '../runtime.js';
import { LaunchError } from './conmon.js';
import type { LogRotationLimits } from './log-rotation.js';
import { SpecError } from './oci-spec.js';
import type { ContainerState, PodState } from './state.js';
import { UserError } from './user.js';

/** What the image store gives a container: its root filesystem and how to run it. */
export interface RuncImages {
  prepare(
    image: string,
    policy: 'Always' | 'IfNotPresent' | 'Never',
    auths: Array<{ username: string; password: string }>,
    containerDir: string,
  ): Promise<{
    rootfs: string;
    imageRef: string;
    imageID: string;
    config: ImageConfig;
  }>;
  /** Unmounts the container's rootfs; idempotent. */
  release(containerDir: string): Promise<void>;
}

/** Pod networking: a network namespace with the pod's IP, and its removal. */
export interface RuncNetwork {
  setup(
    pod: { uid: string; namespace: string; name: string },
    portMappings: Array<{ hostPort: number; containerPort: number; protocol: string; hostIP?: string }>,
  ): Promise<{ netnsPath: string; ip: string }>;
  teardown(uid: string): Promise<void>;
}

export interface RuncRuntimeOptions {
  /** State: <root>/pods/<uid>/{pod.json, containers/<id>/...}, <root>/runc (runc's own root). */
  root: string;
  /** CRI-format logs: <logRoot>/<ns>_<name>_<uid>/<container>/<attempt>.log */
  logRoot: string;
  images: RuncImages;
  network: RuncNetwork;
  /** The only driver: cgroupfs paths, on v1 (every hierarchy) or v2 (unified), detected. */
  cgroupDriver?: 'cgroupfs';
  runc?: string;
  conmon?: string;
  /** python3, for terminals, attach and connections inside the pod's network namespace. */
  python?: string;
  nsenter?: string;
  clock?: Clock;
  log?: (line: string) => void;
  /** The cgroup all pods go under, as the kubelet's cgroup root (default /kubepods). */
  cgroupParent?: string;
  /** pids.max for every container and pod (default: none). */
  pidsLimit?: number;
  /** The node's memory in bytes, for Burstable oom_score_adj (default: this host's). */
  memoryCapacity?: number;
  /** The safety-net poll of the exit directory (default 3000 ms). */
  exitPollMs?: number;
  /** When running containers' logs are rotated (default: over 10 MiB, 5 files kept). */
  logRotation?: LogRotationLimits;
  /** How often running attempts are looked after: log rotation, a lost conmon (default 10 s). */
  housekeepingMs?: number;
}

export interface Entry {
  state: ContainerState;
  dir: string;
  /** Set while startContainer runs: exit files are left for it to look at afterwards. */
  starting: boolean;
  exitHandling?: Promise<void>;
  exited: Promise<void>;
  markExited: () => void;
}

export interface Slot {
  current?: Entry;
  previous?: Entry;
}

export interface PodRecord {
  state: PodState;
  view: RuntimePod;
  slots: Map<string, Slot>;
  /** Background work (releasing replaced attempts) that removePod waits for. */
  busy: Promise<void>;
  /** removePod is taking it apart: exits are no longer recorded. */
  removing?: boolean;
}

/** SIGKILL follows SIGTERM after at least this long, as the kubelet's minimum grace. */
export const MIN_GRACE_SECONDS = 2;

export function findBinary(
  name: string,
  dirs = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'],
) {
  for (const d of dirs) if (existsSync(join(d, name))) return join(d, name);
  return name;
}

export function newEntry(state: ContainerState, dir: string): Entry {
  let markExited!: () => void;
  const exited = new Promise<void>((r) => {
    markExited = r;
  });
  if (state.phase === 'exited') markExited();
  return { state, dir, starting: false, exited, markExited };
}

/** The pod uid of a container directory (<root>/pods/<uid>/containers/<id>). */
export const dirUid = (dir: string) => dir.split('/').slice(-3)[0];

/** Read through a function, so narrowing does not outlive the awaits that change it. */
export const isExited = (e: Entry) => e.state.phase === 'exited';

const date = (s: string | undefined) => (s ? new Date(s) : undefined);

export function view(entry: Entry, previous: Entry | undefined): RuntimeContainer {
  const s = entry.state;
  const p = previous?.state;
  return {
    name: s.name,
    id: `runc://${s.id}`,
    image: s.image,
    imageID: s.imageID,
    phase: s.phase,
    attempt: s.attempt,
    init: s.init,
    createdAt: new Date(s.createdAt),
    startedAt: date(s.startedAt),
    finishedAt: date(s.finishedAt),
    exitCode: s.exitCode,
    reason: s.reason,
    message: s.message,
    previous: p?.finishedAt
      ? {
          id: `runc://${p.id}`,
          startedAt: date(p.startedAt),
          finishedAt: new Date(p.finishedAt),
          exitCode: p.exitCode ?? 0,
          reason: p.reason ?? 'Completed',
          message: p.message,
        }
      : undefined,
  };
}

export function startError(err: unknown): ContainerStartError {
  if (err instanceof ContainerStartError) return err;
  const e = err as Error & { reason?: unknown };
  if (e?.name === 'ContainerStartError' && typeof e.reason === 'string')
    return new ContainerStartError(e.reason, e.message);
  if (err instanceof UserError) return new ContainerStartError(err.reason, err.message);
  if (err instanceof LaunchError && err.stage === 'runc')
    return new ContainerStartError('RunContainerError', err.message);
  if (err instanceof SpecError) return new ContainerStartError('CreateContainerError', err.message);
  return new ContainerStartError('CreateContainerError', (err as Error)?.message ?? String(err));
}
