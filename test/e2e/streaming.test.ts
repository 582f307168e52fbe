/**
 * kubectl logs, exec (with and without a terminal), attach, cp and port-forward, from the real
 * kubectl v1.32 through an in-process API server to the agent's HTTPS endpoint, over both of
 * kubectl's transports (WebSocket by default, SPDY when told not to use WebSockets). Only the
 * runtime is a double (host processes, see streaming/host-runtime.ts).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningAgentServer, startAgentServer } from '../../src/agent/server/agent-server.js';
import type { SessionInfo } from '../../src/agent/server/streams.js';
import { readRest, upgradeRequest } from '../../src/agent/streaming/testing.js';
import { WebSocket } from '../../src/agent/streaming/websocket.js';
import type { KObject } from '../../src/api/object.js';
import { startTestServer, type TestServer } from '../support/in-process-server.js';
import { HostRuntime } from './streaming/host-runtime.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const ns = 'default';
const noWebSockets = { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false', KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' };

let ts: TestServer;
let runtime: HostRuntime;
let agent: RunningAgentServer;
let work: string;
let kubeconfig: string;
const pods = new Map<string, { uid: string; containers: string[]; initContainers: string[] }>();
const servers: Server[] = [];
const sessions: SessionInfo[] = [];

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(work, 'kubecache'), ...extra };
}

/** kubectl without blocking the event loop (the API server and agent run in this process). */
function kubectl(
  args: string[],
  opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Run> {
  return run('kubectl', args, opts);
}

function run(
  file: string,
  args: string[],
  opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: env(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A kubectl left running (logs -f, attach, port-forward), stopped by the test. */
function background(args: string[], extraEnv: Record<string, string> = {}) {
  const child = spawn('kubectl', args, { env: env(extraEnv), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  child.stdin.on('error', () => {});
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    async waitFor(pred: (out: string) => boolean, what: string, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pred(stdout)) {
        if (child.exitCode !== null) throw new Error(`kubectl exited waiting for ${what}: ${stderr}`);
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; stdout: ${stdout}; stderr: ${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop() {
      if (child.exitCode === null) child.kill('SIGKILL');
      return exited;
    },
  };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function runningStatus(names: string[], restartCount = 0, lastExit?: number): Pod['status'] {
  return {
    phase: 'Running',
    hostIP: '127.0.0.1',
    podIP: '127.0.0.1',
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: names.map((name) => ({
      name,
      ready: true,
      restartCount,
      image: 'busybox',
      imageID: '',
      containerID: `host://${name}`,
      state: { running: { startedAt: now() } },
      ...(lastExit !== undefined
        ? {
            lastState: {
              terminated: {
                exitCode: lastExit,
                reason: 'Error',
                finishedAt: now(),
                containerID: `host://${name}-0`,
              },
            },
          }
        : {}),
    })),
  };
}

async function createPod(
  name: string,
  containers: Array<{ name: string; script: string; stdin?: boolean }>,
  opts: { node?: string; status?: Pod['status']; labels?: Record<string, string> } = {},
): Promise<Pod> {
  const client = ts.client.resource<KObject>('', 'v1', 'pods');
  const created = (await client.create(ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: opts.labels ?? { app: name } },
    spec: {
      nodeName: opts.node ?? 'node-a',
      containers: containers.map((c) => ({ name: c.name, image: 'busybox', stdin: c.stdin })),
    },
  } as KObject)) as unknown as Pod;
  const uid = created.metadata!.uid!;
  pods.set(`${ns}/${name}`, { uid, containers: containers.map((c) => c.name), initContainers: [] });
  for (const c of containers) runtime.start(uid, c.name, c.script);
  const withStatus = { ...created, status: opts.status ?? runningStatus(containers.map((c) => c.name)) };
  return (await client.updateStatus(ns, withStatus as unknown as KObject)) as unknown as Pod;
}

async function createNode(
  name: string,
  address: string | undefined,
  port: number | undefined,
): Promise<void> {
  const client = ts.client.resource<KObject>('', 'v1', 'nodes');
  const created = await client.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name } } as KObject);
  const status: Node['status'] = {
    addresses: address ? [{ type: 'InternalIP', address }] : [],
    ...(port !== undefined ? { daemonEndpoints: { kubeletEndpoint: { Port: port } } } : {}),
    conditions: [{ type: 'Ready', status: 'True' }],
  };
  await client.updateStatus('', { ...created, status } as KObject);
}

function uidOf(name: string): string {
  return pods.get(`${ns}/${name}`)!.uid;
}

/** A loopback TCP server answering each connection with a line naming what it received. */
async function echoServer(): Promise<number> {
  const server = createServer((socket) => {
    socket.on('data', (d) => socket.write(`echo:${d.toString().trim()}\n`));
    socket.on('error', () => {});
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as { port: number }).port;
}

async function tcpRoundTrip(port: number, text: string): Promise<string> {
  const { connect } = await import('node:net');
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let got = '';
    socket.on('connect', () => socket.write(`${text}\n`));
    socket.on('data', (d) => {
      got += d;
      if (got.includes('\n')) {
        socket.end();
        resolve(got.trim());
      }
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`no answer through port ${port}`)), 10_000).unref();
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `skiff-streaming-${process.pid}-`));
  ts = await startTestServer([]);
  kubeconfig = join(ts.dataDir, 'kubeconfig.yaml');
  runtime = new HostRuntime(join(work, 'logs'));
  agent = await startAgentServer({
    host: '127.0.0.1',
    port: 0,
    clientCA: ts.server.pki.ca.cert,
    runtime,
    resolvePod: (namespace, name) => pods.get(`${namespace}/${name}`),
    containerRunning: (uid, c) => runtime.running(uid, c),
    logPollMs: 100,
    onSession: (s) => sessions.push(s),
  });
  await createNode('node-a', '127.0.0.1', agent.port);
  await createPod('app', [
    {
      name: 'main',
      // Prints three lines, then one line per line of stdin (the test's way to append to the log).
      script: 'echo line-1; echo line-2; echo line-3; while read l; do echo "$l"; done',
    },
  ]);
  await waitUntil(
    () => readFileSync(runtime.logPath(uidOf('app'), 'main', false)!, 'utf8').includes('line-3'),
    'app logs',
  );
});

afterAll(async () => {
  try {
    await agent?.close();
    await runtime?.close();
    for (const s of servers) s.close();
  } finally {
    await ts?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  }
});

describe('kubectl logs', () => {
  it('prints the container log', async () => {
    const r = await kubectl(['logs', 'app']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('line-1\nline-2\nline-3\n');
  });

  it('--tail prints only the last lines', async () => {
    expect((await kubectl(['logs', 'app', '--tail=2'])).stdout).toBe('line-2\nline-3\n');
    expect((await kubectl(['logs', 'app', '--tail=0'])).stdout).toBe('');
  });

  it('--timestamps prefixes each line with its RFC 3339 time', async () => {
    const lines = (await kubectl(['logs', 'app', '--timestamps'])).stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    for (const [i, line] of lines.entries())
      expect(line).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z line-${i + 1}$`));
  });

  it('--limit-bytes and --since cut the output', async () => {
    expect((await kubectl(['logs', 'app', '--limit-bytes=9'])).stdout).toBe('line-1\nli');
    expect((await kubectl(['logs', 'app', '--since-time=2000-01-01T00:00:00Z'])).stdout).toBe(
      'line-1\nline-2\nline-3\n',
    );
    expect((await kubectl(['logs', 'app', '--since-time=2999-01-01T00:00:00Z'])).stdout).toBe('');
  });

  it('-f sees a line appended while it follows', async () => {
    const follow = background(['logs', '-f', 'app']);
    try {
      await follow.waitFor((out) => out.includes('line-3\n'), 'the existing lines');
      runtime.send(uidOf('app'), 'main', 'appended-while-following\n');
      await follow.waitFor((out) => out.includes('appended-while-following\n'), 'the appended line');
      expect(follow.stdout()).toBe('line-1\nline-2\nline-3\nappended-while-following\n');
    } finally {
      await follow.stop();
    }
  });

  it('-f ends by itself when the container stops; --previous shows the last attempt', async () => {
    await createPod('restarts', [
      { name: 'c', script: 'echo first-attempt; while read l; do echo "$l"; done' },
    ]);
    await waitUntil(
      () => readFileSync(runtime.logPath(uidOf('restarts'), 'c', false)!, 'utf8').includes('first'),
      'log',
    );
    const follow = background(['logs', '-f', 'restarts']);
    await follow.waitFor((out) => out.includes('first-attempt'), 'the first attempt');
    await runtime.stop(uidOf('restarts'), 'c');
    expect(await follow.exited).toBe(0);

    runtime.start(uidOf('restarts'), 'c', 'echo second-attempt; sleep 600');
    const client = ts.client.resource<KObject>('', 'v1', 'pods');
    const pod = await client.get(ns, 'restarts');
    await client.updateStatus(ns, { ...pod, status: runningStatus(['c'], 1, 137) } as KObject);
    await waitUntil(
      () => readFileSync(runtime.logPath(uidOf('restarts'), 'c', false)!, 'utf8').includes('second'),
      'log',
    );
    expect((await kubectl(['logs', 'restarts'])).stdout).toBe('second-attempt\n');
    expect((await kubectl(['logs', 'restarts', '--previous'])).stdout).toBe('first-attempt\n');
    const noPrevious = await kubectl(['logs', 'app', '--previous']);
    expect(noPrevious.code).not.toBe(0);
    expect(noPrevious.stderr).toContain('previous terminated container "main" in pod "app" not found');
  });

  it('logs deploy/NAME reaches the pod kubectl picks for the deployment', async () => {
    const client = ts.client.resource<KObject>('apps', 'v1', 'deployments');
    await client.create(ns, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'appdeploy' },
      spec: {
        selector: { matchLabels: { app: 'app' } },
        template: {
          metadata: { labels: { app: 'app' } },
          spec: { containers: [{ name: 'main', image: 'busybox' }] },
        },
      },
    } as KObject);
    const r = await kubectl(['logs', 'deploy/appdeploy', '--tail=1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/\n$/);
  });
});

describe('errors are Kubernetes Status objects', () => {
  it('a pod with several containers and no container named is a 400 listing them', async () => {
    await createPod('multi', [
      { name: 'a', script: 'sleep 600' },
      { name: 'b', script: 'sleep 600' },
    ]);
    const r = await kubectl(['get', '--raw', `/api/v1/namespaces/${ns}/pods/multi/log`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('a container name must be specified for pod multi, choose one of: [a b]');
  });

  it('an unknown container, an unknown pod and a container not started yet', async () => {
    expect((await kubectl(['logs', 'app', '-c', 'nope'])).stderr).toContain(
      'container nope is not valid for pod app',
    );
    expect((await kubectl(['logs', 'ghost'])).stderr).toContain('pods "ghost" not found');
    await createPod('waiting', [{ name: 'w', script: 'sleep 600' }], {
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'w',
            ready: false,
            restartCount: 0,
            image: 'busybox',
            imageID: '',
            state: { waiting: { reason: 'ContainerCreating' } },
          },
        ],
      },
    });
    expect((await kubectl(['logs', 'waiting'])).stderr).toContain(
      'container "w" in pod "waiting" is waiting to start: ContainerCreating',
    );
    const exec = await kubectl(['exec', 'waiting', '--', 'true']);
    expect(exec.code).not.toBe(0);
    expect(exec.stderr).toContain('container "w" in pod "waiting" is waiting to start: ContainerCreating');
  });

  it('a node without an agent endpoint is 503, an unreachable one 502', async () => {
    await createNode('node-noport', '127.0.0.1', undefined);
    await createPod('on-noport', [{ name: 'c', script: 'sleep 600' }], { node: 'node-noport' });
    const noPort = await kubectl(['get', '--raw', `/api/v1/namespaces/${ns}/pods/on-noport/log`]);
    expect(noPort.stderr).toContain('node "node-noport" has no agent endpoint');
    expect(noPort.stderr).toContain('ServiceUnavailable');

    // A port nothing listens on: connection refused.
    const closed = await echoServer();
    servers.pop()?.close();
    await createNode('node-down', '127.0.0.1', closed);
    await createPod('on-down', [{ name: 'c', script: 'sleep 600' }], { node: 'node-down' });
    const down = await kubectl(['logs', 'on-down']);
    expect(down.stderr).toMatch(/agent of node "node-down" at 127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/);
    const downExec = await kubectl(['exec', 'on-down', '--', 'true']);
    expect(downExec.stderr).toContain('is unreachable: ECONNREFUSED');
  });
});

/** The protocol kubectl 1.32 ends up with on each transport. */
const expectedProtocol = {
  websocket: { exec: 'v5.channel.k8s.io', portForward: 'SPDY/3.1+portforward.k8s.io' },
  spdy: { exec: 'v4.channel.k8s.io', portForward: 'portforward.k8s.io' },
};

for (const transport of ['websocket', 'spdy'] as const) {
  const extra = transport === 'spdy' ? noWebSockets : {};
  describe(`kubectl exec, cp, attach and port-forward over ${transport}`, () => {
    it('exec runs a command and prints its output', async () => {
      sessions.length = 0;
      const r = await kubectl(['exec', 'app', '--', 'ls', '/'], { env: extra });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')).toContain('etc');
      expect(sessions).toEqual([{ kind: 'exec', transport, protocol: expectedProtocol[transport].exec }]);
    });

    it("exec passes on the command's exit code and stderr", async () => {
      const r = await kubectl(['exec', 'app', '--', 'sh', '-c', 'echo to-stderr >&2; exit 3'], {
        env: extra,
      });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('to-stderr');
      expect(r.stderr).toContain('command terminated with exit code 3');
    });

    it('exec -i feeds stdin and ends it', async () => {
      const r = await kubectl(['exec', '-i', 'app', '--', 'tr', 'a-z', 'A-Z'], {
        input: 'hello stdin\nsecond line\n',
        env: extra,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe('HELLO STDIN\nSECOND LINE\n');
    });

    it('exec -it runs the command on a terminal', async () => {
      runtime.resizes.length = 0;
      // kubectl's own terminal is 100x40; the command waits until its terminal has a size.
      const inPod = `tty; for i in $(seq 80); do s=$(stty size); [ "$s" != "0 0" ] && break; sleep 0.05; done; echo "size=$s"; read x; echo "got:$x"`;
      const cmd = `stty rows 40 cols 100; kubectl exec -it app -- sh -c '${inPod}'`;
      const r = await run('script', ['-qfec', cmd, '/dev/null'], { input: 'typed-input\n', env: extra });
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
      expect(runtime.resizes).toContainEqual([100, 40]);
      expect(r.stdout).toContain('size=40 100');
      expect(r.stdout).toContain('got:typed-input');
    });

    it('cp copies a file into the container and back out', async () => {
      const dir = join(work, `cp-${transport}`);
      mkdirSync(join(dir, 'in'), { recursive: true });
      const local = join(dir, 'local.txt');
      writeFileSync(local, `payload over ${transport}\n`.repeat(2000));
      const into = await kubectl(['cp', local, `app:${join(dir, 'in', 'copied.txt')}`], { env: extra });
      expect(into.code, into.stderr).toBe(0);
      expect(readFileSync(join(dir, 'in', 'copied.txt'), 'utf8')).toBe(readFileSync(local, 'utf8'));

      const out = join(dir, 'back.txt');
      const from = await kubectl(['cp', `app:${join(dir, 'in', 'copied.txt')}`, out], { env: extra });
      expect(from.code, from.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(local, 'utf8'));
    });

    it('attach -i streams the main process and detaches without stopping it', async () => {
      const name = `attach-${transport}`;
      await createPod(name, [{ name: 'c', stdin: true, script: 'while read l; do echo "got:$l"; done' }]);
      const detaches = runtime.detaches;
      const attach = background(['attach', '-i', name], extra);
      try {
        await waitUntil(
          () => attach.stderr().includes("If you don't see a command prompt") || attach.stdout() !== '',
          'attach',
        );
        attach.child.stdin.write('hello-attach\n');
        await attach.waitFor((out) => out.includes('got:hello-attach'), 'the echoed line');
      } finally {
        await attach.stop();
      }
      await waitUntil(() => runtime.detaches === detaches + 1, 'the detach');
      expect(runtime.running(uidOf(name), 'c')).toBe(true);
    });

    it('port-forward carries connections from a local port to the pod', async () => {
      sessions.length = 0;
      runtime.portMap.set(8080, await echoServer());
      const pf = background(['port-forward', 'pod/app', ':8080'], extra);
      try {
        await pf.waitFor(
          (out) => /Forwarding from 127\.0\.0\.1:\d+ -> 8080/.test(out),
          'the forwarding line',
        );
        const local = Number(/127\.0\.0\.1:(\d+) -> 8080/.exec(pf.stdout())![1]);
        expect(await tcpRoundTrip(local, 'first')).toBe('echo:first');
        expect(await tcpRoundTrip(local, 'second')).toBe('echo:second');
        expect(pf.child.exitCode).toBeNull();
        expect(sessions).toEqual([
          { kind: 'portForward', transport, protocol: expectedProtocol[transport].portForward },
        ]);
      } finally {
        await pf.stop();
      }
    });
  });
}

describe('the client libraries’ WebSocket protocols through the API server', () => {
  const wsHeaders = (protocol: string) => ({
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Protocol': protocol,
  });
  const admin = () => ({
    host: '127.0.0.1',
    port: ts.server.port,
    cert: ts.server.pki.admin.cert,
    key: ts.server.pki.admin.key,
  });

  async function messages(
    path: string,
    protocol: string,
    send?: (ws: WebSocket) => void,
  ): Promise<Array<[number, string]>> {
    const res = await upgradeRequest(admin(), 'GET', path, wsHeaders(protocol));
    expect(res.status).toBe(101);
    const ws = new WebSocket(res.socket, { role: 'client', head: res.rest });
    const got: Array<[number, string]> = [];
    ws.on('message', (d: Buffer) => got.push([d[0], d.subarray(1).toString()]));
    send?.(ws);
    await new Promise((r) => ws.on('close', r));
    return got;
  }

  it('exec over v4.channel.k8s.io (as the Python client sends it)', async () => {
    const got = await messages(
      `/api/v1/namespaces/${ns}/pods/app/exec?command=sh&command=-c&command=echo%20py%3B%20exit%207&stdout=true&stderr=true`,
      'v4.channel.k8s.io',
    );
    expect(
      got
        .filter(([c]) => c === 1)
        .map(([, t]) => t)
        .join(''),
    ).toBe('py\n');
    expect(JSON.parse(got.find(([c]) => c === 3)![1])).toMatchObject({
      reason: 'NonZeroExitCode',
      details: { causes: [{ message: '7' }] },
    });
  });

  it('port-forward over v4.channel.k8s.io with ?ports=', async () => {
    runtime.portMap.set(9090, await echoServer());
    const got = await messages(
      `/api/v1/namespaces/${ns}/pods/app/portforward?ports=9090`,
      'v4.channel.k8s.io',
      (ws) => {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('from-a-library\n')]));
        ws.on('message', (d: Buffer) => {
          if (d[0] === 0 && d.subarray(1).toString().includes('echo:from-a-library')) ws.close();
        });
      },
    );
    expect(got.filter(([c]) => c === 0).map(([, t]) => t)).toContain('echo:from-a-library\n');
  });

  it('an upgrade without credentials is a 401 Status', async () => {
    const res = await upgradeRequest(
      { host: '127.0.0.1', port: ts.server.port },
      'GET',
      `/api/v1/namespaces/${ns}/pods/app/exec?command=ls&stdout=true`,
      wsHeaders('v5.channel.k8s.io'),
    );
    expect(res.status).toBe(401);
    const body = (await readRest(res)).trim();
    expect(JSON.parse(body.slice(body.indexOf('{')))).toMatchObject({
      kind: 'Status',
      code: 401,
      reason: 'Unauthorized',
    });
  });
});
