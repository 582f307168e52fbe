/**
 * fsGroup ownership (SetVolumeOwnership): every file of a volume gets the pod's fsGroup as its
 * group and group access (read-only volumes: r, others: rw), directories also g+x and setgid so
 * new files inherit the group. Symlinks are re-owned but keep their (meaningless) mode.
 */
import { chmod, lchown, lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;
const SETGID = 0o2000;

async function change(path: string, gid: number, readOnly: boolean): Promise<void> {
  const info = await lstat(path);
  await lchown(path, -1, gid);
  if (info.isSymbolicLink()) return;
  let mask = readOnly ? RO_MASK : RW_MASK;
  if (info.isDirectory()) mask |= EXEC_MASK | SETGID;
  await chmod(path, (info.mode & 0o7777) | mask);
}

/** Applies fsGroup to dir and everything below it (symlinks are not followed). */
export async function setVolumeOwnership(dir: string, gid: number, readOnly: boolean): Promise<void> {
  await change(dir, gid, readOnly);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await setVolumeOwnership(path, gid, readOnly);
    else await change(path, gid, readOnly);
  }
}
