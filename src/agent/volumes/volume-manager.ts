/**
 * The agent's volume manager: prepares a pod's volumes on the node before its containers start
 * and removes them when the pod is gone. Layout as the kubelet's:
 * `<root>/<podUID>/volumes/kubernetes.io~<plugin>/<volume>`. emptyDir lives on disk, or on a
 * tmpfs sized like the kubelet's (the smallest of sizeLimit, the pod's memory limit and the
 * node's allocatable memory) for medium Memory; secrets and projected volumes are always on tmpfs
 * so their content never touches the disk. configMap, secret, downwardAPI and projected volumes
 * are written with the atomic writer, and refresh() rewrites them when their sources change, so
 * an edited ConfigMap reaches a running container's files. Operations on one pod are serialized.
 */

import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type {
  ConfigMap,
  Pod,
  Secret,
  ServiceAccountTokenProjection,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { parseQuantity } from '../../registry/common/quantity.js';
import { atomicWrite, type FileProjection } from './atomic-writer.js';
import { failureMessage, type VolumeFailure, VolumeSetupError } from './errors.js';
import { setUpHostPath } from './host-path.js';
import { mountPointsUnder, mountTmpfs, unmount } from './mounts.js';
import { setVolumeOwnership } from './ownership.js';
import {
  configMapPayload,
  DEFAULT_MODE,
  downwardAPIPayload,
  type PayloadSources,
  projectedPayload,
  secretPayload,
} from './payload.js';

export interface VolumeManagerOptions {
  /** Where pod directories go: <root>/<podUID>/volumes/<plugin>/<name>. */
  root: string;
  getConfigMap(namespace: string, name: string): ConfigMap | undefined;
  getSecret(namespace: string, name: string): Secret | undefined;
  nodeName: string;
  /** The node's allocatable (downwardAPI resource limits, memory-backed volume sizes). */
  nodeAllocatable?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  /**
   * A bound token for a projected serviceAccountToken source (TokenRequest). Without it those
   * sources are skipped: the volume holds its other files only.
   */
  serviceAccountToken?(pod: Pod, source: ServiceAccountTokenProjection): Promise<string>;
}

const PLUGINS = {
  emptyDir: 'kubernetes.io~empty-dir',
  configMap: 'kubernetes.io~configmap',
  secret: 'kubernetes.io~secret',
  downwardAPI: 'kubernetes.io~downward-api',
  projected: 'kubernetes.io~projected',
} as const;

type ProjectedKind = 'configMap' | 'secret' | 'downwardAPI' | 'projected';

const MEMORY_BACKED: ReadonlySet<ProjectedKind> = new Set(['secret', 'projected']);

function projectedKind(v: Volume): ProjectedKind | undefined {
  if (v.configMap) return 'configMap';
  if (v.secret) return 'secret';
  if (v.downwardAPI) return 'downwardAPI';
  if (v.projected) return 'projected';
  return undefined;
}

/** The volume source's field name, for an unsupported-type message. */
function sourceType(v: Volume): string {
  return Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
}

/** The pod's memory limit as its cgroup gets it, or undefined when a container has none. */
function podMemoryLimit(pod: Pod): number | undefined {
  const limitOf = (c: { resources?: { limits?: Record<string, string | number> } }) => {
    const q = c.resources?.limits?.memory;
    return q === undefined ? undefined : parseQuantity(q);
  };
  let sum = 0;
  for (const c of pod.spec?.containers ?? []) {
    const l = limitOf(c);
    if (l === undefined) return undefined;
    sum += l;
  }
  let initMax = 0;
  for (const c of pod.spec?.initContainers ?? []) {
    const l = limitOf(c);
    if (l === undefined) return undefined;
    // Sidecars (restartPolicy Always) run alongside the main containers.
    if (c.restartPolicy === 'Always') sum += l;
    else initMax = Math.max(initMax, l);
  }
  const overhead = pod.spec?.overhead?.memory;
  return Math.max(sum, initMax) + (overhead === undefined ? 0 : parseQuantity(overhead));
}

export class VolumeManager {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly tokens = new Map<string, { token: string; fetchedAt: number; ttlMs: number }>();

  constructor(private readonly options: VolumeManagerOptions) {}

  /** The pod's directory (volumes and other per-pod files go below it). */
  podDir(podUID: string): string {
    return join(this.options.root, podUID);
  }

  private volumeDir(podUID: string, plugin: string, name: string): string {
    return join(this.options.root, podUID, 'volumes', plugin, name);
  }

  private allocatable(): Readonly<Record<string, string>> {
    const a = this.options.nodeAllocatable;
    return (typeof a === 'function' ? a() : a) ?? {};
  }

  private sources(): PayloadSources {
    const o = this.options;
    const token = o.serviceAccountToken;
    return {
      getConfigMap: (namespace, name) => o.getConfigMap(namespace, name),
      getSecret: (namespace, name) => o.getSecret(namespace, name),
      nodeAllocatable: this.allocatable(),
      serviceAccountToken: token && ((pod, source) => token.call(o, pod, source)),
    };
  }

  /** calculateEmptyDirMemorySize: node allocatable, lowered to the pod limit and the sizeLimit. */
  private memorySize(pod: Pod, sizeLimit: string | number | undefined): number {
    const alloc = this.allocatable().memory;
    let size = alloc !== undefined ? parseQuantity(alloc) : totalmem();
    const podLimit = podMemoryLimit(pod);
    if (podLimit !== undefined && podLimit > 0 && podLimit <= size) size = podLimit;
    const limit = sizeLimit === undefined ? undefined : parseQuantity(sizeLimit);
    if (limit !== undefined && limit > 0 && limit <= size) size = limit;
    return size;
  }

  private async locked<T>(podUID: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(podUID) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => {});
    this.locks.set(podUID, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(podUID) === tail) this.locks.delete(podUID);
    }
  }

  /**
   * Prepares every volume of the pod; returns volume name → host path. Idempotent: a second call
   * keeps mounts and rewrites only what changed. Throws VolumeSetupError naming each volume that
   * failed (the others are set up all the same).
   */
  setup(pod: Pod): Promise<Map<string, string>> {
    const uid = pod.metadata?.uid ?? '';
    return this.locked(uid, async () => {
      if (!uid) throw new VolumeSetupError([{ volume: '', message: 'pod has no uid' }]);
      await mkdir(join(this.podDir(uid), 'volumes'), { recursive: true, mode: 0o750 });
      const paths = new Map<string, string>();
      const failures: VolumeFailure[] = [];
      for (const v of pod.spec?.volumes ?? []) {
        try {
          paths.set(v.name, await this.setUpVolume(pod, v));
        } catch (err) {
          failures.push({ volume: v.name, message: failureMessage(v.name, err) });
        }
      }
      if (failures.length > 0) throw new VolumeSetupError(failures);
      return paths;
    });
  }

  private async setUpVolume(pod: Pod, v: Volume): Promise<string> {
    const uid = pod.metadata!.uid!;
    if (v.hostPath) return setUpHostPath(v.hostPath);
    if (v.emptyDir) {
      const dir = this.volumeDir(uid, PLUGINS.emptyDir, v.name);
      await mkdir(dir, { recursive: true });
      const medium = v.emptyDir.medium ?? '';
      if (medium === 'Memory') await mountTmpfs(dir, this.memorySize(pod, v.emptyDir.sizeLimit));
      else if (medium !== '') throw new Error(`unsupported emptyDir medium ${medium}`);
      await this.openUp(dir);
      await this.own(pod, dir, false);
      return dir;
    }
    const kind = projectedKind(v);
    if (!kind) throw new Error(`skiff does not support ${sourceType(v)} volumes`);
    const dir = this.volumeDir(uid, PLUGINS[kind], v.name);
    await mkdir(dir, { recursive: true });
    if (MEMORY_BACKED.has(kind)) await mountTmpfs(dir, this.memorySize(pod, undefined));
    await this.openUp(dir);
    await atomicWrite(dir, await this.payload(pod, v, kind));
    await this.own(pod, dir, true);
    return dir;
  }

  /** 0777 like the kubelet's emptyDir (a tmpfs root keeps its sticky bit). */
  private async openUp(dir: string): Promise<void> {
    const mode = (await stat(dir)).mode;
    if ((mode & 0o777) !== 0o777) await chmod(dir, (mode & 0o1000) | 0o777);
  }

  private async own(pod: Pod, dir: string, readOnly: boolean): Promise<void> {
    const gid = pod.spec?.securityContext?.fsGroup;
    if (gid !== undefined) await setVolumeOwnership(dir, gid, readOnly);
  }

  private payload(
    pod: Pod,
    v: Volume,
    kind: ProjectedKind,
  ): Promise<Map<string, FileProjection>> | Map<string, FileProjection> {
    const sources = this.sources();
    switch (kind) {
      case 'configMap':
        return configMapPayload(pod, v.configMap!, v.configMap!.defaultMode ?? DEFAULT_MODE, sources);
      case 'secret':
        return secretPayload(pod, v.secret!, v.secret!.defaultMode ?? DEFAULT_MODE, sources);
      case 'downwardAPI':
        return downwardAPIPayload(
          pod,
          v.downwardAPI!.items,
          v.downwardAPI!.defaultMode ?? DEFAULT_MODE,
          sources,
        );
      case 'projected':
        return projectedPayload(pod, v.name, v.projected, sources, this.tokens);
    }
  }

  /**
   * Rewrites configMap, secret, downwardAPI and projected volumes whose sources changed (the
   * kubelet's periodic remount). Returns whether any volume changed. A volume whose source is
   * now missing keeps its last content and is reported in a VolumeSetupError (with `changed`).
   */
  refresh(pod: Pod): Promise<boolean> {
    const uid = pod.metadata?.uid ?? '';
    return this.locked(uid, async () => {
      let changed = false;
      const failures: VolumeFailure[] = [];
      for (const v of pod.spec?.volumes ?? []) {
        const kind = projectedKind(v);
        if (!kind) continue;
        const dir = this.volumeDir(uid, PLUGINS[kind], v.name);
        if (!existsSync(dir)) continue;
        try {
          if (await atomicWrite(dir, await this.payload(pod, v, kind))) {
            changed = true;
            await this.own(pod, dir, true);
          }
        } catch (err) {
          failures.push({ volume: v.name, message: failureMessage(v.name, err) });
        }
      }
      if (failures.length > 0) throw new VolumeSetupError(failures, changed);
      return changed;
    });
  }

  /**
   * Unmounts and removes everything of the pod. Idempotent, and works from the disk alone, so a
   * restarted agent cleans up pods it set up before.
   */
  teardown(podUID: string): Promise<void> {
    return this.locked(podUID, async () => {
      if (!podUID || podUID.includes('/') || podUID === '.' || podUID === '..') return;
      const dir = this.podDir(podUID);
      for (const m of mountPointsUnder(dir)) await unmount(m);
      const left = mountPointsUnder(dir);
      if (left.length > 0) throw new Error(`cannot remove ${dir}: still mounted: ${left.join(', ')}`);
      await rm(dir, { recursive: true, force: true });
      for (const key of this.tokens.keys()) if (key.startsWith(`${podUID}/`)) this.tokens.delete(key);
    });
  }

  /** Pod UIDs with a directory under root (to tear down those no longer wanted after a restart). */
  async podUIDs(): Promise<string[]> {
    try {
      return (await readdir(this.options.root, { withFileTypes: true }))
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return [];
    }
  }

  /** What remains under root: pod directories and mount points (for tests' cleanup checks). */
  leftovers(): string[] {
    let dirs: string[] = [];
    try {
      dirs = readdirSync(this.options.root).map((name) => join(this.options.root, name));
    } catch {
      dirs = [];
    }
    const mounts = mountPointsUnder(this.options.root).map((m) => `mount:${m}`);
    return [...dirs, ...mounts];
  }
}
