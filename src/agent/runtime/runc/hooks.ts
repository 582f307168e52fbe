/**
 * Container lifecycle hooks (postStart, preStop) as the kubelet runs them: exec in the container,
 * an HTTP GET to the pod (any response counts as success, only a failed request fails, as in the
 * kubelet), or a sleep. Error messages use the kubelet's wording, since they end up in events.
 */

import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import type { Container, LifecycleHandler } from 'kubernetes-types/core/v1.js';

export interface HookContext {
  container: Container;
  /** "<name>_<namespace>(<uid>)", as the kubelet names pods in messages. */
  podDescription: string;
  podIP: string;
  execSync(command: string[], timeoutMs: number): Promise<{ exitCode: number; output: string }>;
  /** A TCP connection to host:port as the node reaches the pod. */
  connect(host: string, port: number): Promise<Duplex>;
  timeoutMs: number;
}

/** The port a handler names: a number, or a named port of the container. */
export function resolvePort(container: Container, port: number | string): number {
  if (typeof port === 'number') return port;
  if (/^[0-9]+$/.test(port)) return Number(port);
  const p = container.ports?.find((x) => x.name === port);
  if (!p) throw new Error(`couldn't find port: ${port} in ${container.name}`);
  return p.containerPort;
}

async function httpGet(
  stream: Duplex,
  host: string,
  port: number,
  path: string,
  headers: string[],
  tls: boolean,
) {
  const conn: Duplex = tls
    ? tlsConnect({ socket: stream as any, rejectUnauthorized: false, servername: undefined })
    : stream;
  const request =
    `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUser-Agent: kube-lifecycle/1.32\r\n` +
    `Accept: */*\r\n${headers.join('')}Connection: close\r\n\r\n`;
  return new Promise<number>((resolve, reject) => {
    let head = '';
    conn.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const m = /^HTTP\/\d\.\d (\d{3})/.exec(head);
      if (m) {
        resolve(Number(m[1]));
        conn.destroy();
      }
    });
    conn.on('error', reject);
    conn.on('end', () => reject(new Error('connection closed before a response')));
    conn.write(request);
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (ms <= 0) return p;
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} timed out after ${ms}ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** Runs one handler; rejects with the kubelet's message when it fails. */
export async function runHandler(handler: LifecycleHandler, ctx: HookContext): Promise<void> {
  const who = `for Container "${ctx.container.name}" in Pod "${ctx.podDescription}"`;
  if (handler.exec?.command) {
    const cmd = handler.exec.command;
    const r = await ctx.execSync(cmd, ctx.timeoutMs);
    if (r.exitCode !== 0) {
      const err =
        r.exitCode === -1
          ? `command '${cmd.join(' ')}' timed out`
          : `command '${cmd.join(' ')}' exited with ${r.exitCode}: ${r.output}`;
      throw new Error(
        `Exec lifecycle hook (${JSON.stringify(cmd)}) ${who} failed - error: ${err}, message: ${JSON.stringify(r.output)}`,
      );
    }
    return;
  }
  if (handler.httpGet) {
    const g = handler.httpGet;
    const host = g.host || ctx.podIP;
    const path = g.path ? (g.path.startsWith('/') ? g.path : `/${g.path}`) : '/';
    const scheme = (g.scheme ?? 'HTTP').toLowerCase();
    let port = 0;
    try {
      port = resolvePort(ctx.container, g.port);
      const headers = (g.httpHeaders ?? []).map((h) => `${h.name}: ${h.value}\r\n`);
      const stream = await ctx.connect(host, port);
      try {
        await withTimeout(
          httpGet(stream, host, port, path, headers, scheme === 'https'),
          ctx.timeoutMs,
          'request',
        );
      } finally {
        stream.destroy();
      }
    } catch (err) {
      const url = `${scheme}://${host}:${port}${path}`;
      throw new Error(`HTTP lifecycle hook (${url}) ${who} failed - error: ${(err as Error).message}`);
    }
    return;
  }
  if (handler.sleep) {
    // A preStop sleep ends with the grace period, as the kubelet cancels it then.
    const ms = Math.max(0, handler.sleep.seconds) * 1000;
    await new Promise((r) => setTimeout(r, ctx.timeoutMs > 0 ? Math.min(ms, ctx.timeoutMs) : ms));
  }
}
