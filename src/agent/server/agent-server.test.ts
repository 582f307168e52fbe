import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyPairPem } from '../../apiserver/auth/pki.js';
import { makeCA, makeLeaf } from '../../apiserver/auth/pki-generate.js';
import type { ContainerProcess, StreamingRuntime, StreamOptions } from '../runtime/streams.js';
import { type ClientStream, readRest, SpdyClient, upgradeRequest } from '../streaming/testing.js';
import { webSocketTunnel } from '../streaming/tunnel.js';
import { WebSocket } from '../streaming/websocket.js';
import { type RunningAgentServer, routeOf, startAgentServer } from './agent-server.js';
import { formatCRILine } from './cri-log.js';

/** Runs exec commands as host processes; one pod "p" (uid u1) with container "c". */
class TestRuntime implements StreamingRuntime {
  resizes: Array<[number, number]> = [];
  echoPort = 0;
  constructor(private readonly logFile: string) {}
  logPath(_uid: string, _c: string, previous: boolean) {
    return previous ? undefined : this.logFile;
  }
  async exec(
    _uid: string,
    container: string,
    command: string[],
    o: StreamOptions,
  ): Promise<ContainerProcess> {
    if (container !== 'c') throw new Error(`container ${container} is not running`);
    const child = spawn(command[0], command.slice(1), {
      stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    return {
      stdin: child.stdin ?? undefined,
      stdout: child.stdout ?? undefined,
      stderr: o.tty ? undefined : (child.stderr ?? undefined),
      resize: (w, h) => this.resizes.push([w, h]),
      exited: new Promise((r) => child.on('exit', (code) => r(code ?? 137))),
      kill: () => child.kill('SIGKILL'),
    };
  }
  attach(uid: string, c: string, o: StreamOptions) {
    return this.exec(uid, c, ['cat'], o);
  }
  async portForward(_uid: string, port: number) {
    if (port !== 80) throw new Error('connection refused');
    const s = connect(this.echoPort, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    return s;
  }
  async execSync() {
    return { exitCode: 0, output: '' };
  }
  cgroups() {
    return undefined;
  }
}

let dir: string;
let ca: KeyPairPem;
let apiClient: KeyPairPem;
let nodeClient: KeyPairPem;
let foreignClient: KeyPairPem;
let runtime: TestRuntime;
let agent: RunningAgentServer;
let echo: Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), `skiff-agent-server-${process.pid}-`));
  ca = await makeCA();
  const foreignCA = await makeCA();
  [apiClient, nodeClient, foreignClient] = await Promise.all([
    makeLeaf(ca, { subject: 'CN=kube-apiserver-kubelet-client, O=system:masters', usage: 'client' }),
    makeLeaf(ca, { subject: 'CN=system:node:n1, O=system:nodes', usage: 'client' }),
    makeLeaf(foreignCA, { subject: 'CN=kube-apiserver-kubelet-client', usage: 'client' }),
  ]);
  const log = join(dir, 'c.log');
  writeFileSync(log, Buffer.concat(['a', 'b', 'c'].map((l) => formatCRILine(new Date(), 'stdout', l))));
  runtime = new TestRuntime(log);
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
  runtime.echoPort = (echo.address() as { port: number }).port;
  agent = await startAgentServer({
    host: '127.0.0.1',
    port: 0,
    clientCA: ca.cert,
    runtime,
    resolvePod: (ns, name) =>
      ns === 'default' && name === 'p'
        ? { uid: 'u1', containers: ['c'], initContainers: ['init'] }
        : undefined,
    summary: async () => ({ node: { nodeName: 'n1' } }),
    logPollMs: 20,
  });
});

afterAll(async () => {
  await agent?.close();
  echo?.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, creds?: KeyPairPem): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: agent.port,
        path,
        rejectUnauthorized: false,
        agent: false,
        ...(creds ?? {}),
      },
      (res) => {
        let body = '';
        res.on('data', (d) => {
          body += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const tls = () => ({ host: '127.0.0.1', port: agent.port, ...apiClient });

async function webSocket(path: string, protocol: string): Promise<WebSocket> {
  const res = await upgradeRequest(tls(), 'GET', path, {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Protocol': protocol,
  });
  if (res.status !== 101) throw new Error(`upgrade refused ${res.status}: ${await readRest(res)}`);
  expect(res.headers['sec-websocket-protocol']).toBe(protocol);
  return new WebSocket(res.socket, { role: 'client', head: res.rest });
}

/** Every message until the server closes, as [channel, payload] (binary protocols). */
function collect(ws: WebSocket): Promise<Array<[number, string]>> {
  const got: Array<[number, string]> = [];
  ws.on('message', (d: Buffer, binary: boolean) => {
    if (binary) got.push([d[0], d.subarray(1).toString()]);
    else got.push([d[0] - 48, Buffer.from(d.subarray(1).toString(), 'base64').toString()]);
  });
  return new Promise((resolve) => ws.on('close', () => resolve(got)));
}

const text = (got: Array<[number, string]>, channel: number) =>
  got
    .filter(([c]) => c === channel)
    .map(([, t]) => t)
    .join('');

describe('routes', () => {
  it('maps the kubelet paths', () => {
    expect(routeOf('/containerLogs/ns/pod/c')).toEqual({
      kind: 'logs',
      namespace: 'ns',
      name: 'pod',
      container: 'c',
    });
    expect(routeOf('/exec/ns/pod/uid-1/c')).toEqual({
      kind: 'stream',
      target: { kind: 'exec', namespace: 'ns', name: 'pod', container: 'c', uid: 'uid-1' },
    });
    expect(routeOf('/portForward/ns/pod')).toEqual({
      kind: 'stream',
      target: { kind: 'portForward', namespace: 'ns', name: 'pod', uid: undefined },
    });
    expect(routeOf('/exec/ns')).toBeUndefined();
    expect(routeOf('/nope/a/b/c')).toBeUndefined();
  });
});

describe('mutual TLS', () => {
  it('serves /healthz to anyone', async () => {
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
  });

  it('answers 401 without a client certificate or with one from another CA, 403 to a node, 200 to the API server', async () => {
    const path = '/containerLogs/default/p/c';
    const none = await get(path);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect((await get(path, foreignClient)).status).toBe(401);
    const node = await get(path, nodeClient);
    expect(node.status).toBe(403);
    expect(JSON.parse(node.body).message).toContain('system:node:n1');
    expect(await get(path, apiClient)).toEqual({ status: 200, body: 'a\nb\nc\n' });
  });

  it('refuses an upgrade without a certificate before touching the protocol', async () => {
    const res = await upgradeRequest(
      { host: '127.0.0.1', port: agent.port },
      'GET',
      '/exec/default/p/c?command=true&output=1',
      {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
      },
    );
    expect(res.status).toBe(401);
    expect(JSON.parse((await readRest(res)).split('\r\n\r\n').pop()!).reason).toBe('Unauthorized');
  });
});

describe('logs, stats and errors', () => {
  it('honours tailLines and timestamps, and answers bad input with a Status', async () => {
    expect((await get('/containerLogs/default/p/c?tailLines=1', apiClient)).body).toBe('c\n');
    expect((await get('/containerLogs/default/p/c?timestamps=true', apiClient)).body).toMatch(/^\S+Z a\n/);
    const bad = await get('/containerLogs/default/p/c?tailLines=x', apiClient);
    expect([bad.status, JSON.parse(bad.body).reason]).toEqual([400, 'BadRequest']);
    const previous = await get('/containerLogs/default/p/c?previous=true', apiClient);
    expect(JSON.parse(previous.body).message).toBe('previous terminated container "c" in pod "p" not found');
    expect((await get('/containerLogs/default/nope/c', apiClient)).status).toBe(404);
    expect(JSON.parse((await get('/containerLogs/default/p/x', apiClient)).body).message).toBe(
      'container x is not valid for pod p',
    );
    expect(JSON.parse((await get('/exec/default/p/c?command=ls', apiClient)).body).message).toBe(
      'Upgrade request required',
    );
  });

  it('follows a log until the client leaves', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: agent.port,
          path: '/containerLogs/default/p/c?follow=true&tailLines=0',
          rejectUnauthorized: false,
          agent: false,
          ...apiClient,
        },
        (res) => {
          let got = '';
          res.on('data', (d) => {
            got += d;
            if (got.includes('appended')) {
              req.destroy();
              resolve(got);
            }
          });
          setTimeout(
            () => appendFileSync(join(dir, 'c.log'), formatCRILine(new Date(), 'stderr', 'appended')),
            50,
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('appended\n');
  });

  it('serves /stats/summary from the summary callback', async () => {
    const r = await get('/stats/summary', apiClient);
    expect(JSON.parse(r.body)).toEqual({ node: { nodeName: 'n1' } });
  });
});

describe('exec and attach over WebSocket channels', () => {
  it('v5: stdin, its close signal, stdout and a Success status', async () => {
    const ws = await webSocket(
      '/exec/default/p/c?command=tr&command=a-z&command=A-Z&input=1&output=1&error=1',
      'v5.channel.k8s.io',
    );
    const done = collect(ws);
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('hello')]));
    ws.send(Buffer.from([255, 0]));
    const got = await done;
    expect(text(got, 1)).toBe('HELLO');
    expect(JSON.parse(text(got, 3))).toEqual({ metadata: {}, status: 'Success' });
  });

  it('v4: stderr and the exit code as a NonZeroExitCode Status', async () => {
    const cmd = ['sh', '-c', 'echo out; echo err >&2; exit 3']
      .map((c) => `command=${encodeURIComponent(c)}`)
      .join('&');
    const got = await collect(
      await webSocket(`/exec/default/p/c?${cmd}&output=1&error=1`, 'v4.channel.k8s.io'),
    );
    expect(text(got, 1)).toBe('out\n');
    expect(text(got, 2)).toBe('err\n');
    expect(JSON.parse(text(got, 3))).toEqual({
      metadata: {},
      status: 'Failure',
      message:
        'command terminated with non-zero exit code: error executing command [sh -c echo out; echo err >&2; exit 3], exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('base64.channel.k8s.io: text messages, and v1-style text errors', async () => {
    const cmd = ['sh', '-c', 'echo b64; exit 4'].map((c) => `command=${encodeURIComponent(c)}`).join('&');
    const got = await collect(await webSocket(`/exec/default/p/c?${cmd}&output=1`, 'base64.channel.k8s.io'));
    expect(text(got, 1)).toBe('b64\n');
    expect(text(got, 3)).toContain('exit code 4');
  });

  it('a runtime failure is an InternalError status on the error channel', async () => {
    const got = await collect(await webSocket('/attach/default/p/init?output=1', 'v4.channel.k8s.io'));
    expect(JSON.parse(text(got, 3))).toMatchObject({
      status: 'Failure',
      reason: 'InternalError',
      message: 'Internal error occurred: container init is not running',
    });
  });

  it('refuses a subprotocol it does not speak, and a request with no stream', async () => {
    const headers = (protocol: string) => ({
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Protocol': protocol,
    });
    const res = await upgradeRequest(
      tls(),
      'GET',
      '/exec/default/p/c?command=true&output=1',
      headers('v9.channel.k8s.io'),
    );
    expect(res.status).toBe(400);
    await readRest(res);
    const none = await upgradeRequest(
      tls(),
      'GET',
      '/exec/default/p/c?command=true',
      headers('v5.channel.k8s.io'),
    );
    expect(none.status).toBe(400);
    expect(await readRest(none)).toContain('you must specify at least 1 of stdin, stdout, stderr');
  });
});

async function spdy(
  path: string,
  protocols: string,
): Promise<{ client: SpdyClient; headers: Record<string, string> }> {
  const res = await upgradeRequest(tls(), 'POST', path, {
    Connection: 'Upgrade',
    Upgrade: 'SPDY/3.1',
    'X-Stream-Protocol-Version': protocols,
    'Content-Length': '0',
  });
  if (res.status !== 101) throw new Error(`upgrade refused ${res.status}: ${await readRest(res)}`);
  const client = new SpdyClient(res.socket);
  if (res.rest.length > 0) res.socket.unshift(res.rest);
  return { client, headers: res.headers };
}

describe('exec over SPDY', () => {
  it('negotiates v4 from kubectl’s list, runs with stdin/stdout/stderr streams and reports on the error stream', async () => {
    const { client, headers } = await spdy(
      '/exec/default/p/c?command=sh&command=-c&command=cat%3B%20echo%20e%20%3E%262%3B%20exit%205&input=1&output=1&error=1',
      'v5.channel.k8s.io, v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io',
    );
    expect(headers['x-stream-protocol-version']).toBe('v4.channel.k8s.io');
    const error = await client.open({ streamType: 'error' });
    const stdin = await client.open({ streamType: 'stdin' });
    const stdout = await client.open({ streamType: 'stdout' });
    const stderr = await client.open({ streamType: 'stderr' });
    await client.until(() => [error, stdin, stdout, stderr].every((s) => s.replied));
    client.write(stdin, 'from-stdin');
    client.end(stdin);
    await client.until(() => error.fin && stdout.fin && stderr.fin);
    expect(stdout.text()).toBe('from-stdin');
    expect(stderr.text()).toBe('e\n');
    expect(JSON.parse(error.text())).toMatchObject({
      reason: 'NonZeroExitCode',
      details: { causes: [{ message: '5' }] },
    });
    await client.until(() => client.goAway);
    client.close();
  });

  it('with a terminal: a resize stream instead of stderr, sizes reach the process', async () => {
    runtime.resizes = [];
    const { client } = await spdy(
      '/exec/default/p/c?command=cat&input=1&output=1&tty=1',
      'v4.channel.k8s.io',
    );
    const streams: ClientStream[] = [];
    for (const t of ['error', 'stdin', 'stdout', 'resize'])
      streams.push(await client.open({ streamType: t }));
    const [error, stdin, stdout, resize] = streams;
    await client.until(() => streams.every((s) => s.replied));
    client.write(resize, '{"Width":120,"Height":40}{"Width":80,');
    client.write(resize, '"Height":24}');
    client.write(stdin, 'typed');
    client.end(stdin);
    await client.until(() => error.fin);
    expect(stdout.text()).toBe('typed');
    expect(runtime.resizes).toEqual([
      [120, 40],
      [80, 24],
    ]);
    client.close();
  });

  it('refuses a client that speaks no version it knows, naming the ones it accepts', async () => {
    const res = await upgradeRequest(tls(), 'POST', '/exec/default/p/c?command=true&output=1', {
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      'X-Stream-Protocol-Version': 'v9.channel.k8s.io',
    });
    expect(res.status).toBe(403);
    expect(res.headers['x-accepted-stream-protocol-versions']).toBe(
      'v4.channel.k8s.io, v3.channel.k8s.io, v2.channel.k8s.io, channel.k8s.io',
    );
    await readRest(res);
  });
});

async function forwardOnce(client: SpdyClient, requestID: string, port: string, payload: string) {
  const error = await client.open({ streamType: 'error', port, requestID });
  const data = await client.open({ streamType: 'data', port, requestID });
  await client.until(() => data.replied && error.replied);
  client.write(data, payload);
  client.end(data);
  await client.until(() => error.fin && data.fin);
  return { data: data.text(), error: error.text() };
}

describe('port-forward', () => {
  it('over SPDY: pairs streams by requestID, carries bytes, reports dial failures on the error stream', async () => {
    const { client, headers } = await spdy('/portForward/default/p', 'portforward.k8s.io');
    expect(headers['x-stream-protocol-version']).toBe('portforward.k8s.io');
    expect(await forwardOnce(client, '0', '80', 'ping-1')).toEqual({ data: 'ping-1', error: '' });
    expect(await forwardOnce(client, '1', '80', 'ping-2')).toEqual({ data: 'ping-2', error: '' });
    const refused = await forwardOnce(client, '2', '81', 'x');
    expect(refused.error).toBe('error forwarding port 81 to pod default/p, uid u1: connection refused');
    const invalid = await forwardOnce(client, '3', '0', 'x');
    expect(invalid.error).toContain('invalid port "0"');
    client.close();
  });

  it('over a WebSocket tunnel (SPDY/3.1+portforward.k8s.io), as kubectl 1.31+ sends it', async () => {
    const ws = await webSocket('/portForward/default/p', 'SPDY/3.1+portforward.k8s.io');
    const client = new SpdyClient(webSocketTunnel(ws));
    expect(await forwardOnce(client, '0', '80', 'through-the-tunnel')).toEqual({
      data: 'through-the-tunnel',
      error: '',
    });
    client.close();
  });

  it('over WebSocket channels with ?ports= (the client libraries’ protocol): port prefixes, data, dial errors', async () => {
    const ws = await webSocket('/portForward/default/p?ports=80,81', 'v4.channel.k8s.io');
    const got: Array<[number, Buffer]> = [];
    ws.on('message', (d: Buffer) => got.push([d[0], d.subarray(1)]));
    const closed = new Promise((r) => ws.on('close', r));
    const until = async (pred: () => boolean) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    await until(() => got.some(([c, d]) => c === 3 && d.length > 2));
    // Each of the four channels opens with its port, little-endian.
    expect(got.slice(0, 4).map(([c, d]) => [c, d.readUInt16LE(0)])).toEqual([
      [0, 80],
      [1, 80],
      [2, 81],
      [3, 81],
    ]);
    expect(got.find(([c, d]) => c === 3 && d.length > 2)![1].toString()).toBe(
      'error forwarding port 81 to pod default/p, uid u1: connection refused',
    );
    ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('over-channels')]));
    await until(() => got.some(([c, d]) => c === 0 && d.toString() === 'over-channels'));
    expect(got.filter(([c]) => c === 0).map(([, d]) => d.toString())).toContain('over-channels');
    ws.close();
    await closed;
  });

  it('over WebSocket channels without ports is a 400', async () => {
    const res = await upgradeRequest(tls(), 'GET', '/portForward/default/p', {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      'Sec-WebSocket-Protocol': 'v4.channel.k8s.io',
    });
    expect(res.status).toBe(400);
    expect(await readRest(res)).toContain('at least one port must be specified');
  });
});
