/**
 * The "bare HTTPS" limit, run as its own process (scripts/bench.mjs bundles it next to the bench).
 * It uses the server stack skiff uses (node:http2 secure server with HTTP/1.1 fallback, the same
 * certificate, client certificates requested) and does the least an API server must do:
 * POST parses the JSON body and answers 201 with it re-encoded; GET /blob sends a file's bytes
 * (read once at start); GET /readyz answers "ok". Its port is printed as `{"port":N}` on stdout.
 *
 * Environment: SKIFF_BENCH_TLS_DIR (server.crt, server.key, ca.crt), SKIFF_BENCH_BLOB (optional).
 */
import { readFileSync } from 'node:fs';
import { createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const tlsDir = process.env.SKIFF_BENCH_TLS_DIR;
if (!tlsDir) throw new Error('SKIFF_BENCH_TLS_DIR is not set');
const blob = process.env.SKIFF_BENCH_BLOB ? readFileSync(process.env.SKIFF_BENCH_BLOB) : undefined;

function reply(res: Http2ServerResponse, status: number, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req: Http2ServerRequest, res: Http2ServerResponse): void {
  if (req.method === 'GET') {
    if (req.url === '/blob' && blob) return reply(res, 200, blob);
    return reply(res, 200, 'ok');
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    try {
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      reply(res, 201, JSON.stringify(obj));
    } catch {
      reply(res, 400, '{"message":"bad json"}');
    }
  });
}

const server = createSecureServer(
  {
    key: readFileSync(join(tlsDir, 'server.key')),
    cert: readFileSync(join(tlsDir, 'server.crt')),
    ca: readFileSync(join(tlsDir, 'ca.crt')),
    requestCert: true,
    rejectUnauthorized: false,
    allowHTTP1: true,
    settings: { maxConcurrentStreams: 1000 },
  },
  handle,
);
server.on('sessionError', () => {});
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
// Nothing to flush: exit at once instead of waiting for keep-alive connections to drain.
process.once('SIGTERM', () => process.exit(0));
