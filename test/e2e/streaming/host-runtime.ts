/**
 * A StreamingRuntime test double whose "containers" are host processes: the main process is
 * `/bin/sh -c <script>` with its output written to CRI log files as conmon would (F records for
 * whole lines, P for a partial one), exec spawns the command on the host (through `script` when
 * a terminal is asked for, so the command really gets a pseudo-terminal), attach taps the main
 * process's pipes, and port-forward connects to a loopback port the test maps. Only the runtime
 * is doubled: protocols, proxy, TLS and kubectl stay real.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { constants } from 'node:os';
import { join } from 'node:path';
import { type Duplex, PassThrough, type Writable } from 'node:stream';
import type {
  ContainerProcess,
  PodCgroups,
  StreamingRuntime,
  StreamOptions,
} from '../../../src/agent/runtime/streams.js';

interface Attempt {
  child: ChildProcess;
  logPath: string;
  exited: Promise<number>;
  running: boolean;
  /** Output listeners of attached clients. */
  taps: Set<{ stdout: PassThrough; stderr?: PassThrough }>;
}

interface HostContainer {
  attempts: Attempt[];
}

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + ((signal && constants.signals[signal]) || 9);
}

/** SIGKILL to the child's whole process group (it was spawned detached, as a group leader). */
function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function shellQuote(args: string[]): string {
  return args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
}

function stamp(): string {
  return new Date().toISOString().replace('Z', '000000Z');
}

export class HostRuntime implements StreamingRuntime {
  private readonly containers = new Map<string, HostContainer>();
  private readonly children = new Set<ChildProcess>();
  /** Pod port → loopback port on the host, for port-forward. */
  readonly portMap = new Map<number, number>();
  /** Terminal sizes exec/attach sessions asked for, in order. */
  readonly resizes: Array<[number, number]> = [];
  /** Commands exec was asked to run, in order. */
  readonly execs: string[][] = [];
  detaches = 0;

  constructor(private readonly dir: string) {}

  private key(uid: string, name: string): string {
    return `${uid}/${name}`;
  }

  /** Starts a new attempt of a container: `/bin/sh -c script`, output to a CRI log file. */
  start(uid: string, name: string, script: string): void {
    const key = this.key(uid, name);
    const c = this.containers.get(key) ?? { attempts: [] };
    this.containers.set(key, c);
    const dir = join(this.dir, uid, name);
    mkdirSync(dir, { recursive: true });
    const logPath = join(dir, `${c.attempts.length}.log`);
    appendFileSync(logPath, '');
    // Own process group, so a stop kills the shell's children too (sleep, pipelines).
    const child = spawn('/bin/sh', ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.children.add(child);
    child.stdin?.on('error', () => {});
    const attempt: Attempt = {
      child,
      logPath,
      running: true,
      taps: new Set(),
      exited: new Promise((resolve) => {
        child.on('exit', (code, signal) => {
          attempt.running = false;
          this.children.delete(child);
          for (const t of attempt.taps) {
            t.stdout.end();
            t.stderr?.end();
          }
          resolve(exitCode(code, signal));
        });
      }),
    };
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.on('data', (chunk: Buffer) => {
        writeCRI(logPath, stream, chunk);
        for (const t of attempt.taps) (stream === 'stdout' ? t.stdout : (t.stderr ?? t.stdout)).write(chunk);
      });
    }
    c.attempts.push(attempt);
  }

  /** Writes to a container's main process stdin (to make it print on demand). */
  send(uid: string, name: string, text: string): void {
    this.current(uid, name)?.child.stdin?.write(text);
  }

  /** Stops the current attempt (SIGKILL) and waits for it. */
  async stop(uid: string, name: string): Promise<void> {
    const a = this.current(uid, name);
    if (!a) return;
    killGroup(a.child);
    await a.exited;
  }

  private current(uid: string, name: string): Attempt | undefined {
    return this.containers.get(this.key(uid, name))?.attempts.at(-1);
  }

  running(uid: string, name: string): boolean {
    return this.current(uid, name)?.running ?? false;
  }

  logPath(uid: string, container: string, previous: boolean): string | undefined {
    const attempts = this.containers.get(this.key(uid, container))?.attempts ?? [];
    return attempts.at(previous ? -2 : -1)?.logPath;
  }

  async exec(
    uid: string,
    container: string,
    command: string[],
    options: StreamOptions,
  ): Promise<ContainerProcess> {
    if (!this.running(uid, container)) throw new Error(`container ${container} is not running`);
    this.execs.push(command);
    const [file, args] = options.tty
      ? ['script', ['-qfec', shellQuote(command), '/dev/null']]
      : [command[0], command.slice(1)];
    const child = spawn(file, args, {
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      cwd: '/',
      detached: true,
    });
    this.children.add(child);
    const spawned = await new Promise<Error | undefined>((resolve) => {
      child.once('spawn', () => resolve(undefined));
      child.once('error', (err) => resolve(err));
    });
    if (spawned) {
      this.children.delete(child);
      throw new Error(`exec ${JSON.stringify(command)}: ${spawned.message}`);
    }
    return {
      stdin: options.stdin ? (child.stdin as Writable) : undefined,
      stdout: child.stdout ?? undefined,
      stderr: options.tty ? undefined : (child.stderr ?? undefined),
      resize: (cols, rows) => {
        this.resizes.push([cols, rows]);
        if (options.tty && child.pid) setPtySize(child.pid, cols, rows);
      },
      exited: new Promise((resolve) =>
        child.on('exit', (code, signal) => {
          this.children.delete(child);
          resolve(exitCode(code, signal));
        }),
      ),
      kill: () => killGroup(child),
    };
  }

  async attach(uid: string, container: string, options: StreamOptions): Promise<ContainerProcess> {
    const a = this.current(uid, container);
    if (!a?.running) throw new Error(`container ${container} is not running`);
    const tap = { stdout: new PassThrough(), stderr: options.tty ? undefined : new PassThrough() };
    a.taps.add(tap);
    let detach: (code: number) => void = () => {};
    const detached = new Promise<number>((resolve) => {
      detach = resolve;
    });
    const stdin = options.stdin ? new PassThrough() : undefined;
    // The main process keeps its stdin when a client detaches (stdinOnce: false).
    stdin?.on('data', (chunk: Buffer) => a.child.stdin?.write(chunk));
    return {
      stdin,
      stdout: options.stdout ? tap.stdout : undefined,
      stderr: options.stderr ? tap.stderr : undefined,
      resize: (cols, rows) => this.resizes.push([cols, rows]),
      exited: Promise.race([a.exited, detached]),
      kill: () => {
        if (!a.taps.delete(tap)) return;
        this.detaches++;
        tap.stdout.end();
        tap.stderr?.end();
        detach(-1);
      },
    };
  }

  async portForward(_uid: string, port: number): Promise<Duplex> {
    const target = this.portMap.get(port);
    if (!target) throw new Error(`nothing listens on port ${port} in the pod`);
    const socket = connect(target, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return socket;
  }

  async execSync(uid: string, container: string, command: string[], timeoutMs: number) {
    const proc = await this.exec(uid, container, command, {
      stdin: false,
      stdout: true,
      stderr: true,
      tty: false,
    });
    let output = '';
    proc.stdout?.on('data', (d) => {
      output += d;
    });
    proc.stderr?.on('data', (d) => {
      output += d;
    });
    const timer = setTimeout(() => proc.kill(), timeoutMs);
    const exitCode = await proc.exited;
    clearTimeout(timer);
    return { exitCode, output };
  }

  cgroups(): PodCgroups | undefined {
    return undefined;
  }

  /** Kills every process this runtime started. */
  async close(): Promise<void> {
    const waits = [...this.children].map(
      (c) =>
        new Promise<void>((resolve) =>
          c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve()),
        ),
    );
    for (const c of this.children) killGroup(c);
    await Promise.all(waits);
  }
}

/**
 * Applies a terminal size to the pseudo-terminal `script` (pid) gave its command, as a runtime
 * would with TIOCSWINSZ on the pty: the command's stdin is the pty, `stty -F` sets its size.
 * The command may not have started yet when the first size arrives, so this retries briefly.
 */
function setPtySize(scriptPid: number, cols: number, rows: number, attempt = 0): void {
  let tty: string | undefined;
  try {
    const child = readFileSync(`/proc/${scriptPid}/task/${scriptPid}/children`, 'utf8').trim().split(' ')[0];
    if (child) tty = readlinkSync(`/proc/${child}/fd/0`);
  } catch {
    // Not started yet, or already gone.
  }
  if (tty?.startsWith('/dev/pts/')) {
    spawn('stty', ['-F', tty, 'rows', String(rows), 'cols', String(cols)], { stdio: 'ignore' }).on(
      'error',
      () => {},
    );
  } else if (attempt < 40) {
    setTimeout(() => setPtySize(scriptPid, cols, rows, attempt + 1), 25);
  }
}

/** Appends output as conmon does: an F record per complete line, a P record for a trailing part. */
function writeCRI(path: string, stream: 'stdout' | 'stderr', chunk: Buffer): void {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < chunk.length) {
    const nl = chunk.indexOf(0x0a, at);
    const end = nl < 0 ? chunk.length : nl;
    parts.push(
      Buffer.from(`${stamp()} ${stream} ${nl < 0 ? 'P' : 'F'} `),
      chunk.subarray(at, end),
      Buffer.from('\n'),
    );
    at = end + 1;
  }
  appendFileSync(path, Buffer.concat(parts));
}
