/**
 * The agent's HTTPS endpoint (the kubelet's port 10250): container logs, exec, attach,
 * port-forward, stats and health, for the API server to proxy to. Mutual TLS: only client
 * certificates signed by the cluster CA get in (auth.ts decides who of them may). HTTP/1.1 only,
 * since the streaming endpoints are upgrades.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { ApiError, errors } from '../../api/errors.js';
import type { StreamingRuntime } from '../runtime/streams.js';
import { type AgentUser, authenticate, defaultAuthorize } from './auth.js';
import { type ResolvedPod, serveContainerLogs } from './logs.js';
import { sendRawStatus, sendStatus } from './respond.js';
import { type SessionInfo, type StreamTarget, serveStreamUpgrade } from './streams.js';
import { selfSignedServing } from './tls.js';

export interface AgentServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Serving certificate; a self-signed one is made when absent. */
  tls?: { cert: string; key: string };
  /** The cluster CA (PEM): only client certificates it signed are accepted. */
  clientCA: string;
  runtime: StreamingRuntime;
  /** The pod a request names, as this agent runs it. */
  resolvePod(namespace: string, name: string): ResolvedPod | undefined;
  /**
   * Whether a container's current attempt is running. When given, `logs -f` ends once the
   * container stopped and its file is read to the end (the kubelet's behaviour); without it,
   * following ends only when a new attempt's file replaces the old or the client leaves.
   */
  containerRunning?(podUID: string, container: string): boolean;
  /** The /stats/summary document. */
  summary?: () => Promise<unknown>;
  /** Which authenticated users may use the endpoint (default: the API server and admins). */
  authorize?: (user: AgentUser) => boolean;
  /** Follow poll interval for logs (default 250 ms). */
  logPollMs?: number;
  /** How long a SPDY client may take to open its streams (default 30 s). */
  streamCreationTimeoutMs?: number;
  /** Told of each exec/attach/port-forward session's transport and protocol. */
  onSession?(session: SessionInfo): void;
  /** Where unexpected handler failures are reported (default: nowhere). */
  log?: (line: string) => void;
}

export interface RunningAgentServer {
  port: number;
  close(): Promise<void>;
}

type Route =
  | { kind: 'healthz' }
  | { kind: 'summary' }
  | { kind: 'logs'; namespace: string; name: string; container: string }
  | { kind: 'stream'; target: StreamTarget };

/** Maps a path to what it names (the kubelet's paths); undefined for unknown paths. */
export function routeOf(pathname: string): Route | undefined {
  if (pathname === '/healthz') return { kind: 'healthz' };
  if (pathname === '/stats/summary') return { kind: 'summary' };
  let parts: string[];
  try {
    parts = pathname
      .split('/')
      .filter((p) => p !== '')
      .map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [head, namespace, name, ...rest] = parts;
  if (!namespace || !name) return undefined;
  if (head === 'containerLogs' && rest.length === 1)
    return { kind: 'logs', namespace, name, container: rest[0] };
  if ((head === 'exec' || head === 'attach') && (rest.length === 1 || rest.length === 2)) {
    // /exec/{ns}/{pod}/{container} or /exec/{ns}/{pod}/{uid}/{container}
    const [uid, container] = rest.length === 2 ? rest : [undefined, rest[0]];
    return { kind: 'stream', target: { kind: head, namespace, name, container, uid } };
  }
  if (head === 'portForward' && rest.length <= 1)
    return { kind: 'stream', target: { kind: 'portForward', namespace, name, uid: rest[0] } };
  return undefined;
}

/** Starts the endpoint; resolves once it listens. */
export async function startAgentServer(options: AgentServerOptions): Promise<RunningAgentServer> {
  const tls =
    options.tls ??
    (await selfSignedServing(options.host === '0.0.0.0' || options.host === '::' ? [] : [options.host]));
  const authorize = options.authorize ?? defaultAuthorize;
  const log = options.log ?? (() => {});
  const ctx = {
    runtime: options.runtime,
    resolvePod: options.resolvePod,
    containerRunning: options.containerRunning,
    pollMs: options.logPollMs,
    streamCreationTimeoutMs: options.streamCreationTimeoutMs,
    onSession: options.onSession,
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://agent');
    const route = routeOf(url.pathname);
    if (route?.kind === 'healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    authenticate(req.socket as TLSSocket, authorize);
    if (!route) throw errors.noRoute(url.pathname);
    if (req.method !== 'GET' && req.method !== 'POST' && req.method !== 'HEAD')
      throw errors.methodNotAllowed(req.method ?? '');
    switch (route.kind) {
      case 'summary': {
        if (!options.summary) throw errors.noRoute(url.pathname);
        const body = JSON.stringify(await options.summary());
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      case 'logs':
        return serveContainerLogs(res, ctx, route, url.searchParams);
      case 'stream':
        throw errors.badRequest('Upgrade request required');
    }
  };

  const upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://agent');
    authenticate(req.socket as TLSSocket, authorize);
    const route = routeOf(url.pathname);
    if (route?.kind !== 'stream') throw errors.noRoute(url.pathname);
    await serveStreamUpgrade(req, socket, head, ctx, route.target, url.searchParams);
  };

  const server: Server = createServer(
    {
      cert: tls.cert,
      key: tls.key,
      ca: options.clientCA,
      requestCert: true,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        if (!(err instanceof ApiError))
          log(`agent server: ${req.method} ${req.url}: ${(err as Error)?.message ?? err}`);
        sendStatus(res, err);
      });
    },
  );
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    upgrade(req, socket, head).catch((err: unknown) => {
      if (!(err instanceof ApiError))
        log(`agent server: upgrade ${req.url}: ${(err as Error)?.message ?? err}`);
      if (!socket.destroyed) sendRawStatus(socket, err);
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('tlsClientError', () => {});
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Followed logs and streaming sessions would hold close() open.
        for (const s of sockets) s.destroy();
      }),
  };
}
