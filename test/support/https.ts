/**
 * Raw HTTPS requests to a test `skiff server`, below kubectl: for malformed input, load tests and
 * watches where the exact status and body matter. Authenticates with the admin client certificate
 * the server wrote into its data directory (tls/ca.crt, tls/admin.crt, tls/admin.key).
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';

/** CA and admin client credentials of one server's data directory. */
export interface AdminTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** Reads the CA and admin client certificate a server generated in its data directory. */
export function adminTls(dataDir: string): AdminTls {
  const file = (name: string) => readFileSync(join(dataDir, 'tls', name));
  return { ca: file('ca.crt'), cert: file('admin.crt'), key: file('admin.key') };
}

/** One raw request; `auth: false` omits the client certificate (anonymous). */
export interface RawRequest {
  method?: string;
  path: string;
  body?: string | Buffer;
  contentType?: string;
  auth?: boolean;
  /** A keep-alive agent for load tests; a fresh connection otherwise. */
  agent?: Agent;
  timeoutMs?: number;
}

/** The answer, with the body parsed as JSON when it is JSON. */
export interface RawResponse {
  status: number;
  contentType: string;
  text: string;
  json: any;
}

/** An HTTPS agent that keeps connections open and presents the admin certificate. */
export function adminAgent(tls: AdminTls, maxSockets = 1): Agent {
  return new Agent({ ...tls, keepAlive: true, maxSockets });
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sends one request to `https://127.0.0.1:<port>` and buffers the whole answer. */
export function rawRequest(port: number, tls: AdminTls, req: RawRequest): Promise<RawResponse> {
  const creds = req.auth === false ? { ca: tls.ca } : tls;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.body !== undefined) headers['content-type'] = req.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? 'GET',
        path: req.path,
        headers,
        ...(req.agent ? { agent: req.agent } : { ...creds, agent: false }),
        timeout: req.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const contentType = String(res.headers['content-type'] ?? '');
          resolve({ status: res.statusCode ?? 0, contentType, text, json: parseJson(text) });
        });
      },
    );
    r.on('timeout', () => r.destroy(new Error(`${req.method ?? 'GET'} ${req.path} timed out`)));
    r.on('error', reject);
    r.end(req.body);
  });
}
