/**
 * Starts real `skiff agent --virtual N` processes (the built bin, as a user runs it) against a
 * test server, and waits until their nodes are Ready as the real kubectl sees them. stop() sends
 * SIGTERM (a clean leave), kill() SIGKILL (heartbeats just stop: node-lifecycle tests).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { skiffBin, type TestServer } from './cluster.js';
import { eventually, getJson } from './kube.js';

/** What a virtual agent serves. */
export interface AgentOptions {
  /** Number of virtual nodes. */
  count: number;
  /** Node names are `${prefix}0`, `${prefix}1`, ... (make it unique per server). */
  prefix: string;
  /** Labels on every node of this agent. */
  labels?: Record<string, string>;
  /** `--capacity` value, e.g. 'cpu=2,memory=4Gi,pods=110'. */
  capacity?: string;
  /** Extra flags, e.g. ['--start-delay', '50', '--run-duration', '500']. */
  args?: string[];
  /** How long to wait for every node to be Ready (default 20 s). */
  readyTimeoutMs?: number;
}

/** A running virtual agent. */
export interface TestAgent {
  /** Its node names, in order. */
  nodes: string[];
  process: ChildProcess;
  /** Output so far, for failure messages. */
  log(): string;
  /** SIGKILL: the nodes stop heartbeating without leaving. Idempotent. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. Idempotent. */
  stop(): Promise<void>;
}

type Server = Pick<TestServer, 'url' | 'dataDir' | 'kubeconfig'>;

interface NodeList {
  items: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Names of the nodes (among `names`) whose Ready condition is True. */
export function readyNodes(server: Pick<TestServer, 'kubeconfig'>, names: string[]): string[] {
  const list = getJson<NodeList>(server, ['get', 'nodes', '-o', 'json']);
  const ready = new Set(
    list.items
      .filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata.name),
  );
  return names.filter((n) => ready.has(n));
}

/** Spawns a virtual agent for `server` and resolves once all its nodes are Ready. */
export async function startAgent(server: Server, opts: AgentOptions): Promise<TestAgent> {
  const labels = Object.entries(opts.labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const args = [
    skiffBin,
    'agent',
    '--server',
    server.url,
    '--token-file',
    join(server.dataDir, 'node-token'),
    '--ca-file',
    join(server.dataDir, 'tls', 'ca.crt'),
    '--virtual',
    String(opts.count),
    '--name-prefix',
    opts.prefix,
    ...(labels ? ['--labels', labels] : []),
    ...(opts.capacity ? ['--capacity', opts.capacity] : []),
    ...(opts.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const nodes = Array.from({ length: opts.count }, (_, i) => `${opts.prefix}${i}`);
  const signal = async (sig: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(timer);
  };
  const agent: TestAgent = {
    nodes,
    process: child,
    log: () => output,
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
  try {
    await eventually(
      () => {
        if (child.exitCode !== null) throw new Error(`agent exited with ${child.exitCode}:\n${output}`);
        return readyNodes(server, nodes).length === nodes.length;
      },
      opts.readyTimeoutMs ?? 20_000,
      `nodes ${nodes.join(', ')} Ready`,
    );
  } catch (err) {
    await agent.kill();
    throw new Error(`${(err as Error).message}\nagent output:\n${output}`);
  }
  return agent;
}
