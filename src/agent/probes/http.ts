/**
 * httpGet probes as the kubelet makes them (pkg/probe/http): a GET with `User-Agent:
 * kube-probe/<version>` and an Accept header of any type unless the probe sets them, a Host header override,
 * no keep-alive, no certificate verification for HTTPS. 200–399 is healthy; redirects are
 * followed only while they stay on the same host name (at most 10), and a redirect elsewhere ends
 * the probe as a success with a warning. At most 10 KiB of the body is read. The whole exchange
 * has the probe's timeout, counted on the injected clock.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Clock } from '../../client/types.js';
import { dialError, MAX_OUTPUT, type ProbeResult } from './result.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

export interface HttpProbeRequest {
  url: URL;
  /** Header name → value, as the probe's httpHeaders (plus the defaults) give them. */
  headers: Record<string, string>;
}

class ProbeTimeout extends Error {}

interface Response {
  status: number;
  location?: string;
  body: string;
}

function once(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  let inBody = false;
  return new Promise<Response>((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = request(
      url,
      { method: 'GET', headers, agent: false, rejectUnauthorized: false, signal },
      (res: IncomingMessage) => {
        inBody = true;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          res.destroy();
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (size >= MAX_OUTPUT) return;
          chunks.push(chunk.subarray(0, MAX_OUTPUT - size));
          size += chunk.length;
          // Enough read: the rest of the body does not matter (ReadAtMost).
          if (size >= MAX_OUTPUT) done();
        });
        res.on('end', done);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  }).catch((err: unknown) => {
    throw Object.assign(err instanceof Error ? err : new Error(String(err)), { inBody });
  });
}

function errorText(url: URL, err: unknown, phase: 'headers' | 'body'): string {
  const where = `Get "${url.href}"`;
  if (err instanceof ProbeTimeout) {
    return phase === 'headers'
      ? `${where}: context deadline exceeded (Client.Timeout exceeded while awaiting headers)`
      : `${where}: context deadline exceeded (Client.Timeout or context cancellation while reading body)`;
  }
  const e = err as NodeJS.ErrnoException;
  const address = url.host;
  if (e.code && e.code !== 'ECONNRESET') return `${where}: ${dialError(address, e)}`;
  if (e.code === 'ECONNRESET') return `${where}: read tcp ${address}: read: connection reset by peer`;
  return `${where}: ${e.message}`;
}

/** Runs one HTTP probe. */
export async function httpProbe(
  clock: Clock,
  probe: HttpProbeRequest,
  timeoutMs: number,
): Promise<ProbeResult> {
  const controller = new AbortController();
  let timedOut = false;
  const cancel = clock.after(timeoutMs, () => {
    timedOut = true;
    controller.abort(new ProbeTimeout());
  });
  const first = probe.url;
  let url = first;
  let headers: Record<string, string> = { Connection: 'close', ...probe.headers };
  try {
    for (let hops = 0; ; hops++) {
      let res: Response;
      try {
        res = await once(url, headers, controller.signal);
      } catch (err) {
        const phase = (err as { inBody?: boolean }).inBody ? 'body' : 'headers';
        return { result: 'failure', output: errorText(url, timedOut ? new ProbeTimeout() : err, phase) };
      }
      if (REDIRECTS.has(res.status) && res.location) {
        const next = new URL(res.location, url);
        if (next.hostname === first.hostname) {
          if (hops + 1 >= MAX_REDIRECTS) {
            return {
              result: 'failure',
              output: `Get "${next.href}": stopped after ${MAX_REDIRECTS} redirects`,
            };
          }
          url = next;
          // The Host override belongs to the first request only, as Go builds redirected requests anew.
          headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k.toLowerCase() !== 'host'));
          continue;
        }
      }
      if (res.status >= 200 && res.status < 400) {
        if (res.status >= 300)
          return { result: 'warning', output: `Probe terminated redirects, Response body: ${res.body}` };
        return { result: 'success', output: res.body };
      }
      return { result: 'failure', output: `HTTP probe failed with statuscode: ${res.status}` };
    }
  } finally {
    cancel();
  }
}
