/**
 * Benchmark HTTP clients. The same client code talks to skiff and to the bare limit server, so
 * client-side costs cancel out of the ratios. h1Client: HTTPS/1.1 keep-alive with a bounded
 * socket pool (one socket per concurrent caller). h2Client: one HTTP/2 session for requests and
 * long-lived watch streams, the way informers share a connection.
 */

import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { Agent, request as httpsRequest } from 'node:https';
import type { ClientTls } from './skiff-process.js';

/** A response: status, full body, and when its last byte arrived (performance.now()). */
export interface HttpResult {
  status: number;
  body: Buffer;
  endedAt: number;
}

/** A request/response client. */
export interface Client {
  request(method: string, path: string, body?: string, contentType?: string): Promise<HttpResult>;
  close(): void;
}

/** HTTPS/1.1 with keep-alive; maxSockets bounds the pool (set it to the concurrency). */
export function h1Client(port: number, tls: ClientTls, maxSockets: number): Client {
  const agent = new Agent({ keepAlive: true, maxSockets, ca: tls.ca, cert: tls.cert, key: tls.key });
  return {
    request(method, path, body, contentType = 'application/json') {
      return new Promise((resolve, reject) => {
        const headers: Record<string, string | number> = { accept: 'application/json' };
        if (body !== undefined) {
          headers['content-type'] = contentType;
          headers['content-length'] = Buffer.byteLength(body);
        }
        const req = httpsRequest({ host: '127.0.0.1', port, method, path, agent, headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), endedAt: performance.now() }),
          );
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** A watch stream: each received line is passed on with the time its chunk arrived. */
export interface WatchStream {
  /** Resolves with the HTTP status once response headers arrive. */
  opened: Promise<number>;
  close(): void;
}

/** An HTTP/2 client: requests and watches multiplexed over one TLS connection. */
export interface H2Client extends Client {
  watch(path: string, onLine: (line: string, arrivedAt: number) => void): WatchStream;
}

/** Opens one HTTP/2 session to 127.0.0.1:port with the client certificate. */
export async function h2Client(port: number, tls: ClientTls): Promise<H2Client> {
  const session: ClientHttp2Session = connect(`https://127.0.0.1:${port}`, {
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    // 100 watches and 64 concurrent writes on one session: lift the client-side default as well.
    peerMaxConcurrentStreams: 1000,
    // Large flow-control windows (as Go clients such as kubectl use): a multi-MB LIST should not
    // wait for WINDOW_UPDATE round trips every 64 KB.
    settings: { initialWindowSize: 16 * 2 ** 20 },
  });
  session.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    session.once('connect', () => resolve());
    session.once('error', reject);
  });
  session.setLocalWindowSize(64 * 2 ** 20);
  const request: Client['request'] = (method, path, body, contentType = 'application/json') =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {
        [constants.HTTP2_HEADER_METHOD]: method,
        [constants.HTTP2_HEADER_PATH]: path,
        accept: 'application/json',
      };
      if (body !== undefined) headers['content-type'] = contentType;
      const stream = session.request(headers);
      let status = 0;
      const chunks: Buffer[] = [];
      stream.on('response', (h) => {
        status = Number(h[constants.HTTP2_HEADER_STATUS]);
      });
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => resolve({ status, body: Buffer.concat(chunks), endedAt: performance.now() }));
      stream.on('error', reject);
      stream.end(body);
    });
  const watch: H2Client['watch'] = (path, onLine) => {
    const stream = session.request({ [constants.HTTP2_HEADER_PATH]: path, accept: 'application/json' });
    stream.setEncoding('utf8');
    let pending = '';
    stream.on('data', (chunk: string) => {
      // Stamp the chunk before parsing: the delay should not include this client's own work.
      const at = performance.now();
      pending += chunk;
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim()) onLine(line, at);
        nl = pending.indexOf('\n');
      }
    });
    stream.on('error', () => {});
    const opened = new Promise<number>((resolve, reject) => {
      stream.once('response', (h) => resolve(Number(h[constants.HTTP2_HEADER_STATUS])));
      stream.once('error', reject);
    });
    return { opened, close: () => stream.close(constants.NGHTTP2_CANCEL) };
  };
  return { request, watch, close: () => session.destroy() };
}
