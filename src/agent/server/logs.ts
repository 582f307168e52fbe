/**
 * GET /containerLogs/{namespace}/{pod}/{container}: a container's log with the kubelet's query
 * options (follow, previous, tailLines, sinceSeconds, sinceTime, timestamps, limitBytes), read
 * from the CRI file the runtime names. With follow the response stays open and grows with the
 * file until the client goes away or the attempt is over (the container stopped, or a restart
 * writes a new file).
 */
import type { ServerResponse } from 'node:http';
import { errors } from '../../api/errors.js';
import type { StreamingRuntime } from '../runtime/streams.js';
import { type LogOptions, parseTimestampNs, streamLogFile } from './cri-log.js';

export interface ResolvedPod {
  uid: string;
  containers: string[];
  initContainers: string[];
}

export interface LogsContext {
  runtime: StreamingRuntime;
  resolvePod(namespace: string, name: string): ResolvedPod | undefined;
  containerRunning?(podUID: string, container: string): boolean;
  /** Follow poll interval (tests shorten it). */
  pollMs?: number;
}

export function flag(params: URLSearchParams, name: string): boolean {
  const v = params.get(name);
  return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

function nonNegativeInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw errors.badRequest(`invalid ${name} "${raw}": must be a non-negative integer`);
  return Number(raw);
}

/** The log options a query asks for; malformed values are a 400. */
export function parseLogOptions(
  params: URLSearchParams,
  now: Date = new Date(),
): LogOptions & { previous: boolean } {
  const sinceSeconds = nonNegativeInt(params, 'sinceSeconds');
  const sinceTime = params.get('sinceTime');
  let sinceNs: bigint | undefined;
  if (sinceTime) {
    sinceNs = parseTimestampNs(sinceTime);
    if (sinceNs === undefined)
      throw errors.badRequest(`invalid sinceTime "${sinceTime}": must be an RFC 3339 time`);
  } else if (sinceSeconds !== undefined) {
    sinceNs = BigInt(now.getTime() - sinceSeconds * 1000) * 1_000_000n;
  }
  const previous = flag(params, 'previous');
  return {
    follow: flag(params, 'follow') && !previous,
    previous,
    tailLines: nonNegativeInt(params, 'tailLines'),
    sinceNs,
    timestamps: flag(params, 'timestamps'),
    limitBytes: nonNegativeInt(params, 'limitBytes'),
  };
}

/** Looks a pod and one of its containers up; 404/400 otherwise. */
export function resolveContainer(
  resolvePod: LogsContext['resolvePod'],
  namespace: string,
  name: string,
  container: string,
): ResolvedPod {
  const pod = resolvePod(namespace, name);
  if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, name);
  if (!pod.containers.includes(container) && !pod.initContainers.includes(container))
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  return pod;
}

export async function serveContainerLogs(
  res: ServerResponse,
  ctx: LogsContext,
  target: { namespace: string; name: string; container: string },
  params: URLSearchParams,
): Promise<void> {
  const options = parseLogOptions(params);
  const pod = resolveContainer(ctx.resolvePod, target.namespace, target.name, target.container);
  const path = ctx.runtime.logPath(pod.uid, target.container, options.previous);
  if (!path) {
    throw errors.badRequest(
      options.previous
        ? `previous terminated container "${target.container}" in pod "${target.name}" not found`
        : `container "${target.container}" in pod "${target.name}" is waiting to start: it has no log yet`,
    );
  }
  // The response closes when the client goes away (or once it is finished): stop reading then.
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
  res.flushHeaders();
  await streamLogFile(path, {
    options,
    signal: abort.signal,
    pollMs: ctx.pollMs,
    write: (chunk) =>
      new Promise<void>((resolve) => {
        if (res.write(chunk)) return resolve();
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      }),
    stillCurrent: () =>
      ctx.runtime.logPath(pod.uid, target.container, false) === path &&
      (ctx.containerRunning?.(pod.uid, target.container) ?? true),
  });
  res.end();
}
