/**
 * A simulated cluster for the scheduling benchmarks: a `skiff agent --virtual N` process next to a
 * started server, a wait until every node is Ready (seen through one watch), bulk pod creation
 * from a closed loop, and a watch that counts pods as they get bound. Everything is bounded by
 * deadlines so a stuck cluster fails the bench instead of hanging it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopChild, trackChild } from './cleanup.js';
import type { Client, H2Client } from './client.js';
import { profileArgs } from './cpu-profile.js';
import { closedLoop, type PhaseResult } from './load.js';
import { probeReady, repoRoot, type SkiffProcess, startSkiff } from './skiff-process.js';
import { snapshotSourceMaps } from './source-map.js';

/** A running virtual-node agent. */
export interface AgentProcess {
  child: ChildProcess;
  pid: number;
  /** The end of the agent's stderr, for error messages. */
  stderr(): string;
  stop(): Promise<void>;
  assertAlive(): void;
}

/** Options for startVirtualAgent. */
export interface AgentOptions {
  nodes: number;
  capacity?: string;
  /** Virtual container start delay, ms (the agent's default is 100). */
  startDelayMs?: number;
  namePrefix?: string;
}

/** `skiff agent` joining the server with its node token and trusting its CA; flags follow. */
export function agentArgs(server: SkiffProcess, ...flags: string[]): string[] {
  return [
    join(repoRoot(), 'bin', 'skiff.js'),
    'agent',
    '--server',
    `https://127.0.0.1:${server.port}`,
    '--token-file',
    join(server.dataDir, 'node-token'),
    '--ca-file',
    join(server.dataDir, 'tls', 'ca.crt'),
    ...flags,
  ];
}

/** Spawns `skiff agent --virtual N` against the server, trusting its CA with its node token. */
export function startVirtualAgent(server: SkiffProcess, o: AgentOptions): AgentProcess {
  const args = agentArgs(
    server,
    '--virtual',
    String(o.nodes),
    '--capacity',
    o.capacity ?? 'cpu=8,memory=32Gi,pods=110',
    '--name-prefix',
    o.namePrefix ?? 'vn-',
  );
  if (o.startDelayMs !== undefined) args.push('--start-delay', String(o.startDelayMs));
  // The agent never inherits a profiler meant for the server.
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = trackChild(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env }));
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    err = (err + c).slice(-4000);
  });
  return {
    child,
    pid: child.pid ?? -1,
    stderr: () => err,
    stop: () => stopChild(child),
    assertAlive() {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`skiff agent exited (${child.exitCode ?? child.signalCode}): ${err}`);
    },
  };
}

/** One decoded watch event. */
export interface WatchEvent {
  type: string;
  // a watch carries arbitrary Kubernetes objects, read defensively
  object: any;
}

/** Opens a watch on `path` (a collection URL) and hands each event to onEvent with its arrival time. */
export async function watchEvents(
  h2: H2Client,
  path: string,
  onEvent: (e: WatchEvent, at: number) => void,
): Promise<() => void> {
  const sep = path.includes('?') ? '&' : '?';
  const stream = h2.watch(`${path}${sep}watch=1`, (line, at) => {
    let e: WatchEvent;
    try {
      e = JSON.parse(line);
    } catch {
      return;
    }
    onEvent(e, at);
  });
  const status = await stream.opened;
  if (status !== 200) throw new Error(`watch ${path}: HTTP ${status}`);
  return stream.close;
}

/** Resolves when check() is true (checked every pollMs); rejects with `what` after timeoutMs. */
export async function until(check: () => boolean, timeoutMs: number, what: () => string, pollMs = 20) {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

const isReady = (node: { status?: { conditions?: Array<{ type: string; status: string }> } }) =>
  node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/**
 * Watches nodes until `count` are Ready; returns milliseconds since `since` (performance.now()).
 * `alive` is checked while waiting so a crashed agent or server fails fast.
 */
export async function waitNodesReady(
  h2: H2Client,
  count: number,
  since: number,
  timeoutMs: number,
  alive: () => void,
): Promise<number> {
  const ready = new Set<string>();
  let last = since;
  const close = await watchEvents(h2, '/api/v1/nodes', (e, at) => {
    const name = e.object?.metadata?.name;
    if (!name) return;
    if (e.type !== 'DELETED' && isReady(e.object)) {
      if (!ready.has(name)) last = at;
      ready.add(name);
    } else ready.delete(name);
  });
  try {
    await until(
      () => {
        alive();
        return ready.size >= count;
      },
      timeoutMs,
      () => `${ready.size}/${count} nodes Ready`,
      100,
    );
  } finally {
    close();
  }
  return last - since;
}

/** Counts pods of one namespace as they get spec.nodeName, from one watch stream. */
export interface BindCounter {
  /** Pods seen bound so far. */
  bound(): number;
  /** performance.now() of the chunk that carried the n-th binding (1-based), or undefined. */
  boundAt(n: number): number | undefined;
  close(): void;
}

/** Starts counting bindings in `namespace` (open it before the first create). */
export async function countBindings(h2: H2Client, namespace: string): Promise<BindCounter> {
  const seen = new Set<string>();
  const times: number[] = [];
  const close = await watchEvents(h2, `/api/v1/namespaces/${namespace}/pods`, (e, at) => {
    const name = e.object?.metadata?.name;
    if (!name || !e.object?.spec?.nodeName || seen.has(name)) return;
    seen.add(name);
    times.push(at);
  });
  return { bound: () => seen.size, boundAt: (n) => times[n - 1], close };
}

/** A small pod: one container requesting 100m cpu and 128Mi. */
export function smallPodBody(namespace: string, name: string, schedulerName?: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: 'bench' } },
    spec: {
      ...(schedulerName ? { schedulerName } : {}),
      containers: [
        { name: 'c', image: 'busybox', resources: { requests: { cpu: '100m', memory: '128Mi' } } },
      ],
    },
  });
}

/** Creates a namespace (Conflict is fine: it exists). */
export async function createNamespace(client: Client, name: string): Promise<void> {
  const res = await client.request(
    'POST',
    '/api/v1/namespaces',
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }),
  );
  if (res.status !== 201 && res.status !== 409)
    throw new Error(`create namespace ${name}: HTTP ${res.status} ${res.body.toString().slice(0, 200)}`);
}

/** Creates `count` small pods named `${prefix}${i}` from `concurrency` closed loops, bounded by timeoutMs. */
export function createPods(
  client: Client,
  namespace: string,
  prefix: string,
  count: number,
  concurrency: number,
  timeoutMs: number,
  schedulerName?: string,
): Promise<PhaseResult> {
  const path = `/api/v1/namespaces/${namespace}/pods`;
  return closedLoop(concurrency, timeoutMs, count, async (i) => {
    const res = await client.request('POST', path, smallPodBody(namespace, `${prefix}${i}`, schedulerName));
    return res.status === 201;
  });
}

/** The 1, 5 and 15 minute load averages, as Linux reports them ("" elsewhere). */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '';
  }
}

/**
 * startSkiff, or a server of the same shape with extra flags and/or, with profileDir, under
 * `node --cpu-prof` (Node 20 refuses --cpu-prof in NODE_OPTIONS, so startSkiff cannot do it).
 */
export async function startServer(
  dataDir: string,
  profileDir?: string,
  extraArgs: string[] = [],
): Promise<SkiffProcess> {
  if (!profileDir && extraArgs.length === 0) return startSkiff(dataDir);
  if (profileDir) snapshotSourceMaps(join(repoRoot(), 'dist'), join(profileDir, 'maps'));
  const args = [
    ...(profileDir ? profileArgs(profileDir) : []),
    join(repoRoot(), 'bin', 'skiff.js'),
    'server',
    '--data-dir',
    dataDir,
    '--port',
    '0',
    '--bind-address',
    '127.0.0.1',
    ...extraArgs,
  ];
  const t0 = performance.now();
  const child = trackChild(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    err = (err + c).slice(-4000);
  });
  const dead = () => child.exitCode !== null || child.signalCode !== null;
  let port = 0;
  try {
    await until(
      () => {
        if (dead()) throw new Error(`skiff server exited (${child.exitCode ?? child.signalCode}): ${err}`);
        port = Number(/listening on https:\/\/[^\s/]+:(\d+)/.exec(err)?.[1] ?? 0);
        return port > 0;
      },
      60_000,
      () => `skiff server did not announce its port: ${err}`,
    );
    const deadline = performance.now() + 60_000;
    while (!(await probeReady(port))) {
      if (dead() || performance.now() > deadline) throw new Error(`skiff server not ready: ${err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } catch (e) {
    await stopChild(child);
    throw e;
  }
  const tlsDir = join(dataDir, 'tls');
  return {
    child,
    pid: child.pid ?? -1,
    port,
    dataDir,
    readyMs: performance.now() - t0,
    tls: {
      ca: readFileSync(join(tlsDir, 'ca.crt')),
      cert: readFileSync(join(tlsDir, 'admin.crt')),
      key: readFileSync(join(tlsDir, 'admin.key')),
    },
    stop: () => stopChild(child),
    assertAlive() {
      if (dead())
        throw new Error(`skiff server died during the run (${child.exitCode ?? child.signalCode}): ${err}`);
    },
  };
}

/** Stops the server with a long grace period: a profiled server writes its profile on the way out. */
export const stopServer = (server: SkiffProcess): Promise<void> => stopChild(server.child, 30_000);

/**
 * CPU seconds (user + system, all threads) a live process has used, from /proc/<pid>/stat; -1
 * when unreadable. On a shared machine, work per CPU second is steadier than work per second.
 */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return -1;
  }
}
