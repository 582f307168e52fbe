/**
 * Running the host tools the runtime drives (runc, mount, unshare): one helper that collects
 * output, bounds the run time and turns a failure into an Error carrying the tool's own message.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end (killed after timeoutMs); never rejects for a non-zero exit. */
export function runCommand(
  file: string,
  args: string[],
  options: { timeoutMs?: number; input?: string; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      cwd: options.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        code: code ?? (signal ? 128 + 9 : 1),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
  });
}

/** The message of a runc failure: the last error line of its (JSON or text) log output. */
export function runcMessage(output: string): string {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  let message = '';
  for (const line of lines) {
    try {
      const entry = JSON.parse(line) as { level?: string; msg?: string };
      if (entry.msg && (entry.level === 'error' || entry.level === 'fatal' || !message)) message = entry.msg;
      continue;
    } catch {
      // a text line
    }
    const m = /level=(?:error|fatal) msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (m) message = m[1].replace(/\\(.)/g, '$1');
    else if (!message) message = line.trim();
  }
  return message;
}

/** Runs a command and rejects with its own message when it fails. */
export async function mustRun(file: string, args: string[], timeoutMs?: number): Promise<string> {
  const r = await runCommand(file, args, { timeoutMs });
  if (r.code !== 0) {
    const msg = runcMessage(r.stderr) || r.stdout.trim() || `exit status ${r.code}`;
    throw new Error(`${file.split('/').pop()} ${args[0] ?? ''}: ${msg}`);
  }
  return r.stdout;
}

/** Mount points at or below `prefix` (deepest first, so they can be unmounted in order). */
export async function mountsUnder(prefix: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const found: string[] = [];
  for (const line of info.split('\n')) {
    const mp = line.split(' ')[4];
    if (!mp) continue;
    // mountinfo escapes spaces and the like as octal.
    const path = mp.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
    if (path === prefix || path.startsWith(`${prefix}/`)) found.push(path);
  }
  return found.sort((a, b) => b.length - a.length);
}

/** True while a process exists and is not a zombie (an exited conmon may linger unreaped). */
export async function processAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The argv of a process, or undefined when it is gone. */
export async function processArgv(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((s, i, a) => i < a.length - 1 || s !== '');
  } catch {
    return undefined;
  }
}
