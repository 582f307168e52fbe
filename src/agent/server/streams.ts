/**
 * The upgrade endpoints: /exec, /attach and /portForward. Each speaks WebSocket (kubectl 1.30+'s
 * first choice: v5.channel.k8s.io for exec/attach, SPDY/3.1+portforward.k8s.io for port-forward)
 * and SPDY/3.1 (kubectl's fallback and older clients), picked from the request's Upgrade header.
 * The API server pipes the client's upgraded connection here unchanged, so this is the only
 * place that speaks the protocols.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errors } from '../../api/errors.js';
import type { ContainerProcess, StreamingRuntime, StreamOptions } from '../runtime/streams.js';
import { CHANNEL_PROTOCOLS, channelSession } from '../streaming/channels.js';
import { acceptWebSocket, isWebSocketRequest, offeredProtocols } from '../streaming/handshake.js';
import {
  PORTFORWARD_PROTOCOL,
  PORTFORWARD_TUNNEL_PROTOCOL,
  servePortForward,
} from '../streaming/portforward.js';
import {
  PORTFORWARD_CHANNEL_PROTOCOLS,
  parsePorts,
  servePortForwardChannels,
} from '../streaming/portforward-channels.js';
import { type RemoteCommandIO, runRemoteCommand, STREAM_PROTOCOL_V1 } from '../streaming/remotecommand.js';
import { acceptSpdyRemoteCommand, SPDY_REMOTECOMMAND_PROTOCOLS } from '../streaming/remotecommand-spdy.js';
import { webSocketTunnel } from '../streaming/tunnel.js';
import { flag, type ResolvedPod, resolveContainer } from './logs.js';
import { sendRawStatus } from './respond.js';

export interface StreamsContext {
  runtime: StreamingRuntime;
  resolvePod(namespace: string, name: string): ResolvedPod | undefined;
  /** How long a SPDY client may take to open its streams (default 30 s, the kubelet's). */
  streamCreationTimeoutMs?: number;
  /** Told of each session once its protocol is agreed (for metrics and tests). */
  onSession?(session: SessionInfo): void;
}

/** What a streaming session negotiated. */
export interface SessionInfo {
  kind: StreamTarget['kind'];
  transport: 'websocket' | 'spdy';
  protocol: string;
}

export interface StreamTarget {
  kind: 'exec' | 'attach' | 'portForward';
  namespace: string;
  name: string;
  /** exec and attach only. */
  container?: string;
  /** When the path carries the pod's UID, it must match. */
  uid?: string;
}

function isSpdyRequest(headers: IncomingHttpHeaders): boolean {
  return String(headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
}

/** The client's X-Stream-Protocol-Version values, in its order. */
function requestedStreamProtocols(headers: IncomingHttpHeaders): string[] {
  const raw = headers['x-stream-protocol-version'];
  const joined = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * The SPDY handshake: the first protocol the client asked for that we serve. A client that asks
 * for none gets `fallback`; one whose every protocol is unknown gets 403 with the list we accept,
 * as Kubernetes' httpstream handshake answers.
 */
function spdyHandshake(
  headers: IncomingHttpHeaders,
  socket: Duplex,
  supported: string[],
  fallback: string,
): string | undefined {
  const requested = requestedStreamProtocols(headers);
  const chosen = requested.length === 0 ? fallback : requested.find((p) => supported.includes(p));
  if (!chosen) {
    sendRawStatus(
      socket,
      errors.forbidden(
        `unable to negotiate a stream protocol: client supports [${requested.join(', ')}], server accepts [${supported.join(', ')}]`,
      ),
      { 'X-Accepted-Stream-Protocol-Versions': supported.join(', ') },
    );
    return undefined;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${chosen}\r\n\r\n`,
  );
  return chosen;
}

/** Which streams an exec/attach request asks for (the kubelet's names, and the API's). */
export function streamOptions(params: URLSearchParams): StreamOptions {
  const tty = flag(params, 'tty');
  const opts: StreamOptions = {
    stdin: flag(params, 'input') || flag(params, 'stdin'),
    stdout: flag(params, 'output') || flag(params, 'stdout'),
    // With a terminal, stdout and stderr are one stream.
    stderr: (flag(params, 'error') || flag(params, 'stderr')) && !tty,
    tty,
  };
  if (!opts.stdin && !opts.stdout && !opts.stderr)
    throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
  return opts;
}

function tuneSocket(socket: Duplex): void {
  const s = socket as Duplex & {
    setNoDelay?(v: boolean): void;
    setTimeout?(ms: number): void;
    setKeepAlive?(on: boolean, ms: number): void;
  };
  s.setNoDelay?.(true);
  s.setTimeout?.(0);
  s.setKeepAlive?.(true, 30_000);
}

/** Serves one upgrade request; every failure before the upgrade is answered as a Status. */
export async function serveStreamUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ctx: StreamsContext,
  target: StreamTarget,
  params: URLSearchParams,
): Promise<void> {
  tuneSocket(socket);
  if (target.kind === 'portForward') return servePortForwardUpgrade(req, socket, head, ctx, target, params);
  const want = streamOptions(params);
  const command = params.getAll('command');
  if (target.kind === 'exec' && command.length === 0)
    throw errors.badRequest('you must specify at least one command for the container');
  const pod = resolveContainer(ctx.resolvePod, target.namespace, target.name, target.container!);
  checkUID(pod, target);

  let io: RemoteCommandIO;
  if (isWebSocketRequest(req.headers)) {
    const offered = offeredProtocols(req.headers);
    const accepted = acceptWebSocket(
      req.headers,
      socket,
      head,
      offered.length === 0 ? [] : CHANNEL_PROTOCOLS,
    );
    if (!accepted) return;
    ctx.onSession?.({
      kind: target.kind,
      transport: 'websocket',
      protocol: accepted.protocol || STREAM_PROTOCOL_V1,
    });
    io = channelSession(accepted.ws, accepted.protocol || STREAM_PROTOCOL_V1, want);
  } else if (isSpdyRequest(req.headers)) {
    const protocol = spdyHandshake(req.headers, socket, SPDY_REMOTECOMMAND_PROTOCOLS, STREAM_PROTOCOL_V1);
    if (!protocol) return;
    ctx.onSession?.({ kind: target.kind, transport: 'spdy', protocol });
    try {
      io = await acceptSpdyRemoteCommand(socket, head, protocol, want, ctx.streamCreationTimeoutMs);
    } catch {
      socket.destroy();
      return;
    }
  } else {
    throw errors.badRequest(`unsupported upgrade "${req.headers.upgrade ?? ''}": use websocket or SPDY/3.1`);
  }
  const container = target.container!;
  const start = (): Promise<ContainerProcess> =>
    target.kind === 'exec'
      ? ctx.runtime.exec(pod.uid, container, command, want)
      : ctx.runtime.attach(pod.uid, container, want);
  // Past the upgrade a Status can no longer be sent as HTTP: a failure drops the connection.
  await runRemoteCommand(io, start, { attach: target.kind === 'attach', command }).catch(() =>
    socket.destroy(),
  );
}

function checkUID(pod: ResolvedPod, target: StreamTarget): void {
  if (target.uid && target.uid !== pod.uid)
    throw errors.notFound({ group: '', resource: 'pods' }, `${target.name} (uid ${target.uid})`);
}

async function servePortForwardUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  ctx: StreamsContext,
  target: StreamTarget,
  params: URLSearchParams,
): Promise<void> {
  const pod = ctx.resolvePod(target.namespace, target.name);
  if (!pod) throw errors.notFound({ group: '', resource: 'pods' }, target.name);
  checkUID(pod, target);
  const options = {
    dial: (port: number) => ctx.runtime.portForward(pod.uid, port),
    describePod: `pod ${target.namespace}/${target.name}, uid ${pod.uid}`,
    pairTimeoutMs: ctx.streamCreationTimeoutMs,
  };
  if (isWebSocketRequest(req.headers)) {
    const offered = offeredProtocols(req.headers);
    if (offered.includes(PORTFORWARD_TUNNEL_PROTOCOL)) {
      const accepted = acceptWebSocket(req.headers, socket, head, [PORTFORWARD_TUNNEL_PROTOCOL]);
      if (!accepted) return;
      ctx.onSession?.({ kind: 'portForward', transport: 'websocket', protocol: accepted.protocol });
      await servePortForward(webSocketTunnel(accepted.ws), Buffer.alloc(0), options);
      return;
    }
    // The client libraries' flavour: channels per port, ports named in the query.
    const ports = parsePorts(params.getAll('ports'));
    if (ports.length === 0)
      throw errors.badRequest('query parameter "ports" is required: at least one port must be specified');
    if (ports.some((p) => p === undefined))
      throw errors.badRequest(
        `invalid ports "${params.getAll('ports').join(',')}": each must be an integer between 1 and 65535`,
      );
    const accepted = acceptWebSocket(
      req.headers,
      socket,
      head,
      offered.length === 0 ? [] : PORTFORWARD_CHANNEL_PROTOCOLS,
    );
    if (!accepted) return;
    ctx.onSession?.({ kind: 'portForward', transport: 'websocket', protocol: accepted.protocol });
    await servePortForwardChannels(
      accepted.ws,
      accepted.protocol,
      ports as number[],
      options.dial,
      options.describePod,
    );
  } else if (isSpdyRequest(req.headers)) {
    if (!spdyHandshake(req.headers, socket, [PORTFORWARD_PROTOCOL], PORTFORWARD_PROTOCOL)) return;
    ctx.onSession?.({ kind: 'portForward', transport: 'spdy', protocol: PORTFORWARD_PROTOCOL });
    await servePortForward(socket, head, options);
  } else {
    throw errors.badRequest(`unsupported upgrade "${req.headers.upgrade ?? ''}": use websocket or SPDY/3.1`);
  }
}
