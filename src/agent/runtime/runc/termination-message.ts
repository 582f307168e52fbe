/**
 * A container's termination message, as the kubelet reports it in `state.terminated.message`:
 * the end of what the container wrote to its terminationMessagePath (a file of its own per
 * attempt, bind-mounted there), at most 4 KiB; with terminationMessagePolicy FallbackToLogsOnError and an
 * empty file, a failed container's last 80 log lines, at most 2 KiB.
 */
import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Container } from 'kubernetes-types/core/v1.js';
import type { ContainerRunConfig } from '../runtime.js';

/** The kubelet's limits (MaxContainerTerminationMessageLength and the log fallback's). */
const MAX_MESSAGE_BYTES = 4096;
const MAX_LOG_LINES = 80;
const MAX_LOG_BYTES = 2048;
/** How much of the log's end is read for the fallback: enough for 80 lines of CRI framing. */
const LOG_TAIL_BYTES = 64 * 1024;

const messageFile = (attemptDir: string) => join(attemptDir, 'termination-log');

/**
 * Adds the attempt's message file at the container's terminationMessagePath, unless a volume is
 * mounted there already; the file is created empty and writable by any user in the container.
 */
export async function withTerminationMessageFile(
  run: ContainerRunConfig,
  container: Container,
  attemptDir: string,
): Promise<ContainerRunConfig> {
  const containerPath = container.terminationMessagePath || '/dev/termination-log';
  if (run.mounts.some((m) => m.containerPath === containerPath)) return run;
  const hostPath = messageFile(attemptDir);
  await writeFile(hostPath, '', { mode: 0o666 });
  return { ...run, mounts: [...run.mounts, { containerPath, hostPath, readOnly: false }] };
}

/** The message of an attempt that exited with exitCode, or undefined when there is none. */
export async function terminationMessage(
  attemptDir: string,
  container: Container,
  exitCode: number,
  logPath: string,
): Promise<string | undefined> {
  const written = await readEnd(messageFile(attemptDir), MAX_MESSAGE_BYTES, false);
  if (written) return written;
  if (container.terminationMessagePolicy !== 'FallbackToLogsOnError' || exitCode === 0) return undefined;
  const tail = lastLogLines(await readEnd(logPath, LOG_TAIL_BYTES, true), MAX_LOG_LINES);
  if (!tail) return undefined;
  const bytes = Buffer.from(tail, 'utf8');
  return bytes.length > MAX_LOG_BYTES ? bytes.subarray(bytes.length - MAX_LOG_BYTES).toString('utf8') : tail;
}

/**
 * The content of the last `count` lines of a CRI-format log ("<time> <stream> <P|F> <text>"),
 * partial (P) records joined to the full line they continue.
 */
export function lastLogLines(log: string, count: number): string {
  const lines: string[] = [];
  let partial = '';
  for (const record of log.split('\n')) {
    const m = /^\S+ (?:stdout|stderr) ([PF]) ?(.*)$/.exec(record);
    if (!m) continue;
    partial += m[2];
    if (m[1] === 'F') {
      lines.push(partial);
      partial = '';
    }
  }
  if (partial) lines.push(partial);
  const last = lines.slice(-count);
  return last.length ? `${last.join('\n')}\n` : '';
}

/** The last `max` bytes of a file ('' when absent), from the first whole line in them if asked. */
async function readEnd(path: string, max: number, wholeLines: boolean): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    const start = Math.max(0, size - max);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    const text = buf.toString('utf8');
    return start === 0 || !wholeLines ? text : text.slice(text.indexOf('\n') + 1);
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}
