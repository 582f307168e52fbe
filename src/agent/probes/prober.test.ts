/**
 * Each probe kind against real servers on 127.0.0.1 (HTTP, HTTPS with a self-signed certificate,
 * TCP, gRPC health over HTTP/2) and a real process for exec, with the kubelet's result texts.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2Server } from 'node:http2';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../testing.js';
import { type ProberDeps, resolvePort, runProbe, runProbeWithRetries } from './prober.js';

const clock = new ManualClock();
const seen: IncomingMessage[] = [];

/** Runs a command on the host with a timeout: the same contract as the runtime's execSync. */
function hostExec(_uid: string, _c: string, command: string[], timeoutMs: number) {
  return new Promise<{ exitCode: number; output: string }>((resolve) => {
    execFile(command[0], command.slice(1), { timeout: timeoutMs }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number; killed?: boolean }) | null;
      if (e?.killed) resolve({ exitCode: -1, output: '' });
      else
        resolve({ exitCode: e ? (typeof e.code === 'number' ? e.code : 127) : 0, output: stdout + stderr });
    });
  });
}
const deps: ProberDeps = { clock, execProbe: hostExec, userAgent: 'kube-probe/1.32' };

function handler(req: IncomingMessage, res: ServerResponse) {
  seen.push(req);
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/ok':
      res.end('all good');
      return;
    case '/fail':
      res.statusCode = 500;
      res.end('broken');
      return;
    case '/redirect-local':
      res.writeHead(302, { Location: '/ok' }).end();
      return;
    case '/redirect-away':
      res
        .writeHead(302, { Location: `http://127.0.0.2:${(req.socket.address() as AddressInfo).port}/ok` })
        .end('moved');
      return;
    case '/loop':
      res.writeHead(302, { Location: '/loop' }).end();
      return;
    case '/big':
      res.end('x'.repeat(1024 * 1024));
      return;
    case '/hang':
      return;
    case '/slow-body':
      res.writeHead(200);
      res.write('partial');
      return;
    default:
      res.end(JSON.stringify(req.headers));
  }
}

let http: Server;
let https: HttpsServer;
let tcp: TcpServer;
let grpc: Http2Server;
let httpPort = 0;
let httpsPort = 0;
let tcpPort = 0;
let grpcPort = 0;
let closedPort = 0;
const certDir = mkdtempSync(join(tmpdir(), `skiff-probe-cert-${process.pid}-`));

const listen = (s: { listen(port: number, host: string, cb: () => void): unknown; address(): unknown }) =>
  new Promise<number>((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as AddressInfo).port)),
  );

/** gRPC health: "" and "web" SERVING, "db" NOT_SERVING, anything else NOT_FOUND; other paths unimplemented. */
function grpcHandler(server: Http2Server) {
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      if (headers[':path'] !== '/grpc.health.v1.Health/Check') {
        stream.on('wantTrailers', () =>
          stream.sendTrailers({ 'grpc-status': '12', 'grpc-message': 'unknown service' }),
        );
        stream.end();
        return;
      }
      const frame = Buffer.concat(chunks);
      const message = frame.subarray(5);
      const service = message.length ? message.subarray(2, 2 + message[1]).toString() : '';
      if (service !== '' && service !== 'web' && service !== 'db') {
        stream.on('wantTrailers', () =>
          stream.sendTrailers({ 'grpc-status': '5', 'grpc-message': 'unknown service' }),
        );
        stream.end();
        return;
      }
      const status = service === 'db' ? 2 : 1;
      const body = Buffer.from([0x08, status]);
      const out = Buffer.alloc(5);
      out.writeUInt32BE(body.length, 1);
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.concat([out, body]));
    });
  });
}

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=probe-test',
      '-keyout',
      join(certDir, 'key.pem'),
      '-out',
      join(certDir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  const tls = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) };
  http = createServer(handler);
  https = createHttpsServer(tls, handler);
  tcp = createTcpServer((s) => s.destroy());
  grpc = createH2Server();
  grpcHandler(grpc);
  [httpPort, httpsPort, tcpPort, grpcPort] = await Promise.all([
    listen(http),
    listen(https),
    listen(tcp),
    listen(grpc),
  ]);
  const closed = createTcpServer();
  closedPort = await listen(closed);
  await new Promise((r) => closed.close(r));
});

afterAll(async () => {
  http?.closeAllConnections();
  https?.closeAllConnections();
  await Promise.all([http, https, tcp, grpc].map((s) => new Promise((r) => (s ? s.close(r) : r(undefined)))));
  rmSync(certDir, { recursive: true, force: true });
});

const container: Container = {
  name: 'app',
  ports: [
    { name: 'web', containerPort: 0 },
    { name: 'grpc', containerPort: 0 },
  ],
};
const target = () => {
  container.ports![0].containerPort = httpPort;
  container.ports![1].containerPort = grpcPort;
  return { podUID: 'u1', podIP: '127.0.0.1', container };
};
const get = (path: string, extra: Partial<NonNullable<Probe['httpGet']>> = {}): Probe => ({
  httpGet: { path, port: httpPort, ...extra },
  timeoutSeconds: 1,
});

describe('httpGet', () => {
  const cases: Array<[string, () => Probe, string, string | RegExp]> = [
    ['200 is a success with the body', () => get('/ok'), 'success', 'all good'],
    ['500 is a failure', () => get('/fail'), 'failure', 'HTTP probe failed with statuscode: 500'],
    ['a redirect on the same host is followed', () => get('/redirect-local'), 'success', 'all good'],
    [
      'a redirect to another host is not followed: a warning',
      () => get('/redirect-away'),
      'warning',
      'Probe terminated redirects, Response body: moved',
    ],
    [
      'a redirect loop stops after 10',
      () => get('/loop'),
      'failure',
      /^Get "http:\/\/127\.0\.0\.1:\d+\/loop": stopped after 10 redirects$/,
    ],
    ['the port may be named', () => get('/ok', { port: 'web' }), 'success', 'all good'],
    [
      'https without certificate checks',
      () => ({ httpGet: { path: '/ok', port: httpsPort, scheme: 'HTTPS' } }),
      'success',
      'all good',
    ],
    [
      'a refused connection',
      () => get('/', { port: closedPort }),
      'failure',
      /^Get "http:\/\/127\.0\.0\.1:\d+\/": dial tcp 127\.0\.0\.1:\d+: connect: connection refused$/,
    ],
  ];
  it.each(cases)('%s', async (_name, probe, result, output) => {
    const r = await runProbe(deps, probe(), target());
    expect(r.result).toBe(result);
    if (typeof output === 'string') expect(r.output).toBe(output);
    else expect(r.output).toMatch(output);
  });

  it('sends the kubelet headers, the probe headers and a Host override', async () => {
    const r = await runProbe(
      deps,
      get('/echo', {
        httpHeaders: [
          { name: 'X-Probe', value: 'yes' },
          { name: 'Host', value: 'example.test' },
        ],
      }),
      target(),
    );
    const headers = JSON.parse(r.output);
    expect(headers).toMatchObject({
      'user-agent': 'kube-probe/1.32',
      accept: '*/*',
      'x-probe': 'yes',
      host: 'example.test',
    });
    const custom = await runProbe(
      deps,
      get('/echo', {
        httpHeaders: [
          { name: 'User-Agent', value: 'mine' },
          { name: 'Accept', value: '' },
        ],
      }),
      target(),
    );
    const h2 = JSON.parse(custom.output);
    expect(h2['user-agent']).toBe('mine');
    expect(h2.accept).toBeUndefined();
  });

  it('reads at most 10 KiB of the body', async () => {
    const r = await runProbe(deps, get('/big'), target());
    expect([r.result, r.output.length]).toEqual(['success', 10240]);
  });

  it('times out on the clock', async () => {
    const pending = runProbe(deps, get('/hang'), target());
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(1000);
    const r = await pending;
    expect(r.result).toBe('failure');
    expect(r.output).toMatch(
      /^Get "http:\/\/127\.0\.0\.1:\d+\/hang": context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)$/,
    );
  });

  it('a timeout while reading the body says so', async () => {
    const pending = runProbe(deps, get('/slow-body'), target());
    await new Promise((r) => setTimeout(r, 50));
    clock.advance(1000);
    const r = await pending;
    expect(r.output).toMatch(
      /: context deadline exceeded \(Client\.Timeout or context cancellation while reading body\)$/,
    );
  });

  it('a port name the container lacks is a probe error, retried', async () => {
    await expect(runProbeWithRetries(deps, get('/ok', { port: 'nope' }), target())).rejects.toThrow(
      'strconv.Atoi: parsing "nope": invalid syntax',
    );
  });
});

describe('tcpSocket', () => {
  it('connects', async () => {
    expect(await runProbe(deps, { tcpSocket: { port: tcpPort } }, target())).toEqual({
      result: 'success',
      output: '',
    });
  });
  it('reports a refused connection as Go does', async () => {
    const r = await runProbe(deps, { tcpSocket: { port: closedPort } }, target());
    expect(r).toEqual({
      result: 'failure',
      output: `dial tcp 127.0.0.1:${closedPort}: connect: connection refused`,
    });
  });
});

describe('grpc', () => {
  const cases: Array<[string, string | undefined, string, string]> = [
    ['the server', undefined, 'success', 'service healthy'],
    ['a serving service', 'web', 'success', 'service healthy'],
    ['a service not serving', 'db', 'failure', 'service unhealthy (responded with "NOT_SERVING")'],
    [
      'an unknown service',
      'other',
      'failure',
      'error: health rpc probe failed: rpc error: code = 5 desc = unknown service',
    ],
  ];
  it.each(cases)('%s', async (_name, service, result, output) => {
    const r = await runProbe(deps, { grpc: { port: grpcPort, service }, timeoutSeconds: 1 }, target());
    expect(r).toEqual({ result, output });
  });

  it('a refused connection', async () => {
    const r = await runProbe(deps, { grpc: { port: closedPort } }, target());
    expect(r.result).toBe('failure');
    expect(r.output).toContain(`timeout: failed to connect service "127.0.0.1:${closedPort}" within 1s`);
  });
});

describe('exec', () => {
  it('exit 0 is a success, other codes a failure with the output, a timeout the kubelet text', async () => {
    expect(await runProbe(deps, { exec: { command: ['/bin/sh', '-c', 'echo fine'] } }, target())).toEqual({
      result: 'success',
      output: 'fine\n',
    });
    expect(
      await runProbe(deps, { exec: { command: ['/bin/sh', '-c', 'echo nope >&2; exit 3'] } }, target()),
    ).toEqual({
      result: 'failure',
      output: 'nope\n',
    });
    expect(
      await runProbe(deps, { exec: { command: ['/bin/sh', '-c', 'sleep 5'] }, timeoutSeconds: 1 }, target()),
    ).toEqual({ result: 'failure', output: 'command "/bin/sh -c sleep 5" timed out' });
  });
});

describe('resolvePort', () => {
  it('numbers, names, numeric strings and range errors', () => {
    const c: Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
    expect(resolvePort(80, c)).toBe(80);
    expect(resolvePort('http', c)).toBe(8080);
    expect(resolvePort('9090', c)).toBe(9090);
    expect(() => resolvePort(0, c)).toThrow('invalid port number: 0');
    expect(() => resolvePort(70000, c)).toThrow('invalid port number: 70000');
  });
});
