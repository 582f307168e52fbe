/**
 * A real one-node cluster for e2e tests: a `skiff server` process, a `skiff agent` process that
 * runs pods as runc containers on this machine (node IP 127.0.0.1, so nothing leaves loopback),
 * and a local registry serving a busybox image. `leftovers()` lists what a deleted pod could have
 * left behind (network namespaces, veths, mounts, cgroups, conmon processes, runc state);
 * `stop()` stops everything and removes whatever remains, also after a failed test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeHostNetwork, removeUnusedPortmapChains } from '../../src/agent/network/host.js';
import { buildBusyboxImage } from './busybox-image.js';
import { kubectl, skiffBin, startServer, type TestServer } from './cluster.js';
import { eventually } from './kube.js';
import { startRegistry, type TestRegistry } from './registry.js';

export interface RealAgent {
  nodeName: string;
  /** The agent's --data-dir: runtime state, images, pod volumes and logs live under it. */
  dataDir: string;
  process: ChildProcess;
  log(): string;
  /** SIGKILL: containers must keep running (conmon holds them). */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s. */
  stop(): Promise<void>;
  /** Starts the agent process again on the same data dir (after kill). */
  restart(): Promise<void>;
}

export interface NodeCluster {
  server: TestServer;
  agent: RealAgent;
  registry: TestRegistry;
  /** The busybox image in the registry, e.g. 127.0.0.1:PORT/busybox:latest. */
  image: string;
  /** The OCI layout the image was built in (for pushes to other registries). */
  layout: string;
  /** Everything a deleted pod may have left behind; [] when clean. */
  leftovers(): string[];
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

const lines = (cmd: string, args: string[]) =>
  (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean);

/** Network namespaces skiff made (named skiff-<uid>). */
function skiffNetns(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith('skiff-')) : [];
}

/** Pod cgroups under /kubepods in any v1 controller (and the v2 tree). */
function podCgroups(): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 3 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const path = join(dir, e.name);
      if (e.name.startsWith('pod')) found.push(path);
      else walk(path, depth + 1);
    }
  };
  for (const c of [
    'cpu',
    'memory',
    'pids',
    'cpuacct',
    'blkio',
    'devices',
    'freezer',
    'cpuset',
    'systemd',
    'unified',
  ]) {
    walk(join('/sys/fs/cgroup', c, 'kubepods'), 0);
  }
  return found;
}

/** What pods of this agent left behind. */
export function agentLeftovers(dataDir: string, bridge = 'skiff0'): string[] {
  const out: string[] = [];
  for (const ns of skiffNetns()) out.push(`network namespace ${ns}`);
  for (const l of lines('ip', ['-o', 'link', 'show', 'master', bridge]))
    out.push(`interface on ${bridge}: ${l.split(':')[1]?.trim()}`);
  for (const m of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const point = m.split(' ')[4];
    if (point?.startsWith(dataDir) && !point.endsWith('/images')) out.push(`mount ${point}`);
  }
  for (const cg of podCgroups()) out.push(`cgroup ${cg}`);
  for (const p of lines('pgrep', ['-af', `conmon.*${dataDir}`])) out.push(`process ${p}`);
  const runcRoot = join(dataDir, 'agent', 'runtime', 'runc');
  if (existsSync(runcRoot)) for (const c of readdirSync(runcRoot)) out.push(`runc state ${c}`);
  return out;
}

/**
 * Removes everything skiff's agent made on this machine, whatever state it was left in: the
 * pods' processes, mounts, namespaces and cgroups, then the node's bridge, masquerade table and
 * portmap chains (as a node reset would), then the data dir.
 */
export async function forceCleanup(dataDir: string, bridge = 'skiff0'): Promise<void> {
  const quiet = { stdio: 'ignore' as const };
  for (const p of lines('pgrep', ['-f', `conmon.*${dataDir}`])) spawnSync('kill', ['-9', p], quiet);
  const runcRoot = join(dataDir, 'agent', 'runtime', 'runc');
  if (existsSync(runcRoot)) {
    for (const c of readdirSync(runcRoot)) spawnSync('runc', ['--root', runcRoot, 'delete', '-f', c], quiet);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((m) => m.split(' ')[4])
    .filter((p) => p?.startsWith(dataDir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m], quiet);
  for (const ns of skiffNetns()) spawnSync('ip', ['netns', 'delete', ns], quiet);
  for (const cg of podCgroups().sort((a, b) => b.length - a.length)) {
    // Children first: container cgroups inside the pod's.
    spawnSync('find', [cg, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], quiet);
  }
  await removeHostNetwork(bridge).catch(() => {});
  await removeUnusedPortmapChains().catch(() => false);
  rmSync(dataDir, { recursive: true, force: true });
}

/** Starts `skiff agent` for a real node against `server`; resolves once the node is Ready. */
export async function startRealAgent(
  server: TestServer,
  nodeName: string,
  dataDir: string,
  extraArgs: string[] = [],
): Promise<RealAgent> {
  let child: ChildProcess;
  let output = '';
  const launch = async () => {
    // Only this launch's output counts: "serving node" must come from the new process.
    output = '';
    child = spawn(
      process.execPath,
      [
        skiffBin,
        'agent',
        '--server',
        server.url,
        '--token-file',
        join(server.dataDir, 'node-token'),
        '--ca-file',
        join(server.dataDir, 'tls', 'ca.crt'),
        '--node-name',
        nodeName,
        '--node-ip',
        '127.0.0.1',
        '--kubelet-port',
        '0',
        '--data-dir',
        dataDir,
        ...extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (d: Buffer) => {
      output = (output + d.toString()).slice(-50_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    // An agent that exits ends the wait at once, with its output.
    const exitedEarly = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`agent exited with ${code}:\n${output}`))),
    );
    exitedEarly.catch(() => {});
    const ready = eventually(
      () => {
        const res = kubectl(server, [
          'get',
          'node',
          nodeName,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
        ]);
        return res.code === 0 && res.stdout.trim() === 'True' && /serving node/.test(output);
      },
      60_000,
      `node ${nodeName} Ready`,
    );
    await Promise.race([ready, exitedEarly]);
  };
  const signal = async (sig: NodeJS.Signals, graceMs: number) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited(child);
    clearTimeout(timer);
  };
  await launch();
  return {
    nodeName,
    dataDir,
    get process() {
      return child;
    },
    log: () => output,
    kill: () => signal('SIGKILL', 0),
    stop: () => signal('SIGTERM', 10_000),
    restart: launch,
  };
}

/** A server, a real agent and a registry with busybox; stop() leaves the machine as it was. */
/** A one-node cluster; agentArgs are extra `skiff agent` flags. */
export async function startNodeCluster(agentArgs: string[] = []): Promise<NodeCluster> {
  const work = mkdtempSync(join(tmpdir(), 'skiff-node-e2e-'));
  const dataDir = join(work, 'agent');
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(work, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch {
        // Best effort: every step runs even when one fails.
      }
    }
  };
  try {
    const built = await buildBusyboxImage(join(work, 'image'));
    const registry = await startRegistry();
    cleanups.push(() => registry.stop());
    const image = await registry.push(built.layout, built.ref, 'busybox:latest');
    const server = await startServer();
    cleanups.push(() => server.stop());
    cleanups.push(() => forceCleanup(dataDir));
    const agent = await startRealAgent(server, `node-${process.pid}`, dataDir, agentArgs);
    cleanups.push(() => agent.stop());
    return {
      server,
      agent,
      registry,
      image,
      layout: built.layout,
      leftovers: () => agentLeftovers(dataDir),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
