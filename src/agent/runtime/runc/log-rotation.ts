/**
 * Container log rotation, the kubelet's container log manager: a running container whose current
 * log grew past containerLogMaxSize (default 10 MiB) has it renamed to `<log>.<YYYYMMDD-HHMMSS>`
 * and conmon reopens a fresh file at the original path (REOPEN_LOGS_EVENT on its control fifo;
 * what it wrote in between lands in the renamed file). Rotated files but the newest are
 * gzip-compressed, and at most containerLogMaxFiles files (the current one included, default 5)
 * are kept. `kubectl logs` reads the current file; `logs -f` follows across a rotation. The
 * runtime's housekeeping (runc-core.ts) checks running containers every 10 s.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export interface LogRotationLimits {
  /** A current log over this many bytes is rotated (the kubelet's containerLogMaxSize). */
  maxBytes: number;
  /** Files kept per container log, the current one included (containerLogMaxFiles, at least 2). */
  maxFiles: number;
}

export const defaultLogRotation: LogRotationLimits = { maxBytes: 10 * 1024 * 1024, maxFiles: 5 };

/** conmon's control-fifo message that makes it reopen its log files. */
const REOPEN_LOGS = '2 0 0\n';

/** "20261127-074512", as the kubelet names rotated files (UTC). */
function stamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
}

/**
 * Rotates logPath when it is over the limit; `bundle` holds conmon's control fifo. True when it
 * rotated. Safe to call for a container whose conmon is gone (the file is still rotated).
 */
export async function rotateIfNeeded(
  logPath: string,
  bundle: string,
  limits: LogRotationLimits,
  now: Date,
): Promise<boolean> {
  const size = (await stat(logPath).catch(() => undefined))?.size ?? 0;
  if (size <= limits.maxBytes) return false;
  let target = `${logPath}.${stamp(now)}`;
  for (let n = 1; await exists(target); n++) target = `${logPath}.${stamp(now)}.${n}`;
  await rename(logPath, target);
  await reopenLogs(bundle);
  await compressAndPrune(logPath, limits.maxFiles);
  return true;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** Asks conmon to reopen its log; no reader (conmon gone) is not an error. */
async function reopenLogs(bundle: string): Promise<void> {
  try {
    const fh = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
    try {
      await fh.write(REOPEN_LOGS);
    } finally {
      await fh.close();
    }
  } catch {
    // ENXIO: nobody reads the fifo any more.
  }
}

/** Compresses rotated files but the newest; deletes the oldest beyond maxFiles - 1. */
export async function compressAndPrune(logPath: string, maxFiles: number): Promise<void> {
  const dir = dirname(logPath);
  const prefix = `${basename(logPath)}.`;
  const rotated = (await readdir(dir)).filter((f) => f.startsWith(prefix) && !f.endsWith('.tmp')).sort();
  const keep = Math.max(1, maxFiles - 1);
  for (const old of rotated.slice(0, Math.max(0, rotated.length - keep))) {
    await unlink(join(dir, old)).catch(() => {});
  }
  const kept = rotated.slice(-keep);
  for (const f of kept.slice(0, -1)) {
    if (f.endsWith('.gz')) continue;
    const from = join(dir, f);
    await pipeline(createReadStream(from), createGzip(), createWriteStream(`${from}.gz`));
    await unlink(from);
  }
}
