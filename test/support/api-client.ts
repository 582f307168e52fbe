/**
 * A small HTTPS client for tests that talk to the API server directly (status codes, raw
 * bodies, watch streams), authenticated with the admin client certificate of a data directory.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export interface ApiClient {
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  /** Opens a watch; events arrive through onEvent until close(). */
  watch(
    path: string,
    onEvent: (event: { type: string; object: any }) => void,
  ): { close(): void; done: Promise<void> };
  close(): void;
}

/** A client for the server at url using <dataDir>/tls credentials; anonymous when `anonymous`. */
export function apiClient(url: string, dataDir: string, anonymous = false): ApiClient {
  const tls = join(dataDir, 'tls');
  const agent = new Agent({
    keepAlive: true,
    ca: readFileSync(join(tls, 'ca.crt')),
    ...(anonymous
      ? {}
      : { cert: readFileSync(join(tls, 'admin.crt')), key: readFileSync(join(tls, 'admin.key')) }),
  });
  const base = new URL(url);
  const open = (method: string, path: string, headers: Record<string, string>) =>
    request({ host: base.hostname, port: base.port, path, method, agent, headers });

  return {
    request(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        const payload =
          body === undefined
            ? undefined
            : typeof body === 'string' || Buffer.isBuffer(body)
              ? body
              : JSON.stringify(body);
        const req = open(method, path, { 'content-type': 'application/json', ...headers });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text,
              json: () => JSON.parse(text),
            });
          });
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    watch(path, onEvent) {
      const req = open('GET', path, {});
      const done = new Promise<void>((resolve) => {
        req.on('response', (res) => {
          let buffer = '';
          res.on('data', (chunk) => {
            buffer += chunk;
            let nl = buffer.indexOf('\n');
            while (nl >= 0) {
              const line = buffer.slice(0, nl);
              buffer = buffer.slice(nl + 1);
              if (line.trim()) onEvent(JSON.parse(line));
              nl = buffer.indexOf('\n');
            }
          });
          res.on('end', () => resolve());
          res.on('close', () => resolve());
        });
        req.on('error', () => resolve());
      });
      req.end();
      return { close: () => req.destroy(), done };
    },
    close: () => agent.destroy(),
  };
}
