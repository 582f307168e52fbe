/**
 * What a pod shares without a pause container: a UTS namespace (one hostname for the pod) and an
 * IPC namespace, each kept alive by a bind mount of its nsfs file in the pod's state directory,
 * and a tmpfs that every container mounts as /dev/shm (POSIX shared memory across the pod, as the
 * kubelet's sandbox gives it). The network namespace comes from the network plugin.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MNT_DETACH,
  MS_NODEV,
  MS_NOEXEC,
  MS_NOSUID,
  mountFs,
  newPodNamespaces,
  unmountFs,
} from '../../images/mount-syscalls.js';
import { mountsUnder } from './command.js';

export interface SandboxPaths {
  uts: string;
  ipc: string;
  shm: string;
}

/** Bytes of the pod's /dev/shm (the kubelet's default sandbox shm size). */
const SHM_SIZE = 64 * 1024 * 1024;

export function sandboxPaths(podDir: string): SandboxPaths {
  return { uts: join(podDir, 'ns-uts'), ipc: join(podDir, 'ns-ipc'), shm: join(podDir, 'shm') };
}

/** Creates the pod's namespaces and shm; idempotent (an existing mount is kept). */
export async function createSandboxMounts(podDir: string): Promise<SandboxPaths> {
  const paths = sandboxPaths(podDir);
  const mounted = new Set(await mountsUnder(podDir));
  const steps: Promise<unknown>[] = [];
  if (!mounted.has(paths.uts) || !mounted.has(paths.ipc)) {
    steps.push(
      (async () => {
        // The namespaces are bind-mounted over existing files (no process per pod: the mount helper).
        await writeFile(paths.uts, '');
        await writeFile(paths.ipc, '');
        await newPodNamespaces(paths.uts, paths.ipc);
      })(),
    );
  }
  if (!mounted.has(paths.shm)) {
    steps.push(
      (async () => {
        await mkdir(paths.shm, { recursive: true });
        await mountFs(
          'tmpfs',
          'shm',
          paths.shm,
          `mode=1777,size=${SHM_SIZE}`,
          '/',
          MS_NOSUID | MS_NODEV | MS_NOEXEC,
        );
      })(),
    );
  }
  await Promise.all(steps);
  return paths;
}

/** Unmounts everything still mounted under a directory (namespace files, shm, rootfs leftovers). */
export async function unmountAll(dir: string): Promise<void> {
  for (const mp of await mountsUnder(dir)) {
    try {
      await unmountFs(mp);
    } catch (err) {
      // Busy after its processes died (rare): detach it so the directory can go.
      await unmountFs(mp, MNT_DETACH).catch(() => {
        throw err;
      });
    }
  }
}

/**
 * Unmounts what is under a directory, then deletes it; refuses to delete while anything stays
 * mounted, since a recursive delete would reach into a mounted filesystem.
 */
export async function removeDir(dir: string): Promise<void> {
  await unmountAll(dir);
  const left = await mountsUnder(dir);
  if (left.length > 0) throw new Error(`not removing ${dir}: still mounted: ${left.join(', ')}`);
  await rm(dir, { recursive: true, force: true });
}
