/**
 * tmpfs mounts for memory-backed volumes (emptyDir medium Memory, secrets, projected), done with
 * mount(8) since Node has no mount syscall, and found again through /proc/self/mountinfo so that
 * teardown works after an agent restart too.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Mount points from /proc/self/mountinfo (octal escapes such as \040 decoded). */
export function mountPoints(): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[4];
    if (field)
      out.push(
        field.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(Number.parseInt(oct, 8))),
      );
  }
  return out;
}

/** Mount points at or below dir, deepest first (the order to unmount them). */
export function mountPointsUnder(dir: string): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountPoints()
    .filter((m) => m === dir || m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

export function isMountPoint(dir: string): boolean {
  return mountPoints().includes(dir);
}

/** Mounts a tmpfs of at most sizeBytes (undefined: the kernel's default, half the RAM) on dir. */
export async function mountTmpfs(dir: string, sizeBytes?: number): Promise<void> {
  if (isMountPoint(dir)) return;
  const args = ['-t', 'tmpfs'];
  if (sizeBytes !== undefined && sizeBytes > 0) args.push('-o', `size=${Math.floor(sizeBytes)}`);
  args.push('tmpfs', dir);
  try {
    await run('mount', args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    throw new Error(`mount failed: ${stderr || (err as Error).message}`);
  }
}

/** Unmounts dir; a mount still busy is detached lazily so teardown always completes. */
export async function unmount(dir: string): Promise<void> {
  try {
    await run('umount', [dir]);
  } catch {
    if (isMountPoint(dir)) await run('umount', ['-l', dir]);
  }
}
