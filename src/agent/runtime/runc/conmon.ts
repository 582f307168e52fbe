/**
 * Starting one container: conmon (detached, its own session, so it outlives the agent) runs
 * `runc create` and reports the container's pid, or runc's error, over a sync pipe; then the
 * runtime starts the created container by opening runc's exec fifo itself, which is all
 * `runc start` does, saving a process spawn on the pod-startup path.
 */
import { spawn } from 'node:child_process';
import { constants, openSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { processAlive, runCommand, runcMessage } from './command.js';

export interface LaunchOptions {
  conmon: string;
  runc: string;
  runcRoot: string;
  id: string;
  /** A name for conmon's logs: <namespace>_<pod>_<container>. */
  name: string;
  /** The bundle: config.json lives here, and conmon's pid files, exit and oom files, fifos. */
  bundle: string;
  logPath: string;
  exitDir: string;
  socketDir: string;
  tty: boolean;
  stdin: boolean;
  /** Keep the container's stdin open when an attached client goes (stdinOnce: false). */
  leaveStdinOpen: boolean;
  /** cgroup.procs files conmon is moved into before it forks its monitor (and runc). */
  cgroupProcs?: string[];
  timeoutMs?: number;
}

/** A failure with the text runc (or conmon) gave, and whether the bundle itself was at fault. */
export class LaunchError extends Error {
  constructor(
    message: string,
    readonly stage: 'conmon' | 'runc',
  ) {
    super(message);
  }
}

export function conmonArgs(o: LaunchOptions): string[] {
  const args = [
    '--api-version',
    '1',
    '-c',
    o.id,
    '-n',
    o.name,
    // conmon names the attach-socket symlink after this; short keeps the socket path short.
    '-u',
    o.id.slice(0, 16),
    '-r',
    o.runc,
    '-b',
    o.bundle,
    '-p',
    join(o.bundle, 'pidfile'),
    '-P',
    join(o.bundle, 'conmon.pid'),
    '-l',
    `k8s-file:${o.logPath}`,
    '--exit-dir',
    o.exitDir,
    '--socket-dir-path',
    o.socketDir,
    '--persist-dir',
    o.bundle,
    '--log-level',
    'error',
    '--runtime-arg',
    `--root=${o.runcRoot}`,
    '--runtime-arg',
    '--log-format=json',
  ];
  if (o.tty) args.push('-t');
  if (o.stdin) args.push('-i');
  if (o.stdin && o.leaveStdinOpen) args.push('--leave-stdin-open');
  return args;
}

/** Parses conmon's sync-pipe message: {"data": pid} or {"data": -1, "message": "..."}. */
export function parseSyncMessage(text: string): { pid?: number; error?: string } | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  if (!line) return undefined;
  let msg: { data?: number; pid?: number; message?: string };
  try {
    msg = JSON.parse(line);
  } catch {
    // conmon 2.1.x escapes only some characters of runc's output; fall back to a pattern.
    const m = /"data":\s*(-?\d+)(?:,\s*"message":\s*"([\s\S]*)")?/.exec(line);
    if (!m) return { error: line };
    msg = { data: Number(m[1]), message: m[2]?.replace(/\\(.)/g, '$1') };
  }
  const data = msg.data ?? msg.pid ?? -1;
  if (data > 0) return { pid: data };
  return { error: runcMessage(msg.message ?? '') || 'runc create failed' };
}

/** Runs conmon → runc create; resolves with the container's pid once it exists (not yet started). */
export function createViaConmon(o: LaunchOptions): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.conmon, conmonArgs(o), {
      // fd 3 is the sync pipe (conmon closes it for runc and the container); fd 4 the start
      // pipe, which conmon waits on before forking, so it can be put into its cgroup first.
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        _OCI_SYNCPIPE: '3',
        _OCI_STARTPIPE: '4',
      },
      // conmon writes an "oom" file in its working directory as well as in the persist dir.
      cwd: o.bundle,
      detached: true,
    });
    child.unref();
    const sync = child.stdio[3] as Socket;
    const startPipe = child.stdio[4] as Socket;
    startPipe.on('error', () => {});
    void moveToCgroup(child.pid, o.cgroupProcs ?? []).then(() => startPipe.end('0'));
    let text = '';
    let stderr = '';
    let done = false;
    const finish = (err?: Error, pid?: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sync.destroy();
      child.stderr?.destroy();
      if (err) reject(err);
      else resolve(pid!);
    };
    const timer = setTimeout(
      () =>
        finish(
          new LaunchError(`conmon did not report the container within ${o.timeoutMs ?? 60_000} ms`, 'conmon'),
        ),
      o.timeoutMs ?? 60_000,
    );
    child.on('error', (e) =>
      finish(new LaunchError(`cannot run conmon (${o.conmon}): ${e.message}`, 'conmon')),
    );
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('exit', (code) => {
      // The first conmon process exits once it has forked the monitor; non-zero means bad usage.
      if (code !== 0)
        finish(new LaunchError(`conmon failed: ${stderr.trim() || `exit status ${code}`}`, 'conmon'));
    });
    sync.on('data', (d: Buffer) => {
      text += d.toString();
      if (!text.includes('\n')) return;
      const msg = parseSyncMessage(text);
      if (msg?.pid) finish(undefined, msg.pid);
      else finish(new LaunchError(msg?.error ?? 'runc create failed', 'runc'));
    });
    sync.on('end', () => {
      if (text.trim()) {
        const msg = parseSyncMessage(text);
        if (msg?.pid) return finish(undefined, msg.pid);
        return finish(new LaunchError(msg?.error ?? 'runc create failed', 'runc'));
      }
      finish(
        new LaunchError(
          `conmon exited without creating the container${stderr ? `: ${stderr.trim()}` : ''}`,
          'conmon',
        ),
      );
    });
    sync.on('error', () => {});
  });
}

/** Writes a pid into cgroup.procs files; a failure leaves conmon where it is (and is no error). */
async function moveToCgroup(pid: number | undefined, files: string[]): Promise<void> {
  if (!pid) return;
  await Promise.all(files.map((f) => writeFile(f, String(pid)).catch(() => {})));
}

/**
 * Starts a created container as `runc start` does: open its exec fifo for reading (the container's
 * init is blocked opening the other end), read the byte it writes, see the end when it execs the
 * process, then remove the fifo (runc reads "running" from its absence). Falls back to
 * `runc start` when the fifo is not where runc 1.x keeps it.
 */
export async function startCreated(runc: string, runcRoot: string, id: string, pid: number): Promise<void> {
  const fifo = join(runcRoot, id, 'exec.fifo');
  let fd: number;
  try {
    fd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch {
    const r = await runCommand(runc, [`--root=${runcRoot}`, '--log-format=json', 'start', id]);
    if (r.code !== 0) throw new LaunchError(runcMessage(r.stderr) || 'runc start failed', 'runc');
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const s = new Socket({ fd, readable: true, writable: false });
    let got = 0;
    let settled = false;
    const settle = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      s.destroy();
      if (err) reject(err);
      else resolve();
    };
    // The init may die before it opens the fifo (killed, OOM): then no end ever comes.
    const watchdog = setInterval(() => {
      processAlive(pid).then((alive) => {
        if (!alive) settle(new LaunchError('container process is already dead', 'runc'));
      });
    }, 100);
    s.on('data', (d: Buffer) => {
      got += d.length;
    });
    s.on('end', () =>
      settle(got > 0 ? undefined : new LaunchError('container process is already dead', 'runc')),
    );
    s.on('error', (e) => settle(new LaunchError(`starting the container: ${e.message}`, 'runc')));
  });
  await unlink(fifo).catch(() => {});
}

/** conmon's pid from its pid file, when it is still running for this container. */
export async function conmonPid(bundle: string, id: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(bundle, 'conmon.pid'), 'utf8')).trim());
    if (!(await processAlive(pid))) return undefined;
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return argv.includes(id) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The container's init pid, as conmon wrote it. */
export async function containerPid(bundle: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(join(bundle, 'pidfile'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
