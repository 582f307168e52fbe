/**
 * The host's devices, for privileged containers: every character and block device under /dev,
 * skipping the directories a container gets its own of (pts, shm, mqueue), as containerd does.
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { OciDevice } from './oci-spec.js';

const SKIP_DIRS = new Set(['pts', 'shm', 'fd', 'mqueue', '.lxc', '.lxd-mounts', '.udev']);

/** Linux dev_t encoding (glibc's gnu_dev_major/minor). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
  const minor = Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
  return { major, minor };
}

export async function hostDevices(root = '/dev'): Promise<OciDevice[]> {
  const out: OciDevice[] = [];
  const walk = async (dir: string, depth: number) => {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      let st: Awaited<ReturnType<typeof lstat>> & { rdev: bigint; mode: bigint; uid: bigint; gid: bigint };
      try {
        st = (await lstat(path, { bigint: true })) as typeof st;
      } catch {
        continue;
      }
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name) && depth < 4) await walk(path, depth + 1);
        continue;
      }
      if (path === '/dev/console') continue;
      const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
      if (!type) continue;
      out.push({
        path,
        type,
        ...splitDev(st.rdev),
        fileMode: Number(st.mode & 0o777n),
        uid: Number(st.uid),
        gid: Number(st.gid),
      });
    }
  };
  await walk(root, 0);
  return out;
}
