/**
 * Processes in and connections to running containers: exec (`runc exec`, on a pseudo-terminal
 * through the Python helper when a tty is wanted), execSync for probes and hooks, attach to the
 * main process through conmon's attach socket, and TCP connections made from inside the pod's
 * network namespace (port-forward, HTTP hooks).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { Duplex, PassThrough, type Readable, type Writable } from 'node:stream';
import type { ContainerProcess, StreamOptions } from '../streams.js';
import { runcMessage } from './command.js';
import { HELPER_SOURCE } from './helper-py.js';

/** What is needed to run processes in one container. */
export interface ExecTarget {
  runc: string;
  runcRoot: string;
  python: string;
  id: string;
  /** The container's bundle directory (scratch files for exec sessions go here). */
  bundle: string;
}

/** Bytes of output execSync keeps (the kubelet keeps 10 KiB of probe output). */
const MAX_SYNC_OUTPUT = 64 * 1024;

const exitCodeOf = (code: number | null, signal: NodeJS.Signals | null) =>
  code ?? (signal ? 128 + (osConstants.signals[signal] ?? 9) : 1);

/** A runc failure to start the process, as a message and the exit code a shell would give. */
async function runcFailure(logFile: string): Promise<{ message: string; code: number } | undefined> {
  const text = await readFile(logFile, 'utf8').catch(() => '');
  if (!/"level":"(error|fatal)"/.test(text)) return undefined;
  const message = runcMessage(text);
  return { message, code: /not found|no such file/.test(message) ? 127 : 126 };
}

interface Session {
  pidFile: string;
  logFile: string;
  argv: string[];
}

function session(t: ExecTarget, command: string[], tty: boolean): Session {
  const tag = randomBytes(6).toString('hex');
  const pidFile = join(t.bundle, `exec-${tag}.pid`);
  const logFile = join(t.bundle, `exec-${tag}.log`);
  const argv = [
    `--root=${t.runcRoot}`,
    `--log=${logFile}`,
    '--log-format=json',
    'exec',
    ...(tty ? ['-t'] : []),
    '--pid-file',
    pidFile,
    t.id,
    ...command,
  ];
  return { pidFile, logFile, argv };
}

/** SIGKILLs the exec'd process itself: runc forwards other signals but cannot forward SIGKILL. */
async function killSession(s: Session, child: ChildProcess): Promise<void> {
  const pid = Number((await readFile(s.pidFile, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (child.exitCode === null) child.kill('SIGTERM');
}

async function cleanup(s: Session): Promise<void> {
  await Promise.all([rm(s.pidFile, { force: true }), rm(s.logFile, { force: true })]);
}

/** Starts a command in the container with the streams asked for. */
export function execProcess(t: ExecTarget, command: string[], options: StreamOptions): ContainerProcess {
  const s = session(t, command, options.tty);
  let child: ChildProcess;
  if (options.tty) {
    child = spawn(t.python, ['-c', HELPER_SOURCE, 'tty', t.runc, ...s.argv], {
      // stdin stays a pipe even unasked: an ended stdin would send the terminal an EOF.
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
  } else {
    child = spawn(t.runc, s.argv, {
      stdio: [
        options.stdin ? 'pipe' : 'ignore',
        options.stdout ? 'pipe' : 'ignore',
        options.stderr ? 'pipe' : 'ignore',
      ],
    });
  }
  child.stdin?.on('error', () => {});
  const stdout = options.stdout || options.tty ? new PassThrough() : undefined;
  const stderr = options.stderr && !options.tty ? new PassThrough() : undefined;
  if (stdout && child.stdout) child.stdout.pipe(stdout, { end: false });
  if (stderr && child.stderr) child.stderr.pipe(stderr, { end: false });
  // The helper's own stderr (tty mode) only carries its failures.
  let helperErr = '';
  if (options.tty) child.stderr?.on('data', (d: Buffer) => (helperErr += d.toString()));
  const exited = new Promise<number>((resolve) => {
    child.on('error', (e) => {
      (stderr ?? stdout)?.write(`${e.message}\n`);
      stdout?.end();
      stderr?.end();
      resolve(126);
    });
    child.on('close', async (code, signal) => {
      let exit = exitCodeOf(code, signal);
      const failure = await runcFailure(s.logFile);
      if (failure) {
        (stderr ?? stdout)?.write(`${failure.message}\n`);
        exit = failure.code;
      } else if (helperErr && exit !== 0) {
        (stderr ?? stdout)?.write(helperErr);
      }
      stdout?.end();
      stderr?.end();
      await cleanup(s);
      resolve(exit);
    });
  });
  const ctl = child.stdio[3] as Writable | undefined;
  ctl?.on('error', () => {});
  return {
    stdin: options.stdin ? (child.stdin ?? undefined) : undefined,
    stdout,
    stderr,
    resize(cols, rows) {
      if (options.tty && ctl?.writable) ctl.write(`${Math.floor(cols)} ${Math.floor(rows)}\n`);
    },
    exited,
    kill() {
      void killSession(s, child);
    },
  };
}

/** Runs a command to its end or the timeout (exitCode -1, the process killed), with its output. */
export function execSync(
  t: ExecTarget,
  command: string[],
  timeoutMs: number,
): Promise<{ exitCode: number; output: string }> {
  const s = session(t, command, false);
  return new Promise((resolve) => {
    const child = spawn(t.runc, s.argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let size = 0;
    const collect = (d: Buffer) => {
      if (size >= MAX_SYNC_OUTPUT) return;
      chunks.push(d.subarray(0, MAX_SYNC_OUTPUT - size));
      size += d.length;
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            void killSession(s, child);
          }, timeoutMs)
        : undefined;
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: 126, output: e.message });
    });
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      const failure = await runcFailure(s.logFile);
      await cleanup(s);
      if (timedOut) return resolve({ exitCode: -1, output: Buffer.concat(chunks).toString() });
      if (failure) return resolve({ exitCode: failure.code, output: failure.message });
      resolve({ exitCode: exitCodeOf(code, signal), output: Buffer.concat(chunks).toString() });
    });
  });
}

/** Splits the helper's attach frames ([stream][length][data]) onto stdout and stderr. */
function demux(input: Readable, stdout: PassThrough | undefined, stderr: PassThrough | undefined): void {
  let buf: Buffer = Buffer.alloc(0);
  input.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      const stream = buf[0];
      const data = buf.subarray(5, 5 + len);
      buf = buf.subarray(5 + len);
      // conmon's pipe numbers: 1 stdin, 2 stdout, 3 stderr.
      (stream === 3 ? (stderr ?? stdout) : stdout)?.write(data);
    }
  });
}

/**
 * Attaches to the container's main process through conmon. `exitCode` resolves with the
 * container's exit code once it is known (the helper ends when conmon closes the socket).
 */
export function attachProcess(
  python: string,
  bundle: string,
  options: StreamOptions,
  exitCode: () => Promise<number>,
): ContainerProcess {
  const child = spawn(python, ['-c', HELPER_SOURCE, 'attach', bundle, options.stdin ? '1' : '0'], {
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  child.stdin?.on('error', () => {});
  const stdout = options.stdout || options.tty ? new PassThrough() : undefined;
  const stderr = options.stderr && !options.tty ? new PassThrough() : undefined;
  demux(child.stdout!, stdout, stderr);
  let detached = false;
  let helperErr = '';
  child.stderr!.on('data', (d: Buffer) => (helperErr += d.toString()));
  const exited = new Promise<number>((resolve) => {
    child.on('error', (e) => {
      (stderr ?? stdout)?.write(`${e.message}\n`);
      stdout?.end();
      stderr?.end();
      resolve(-1);
    });
    child.on('close', async (code) => {
      if (code !== 0 && !detached && helperErr) (stderr ?? stdout)?.write(`attach: ${helperErr}`);
      stdout?.end();
      stderr?.end();
      resolve(detached || code !== 0 ? -1 : await exitCode());
    });
  });
  return {
    stdin: options.stdin ? (child.stdin ?? undefined) : undefined,
    stdout,
    stderr,
    resize(cols, rows) {
      // conmon's control fifo: "1 ROWS COLS" resizes the container's terminal.
      if (!options.tty) return;
      void open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK)
        .then(async (fh) => {
          await fh.write(`1 ${Math.floor(rows)} ${Math.floor(cols)}\n`);
          await fh.close();
        })
        .catch(() => {});
    },
    exited,
    kill() {
      detached = true;
      child.kill('SIGTERM');
    },
  };
}

/** One TCP connection to host:port made from inside a network namespace. */
export function connectInNetns(
  python: string,
  nsenter: string,
  netnsPath: string,
  host: string,
  port: number,
): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      nsenter,
      [`--net=${netnsPath}`, '--', python, '-c', HELPER_SOURCE, 'forward', host, String(port)],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.stdin!.on('error', () => {});
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    let settled = false;
    const out = child.stdout!;
    const onFirst = (d: Buffer) => {
      settled = true;
      if (d[0] === 0x4f /* O */) {
        out.pause();
        if (d.length > 1) out.unshift(d.subarray(1));
        const duplex = Duplex.from({ readable: out, writable: child.stdin! });
        duplex.on('close', () => child.kill('SIGTERM'));
        duplex.on('error', () => child.kill('SIGTERM'));
        resolve(duplex);
      } else {
        // "E<message>": the connect failed inside the pod.
        const rest: Buffer[] = [d.subarray(1)];
        out.on('data', (x: Buffer) => rest.push(x));
        out.on('end', () =>
          reject(new Error(`connecting to ${host}:${port} in the pod: ${Buffer.concat(rest).toString()}`)),
        );
      }
    };
    out.once('data', onFirst);
    child.on('error', (e) => {
      if (!settled) reject(new Error(`cannot run ${nsenter}: ${e.message}`));
    });
    child.on('close', () => {
      if (!settled) {
        settled = true;
        reject(new Error(`connecting to ${host}:${port} in the pod: ${stderr.trim() || 'relay failed'}`));
      }
    });
  });
}
