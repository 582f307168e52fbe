/**
 * The runtime's state on disk, so a new agent process re-adopts what the last one started:
 * <root>/pods/<uid>/pod.json for the sandbox, and <root>/pods/<uid>/containers/<id>/state.json
 * for each attempt (the current one and the one before it, for lastState and --previous logs).
 * Files are replaced by rename, so a kill -9 leaves either the old or the new content.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import type { ContainerPhase } from '../runtime.js';
import type { QOSClass } from './resources.js';

export interface PodState {
  uid: string;
  namespace: string;
  name: string;
  nodeName: string;
  ip: string;
  netnsPath: string;
  createdAt: string;
  stopping: boolean;
  qos: QOSClass;
  /** The pod cgroup, relative to each hierarchy. */
  cgroupParent: string;
  hostname: string;
  /** The pod's spec as created: security context, grace period, container ports for hooks. */
  spec: PodSpec;
  /** Set until the sandbox is complete; a pod found so at start-up is torn down. */
  incomplete?: boolean;
}

export interface ContainerState {
  /** runc's container id: 64 hex digits. */
  id: string;
  name: string;
  attempt: number;
  init: boolean;
  image: string;
  imageID: string;
  phase: ContainerPhase;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  /** The termination message, read when it exited. */
  message?: string;
  /** The image's STOPSIGNAL for runc kill ("QUIT", "37"); SIGTERM when absent. */
  stopSignal?: string;
  /** The container's spec for this attempt (hooks, ports, tty and stdin after re-adoption). */
  spec: Container;
  logPath: string;
  cgroupsPath: string;
  /** The attempt's rootfs was released (unmounted) by the image store. */
  released?: boolean;
  /** runc no longer knows the container (runc delete ran). */
  deleted?: boolean;
}

export const podsDir = (root: string) => join(root, 'pods');
export const podDir = (root: string, uid: string) => join(root, 'pods', uid);
export const containerDir = (root: string, uid: string, id: string) =>
  join(root, 'pods', uid, 'containers', id);

/** Writes JSON by rename, so readers never see half a file. */
export async function writeJSON(file: string, value: unknown): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, JSON.stringify(value));
  await rename(tmp, file);
}

async function readJSON<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

export const writePodState = (root: string, s: PodState) =>
  writeJSON(join(podDir(root, s.uid), 'pod.json'), s);
export const writeContainerState = (root: string, uid: string, s: ContainerState) =>
  writeJSON(join(containerDir(root, uid, s.id), 'state.json'), s);

/** Every pod on disk with its containers' attempts; pods whose pod.json is missing or torn are skipped. */
export async function loadState(
  root: string,
): Promise<Array<{ pod: PodState; containers: ContainerState[]; incomplete: string[] }>> {
  let uids: string[];
  try {
    uids = await readdir(podsDir(root));
  } catch {
    return [];
  }
  const out: Array<{ pod: PodState; containers: ContainerState[]; incomplete: string[] }> = [];
  for (const uid of uids) {
    const pod = await readJSON<PodState>(join(podDir(root, uid), 'pod.json'));
    if (!pod) continue;
    const containers: ContainerState[] = [];
    const incomplete: string[] = [];
    let ids: string[] = [];
    try {
      ids = await readdir(join(podDir(root, uid), 'containers'));
    } catch {
      // no containers yet
    }
    for (const id of ids) {
      const c = await readJSON<ContainerState>(join(containerDir(root, uid, id), 'state.json'));
      if (c) containers.push(c);
      else incomplete.push(id);
    }
    out.push({ pod, containers, incomplete });
  }
  return out;
}
