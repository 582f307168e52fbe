/**
 * `skiff agent`: joins a cluster as a node. By default this machine is the node and pods run as
 * runc containers; with --virtual N it serves N simulated nodes from this process instead (the
 * virtual runtime), for scale tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { startAgent } from '../agent/agent.js';
import { nodeCredential } from '../agent/node/credential.js';
import { defaultNodeIP } from '../agent/node/host.js';
import { virtualNodes } from '../agent/node/virtual-nodes.js';
import { startNodeAgent } from '../agent/node-agent.js';
import { VirtualRuntime } from '../agent/runtime/virtual/virtual-runtime.js';
import { httpClient } from '../client/http.js';
import {
  type Command,
  defaultDataDir,
  parseFlags,
  parseLogRotation,
  parsePort,
  UsageError,
} from './command.js';

const help = `Join a skiff cluster as a node agent.

Usage: skiff agent --server URL --token TOKEN [flags]            this machine runs pods (runc)
       skiff agent --server URL --token TOKEN --virtual N [flags] N simulated nodes

Flags:
  --server URL            API server, e.g. https://127.0.0.1:6443
  --token TOKEN           node token (the server's <data-dir>/node-token); a real node uses it
                          only to request its own client certificate (a CSR the server approves),
                          kept in <data-dir>/agent/pki and reused while valid
  --token-file FILE       read the node token from FILE
  --ca-file FILE          cluster CA certificate (the server's <data-dir>/tls/ca.crt): verifies
                          the server, and only clients it signed may use the node's endpoint.
                          Default <data-dir>/tls/ca.crt when it exists; virtual nodes may omit it
                          (the server is then NOT verified)

Real node:
  --node-name NAME        the Node's name (default: the host name)
  --node-ip IP            the node's InternalIP; its endpoint listens there (default: the host's first address)
  --kubelet-port N        the endpoint's port for logs/exec/port-forward/stats (default 10250; 0: any free port)
  --data-dir DIR          runtime state, images, pod volumes and logs (default $SKIFF_DATA_DIR or ~/.skiff)
  --insecure-registry H   a registry (host[:port]) reached over plain HTTP (repeatable; loopback ones always are)
  --container-log-max-size SIZE  rotate a container's log past this size (default 10Mi)
  --container-log-max-files N    log files kept per container, the current one included (default 5)

Virtual nodes:
  --virtual N             serve N simulated nodes from this process
  --name-prefix PREFIX    virtual node names are PREFIX0, PREFIX1, ... (default virtual-)
  --labels K=V,...        extra labels on every node
  --capacity K=V,...      node capacity (default cpu=8,memory=32Gi,pods=110,ephemeral-storage=100Gi)
  --cluster-cidr CIDR     range node pod CIDRs are carved from (default 10.42.0.0/16)
  --node-cidr-mask-size N prefix length of each node's pod CIDR (default 24, longer if N needs it)
  --start-delay MS        virtual containers start after MS milliseconds (default 100)
  --run-duration MS       virtual Never/OnFailure containers exit after MS milliseconds (default 1000)
  -h, --help              this help

Pod annotations for virtual nodes: skiff.dev/virtual-exit-code (default 0) and
skiff.dev/virtual-run-seconds (makes any pod's containers exit after that long).
`;

/** Parses "k=v,k2=v2" (empty values allowed, keys required). */
export function parseKeyValues(flag: string, value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!value) return out;
  for (const part of value.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag}: expected key=value, got "${part}"`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function nonNegative(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected a number >= 0, got "${value}"`);
  return n;
}

/**
 * Reads a file the server writes on its first start (node-token, CA), waiting up to 30 s for it:
 * `skiff server & skiff agent ...` started together must not race.
 */
async function readWhenPresent(path: string): Promise<Buffer> {
  const deadline = Date.now() + 30_000;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`${path} does not exist (is the server's --data-dir right?)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return readFileSync(path);
}

async function token(v: { token?: string; 'token-file'?: string }): Promise<string> {
  if (v.token) return v.token.trim();
  if (v['token-file']) return (await readWhenPresent(v['token-file'])).toString('utf8').trim();
  throw new UsageError('--token or --token-file is required');
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'Run a node agent (--virtual N: simulated nodes)',
  async run(args) {
    const parsed = parseFlags(
      args,
      {
        server: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        'ca-file': { type: 'string' },
        virtual: { type: 'string' },
        'name-prefix': { type: 'string' },
        labels: { type: 'string' },
        capacity: { type: 'string' },
        'cluster-cidr': { type: 'string' },
        'node-cidr-mask-size': { type: 'string' },
        'start-delay': { type: 'string' },
        'run-duration': { type: 'string' },
        'node-name': { type: 'string' },
        'node-ip': { type: 'string' },
        'kubelet-port': { type: 'string' },
        'data-dir': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        'container-log-max-size': { type: 'string' },
        'container-log-max-files': { type: 'string' },
      },
      help,
    );
    if (!parsed) return 0;
    const v = parsed.values;
    if (parsed.positionals.length) throw new UsageError(`unexpected argument "${parsed.positionals[0]}"`);
    if (!v.server) throw new UsageError('--server is required');
    if (v.virtual === undefined) return runRealNode(v as RealNodeFlags);
    const count = Number(v.virtual);
    if (!Number.isInteger(count) || count < 1)
      throw new UsageError(`--virtual: expected a whole number >= 1, got "${v.virtual}"`);
    const nodes = virtualNodes({
      count,
      prefix: v['name-prefix'],
      labels: parseKeyValues('--labels', v.labels),
      capacity: parseKeyValues('--capacity', v.capacity),
      clusterCIDR: v['cluster-cidr'],
      nodeCIDRMaskSize: v['node-cidr-mask-size']
        ? nonNegative('--node-cidr-mask-size', v['node-cidr-mask-size'], 24)
        : undefined,
    });
    const ca = v['ca-file'] ? await readWhenPresent(v['ca-file']) : undefined;
    if (!ca) {
      process.stderr.write(
        'skiff agent: warning: no --ca-file given; the server certificate is NOT verified (pass <data-dir>/tls/ca.crt)\n',
      );
    }
    const client = httpClient({ server: v.server, token: await token(v), ca, insecureSkipTLSVerify: !ca });
    const runtime = new VirtualRuntime({
      startDelayMs: nonNegative('--start-delay', v['start-delay'], 100),
      runDurationMs: nonNegative('--run-duration', v['run-duration'], 1000),
    });
    const log = (line: string) => process.stderr.write(`skiff agent: ${line}\n`);
    // Timers and the HTTP/2 session do not hold the process open; this does, until a signal.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      const agent = await startAgent({ client, nodes, runtime, log });
      log(
        `serving ${count} virtual node(s) (${nodes[0].name} .. ${nodes[nodes.length - 1].name}) for ${v.server}`,
      );
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await agent.stop();
      return 0;
    } finally {
      clearInterval(keepAlive);
      await runtime.close();
      client.close();
    }
  },
};

interface RealNodeFlags {
  server: string;
  token?: string;
  'token-file'?: string;
  'ca-file'?: string;
  labels?: string;
  'node-name'?: string;
  'node-ip'?: string;
  'kubelet-port'?: string;
  'data-dir'?: string;
  'insecure-registry'?: string[];
  'container-log-max-size'?: string;
  'container-log-max-files'?: string;
  'cluster-cidr'?: string;
}

/** Waits for SIGINT or SIGTERM; keeps the process alive meanwhile. */
export function untilSignal(): Promise<void> {
  const keepAlive = setInterval(() => {}, 1 << 30);
  return new Promise<void>((done) => {
    const stop = () => {
      clearInterval(keepAlive);
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/** This machine as a node: pods run as runc containers until a signal stops the agent. */
async function runRealNode(v: RealNodeFlags): Promise<number> {
  const logRotation = parseLogRotation(v['container-log-max-size'], v['container-log-max-files']);
  if (process.getuid?.() !== 0) throw new Error('a real node runs containers and must run as root');
  const dataDir = resolve(v['data-dir'] ?? defaultDataDir());
  const caFile = v['ca-file'] ?? join(dataDir, 'tls', 'ca.crt');
  if (!v['ca-file'] && !existsSync(caFile)) {
    throw new UsageError("--ca-file is required (the server's <data-dir>/tls/ca.crt)");
  }
  const ca = await readWhenPresent(caFile);
  const log = (line: string) => process.stderr.write(`skiff agent: ${line}\n`);
  const nodeName = v['node-name'] ?? hostname().toLowerCase();
  // TLS bootstrap, as the kubelet's: the token only files a CSR; the node then speaks as
  // system:node:<name> with the certificate it got (kept under <data-dir>/agent/pki).
  const credential = await nodeCredential({
    serverURL: v.server,
    token: await token(v),
    ca,
    nodeName,
    dir: join(dataDir, 'agent', 'pki'),
    log,
  });
  const client = httpClient({ server: v.server, ca, cert: credential.cert, key: credential.key });
  try {
    const agent = await startNodeAgent({
      client,
      dataDir,
      nodeName,
      nodeIP: v['node-ip'] ?? defaultNodeIP(),
      kubeletPort: parsePort(v['kubelet-port'], 10250),
      clusterCA: ca.toString('utf8'),
      clusterCIDR: v['cluster-cidr'],
      insecureRegistries: v['insecure-registry'],
      logRotation,
      labels: parseKeyValues('--labels', v.labels),
      log,
    });
    log(
      `serving node ${nodeName} (pod CIDR ${agent.podCIDR}, endpoint port ${agent.kubeletPort}) for ${v.server}`,
    );
    await untilSignal();
    await agent.stop();
    return 0;
  } finally {
    client.close();
  }
}
