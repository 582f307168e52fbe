/**
 * overlayfs mounts of container root filesystems (through mount-syscalls.ts). The kernel's mount
 * table (/proc/self/mountinfo) is the truth about what is mounted, which keeps unmounting
 * correct after the agent restarts.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MNT_DETACH, mountFs, unmountFs } from './mount-syscalls.js';

/** The option string mount(2) takes is one page; overlay fails beyond it. */
const MAX_MOUNT_DATA = 4000;

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  superOptions: string;
}

function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo text. */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    out.push({
      mountPoint: unescapeMountPath(left[4] ?? ''),
      fsType: right[0] ?? '',
      source: unescapeMountPath(right[1] ?? ''),
      superOptions: right[2] ?? '',
    });
  }
  return out;
}

export async function readMountinfo(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** The set of current mount points (to test many paths with one read). */
export async function mountPoints(): Promise<Set<string>> {
  return new Set((await readMountinfo()).map((m) => m.mountPoint));
}

/**
 * True when a filesystem other than its parent's is mounted at `path`: an overlay always has a
 * device of its own. Two stat calls instead of reading the whole mount table (hot path).
 */
export function isOverlayMounted(path: string): boolean {
  try {
    return statSync(path).dev !== statSync(dirname(path)).dev;
  } catch {
    return false;
  }
}

/**
 * Mounts an overlay at `target`. `lower` is top layer first; its entries may be relative to
 * `cwd`, which keeps long layer lists inside the one page the options may take.
 */
export async function mountOverlay(opts: {
  lower: string[];
  upper: string;
  work: string;
  target: string;
  cwd: string;
}): Promise<void> {
  for (const p of [opts.upper, opts.work, ...opts.lower]) {
    if (/[,:]/.test(p)) throw new Error(`overlay paths may not contain "," or ":": ${p}`);
  }
  const data = `lowerdir=${opts.lower.join(':')},upperdir=${opts.upper},workdir=${opts.work}`;
  if (data.length > MAX_MOUNT_DATA) {
    throw new Error(`image has too many layers (${opts.lower.length}) for one overlay mount`);
  }
  await mountFs('overlay', 'overlay', opts.target, data, opts.cwd).catch((err: Error) => {
    throw new Error(`mounting the container rootfs at ${opts.target}: ${err.message}`);
  });
}

/**
 * Unmounts `target` if it is a mount point. A busy mount (a process still inside) is retried for
 * a while, then detached lazily so the container can still be cleaned up; `log` says so.
 */
export async function unmount(target: string, log: (line: string) => void): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    if (!(await mountPoints()).has(target)) return;
    try {
      await unmountFs(target);
    } catch (err) {
      const busy = /busy/i.test((err as Error).message);
      if (!busy) throw new Error(`unmounting ${target}: ${(err as Error).message}`);
      if (attempt >= 20) {
        log(`${target} is still busy after ${attempt} attempts; detaching it lazily`);
        await unmountFs(target, MNT_DETACH);
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`unmounting ${target}: still mounted after 40 attempts`);
}
