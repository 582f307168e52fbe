/**
 * The WebSocket opening handshake (RFC 6455 section 4) on the server side of an HTTP/1.1
 * upgrade: key check, version 13, subprotocol choice in the client's order, and plain HTTP
 * refusals written on the raw socket.
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from './websocket.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept value for a client's key. */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** True when the request asks to become a WebSocket. */
export function isWebSocketRequest(headers: IncomingHttpHeaders): boolean {
  return String(headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The subprotocols a client offered, in its order of preference. */
export function offeredProtocols(headers: IncomingHttpHeaders): string[] {
  const raw = headers['sec-websocket-protocol'];
  const joined = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return joined
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
}

/**
 * Completes a server-side opening handshake on an upgraded socket, choosing the first of the
 * client's offered subprotocols that `supported` contains. Returns undefined after answering
 * 400 when the request is not a valid version-13 handshake, or when no protocol matches and
 * `supported` is not empty.
 */
export function acceptWebSocket(
  headers: IncomingHttpHeaders,
  socket: Duplex,
  head: Buffer,
  supported: string[],
): { ws: WebSocket; protocol: string } | undefined {
  const key = headers['sec-websocket-key'];
  if (typeof key !== 'string' || Buffer.from(key, 'base64').length !== 16) {
    rejectUpgrade(socket, 400, 'missing or malformed Sec-WebSocket-Key');
    return undefined;
  }
  if (headers['sec-websocket-version'] !== '13') {
    rejectUpgrade(socket, 426, 'only WebSocket version 13 is supported', { 'Sec-WebSocket-Version': '13' });
    return undefined;
  }
  const offered = offeredProtocols(headers);
  const protocol = offered.find((p) => supported.includes(p)) ?? '';
  if (supported.length > 0 && !protocol) {
    rejectUpgrade(
      socket,
      400,
      `none of the requested subprotocols [${offered.join(', ')}] is supported; supported: [${supported.join(', ')}]`,
    );
    return undefined;
  }
  const lines = [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
  ];
  if (protocol) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return { ws: new WebSocket(socket, { role: 'server', head }), protocol };
}

/** Answers an upgrade request with a plain-text error and closes the socket. */
export function rejectUpgrade(
  socket: Duplex,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  writeRawResponse(socket, code, 'text/plain; charset=utf-8', `${message}\n`, headers);
}

const reasons: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Writes a complete HTTP/1.1 response on a raw (upgrade) socket and ends it. */
export function writeRawResponse(
  socket: Duplex,
  code: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  if (socket.destroyed || !socket.writable) return;
  const bytes = Buffer.from(body);
  const lines = [
    `HTTP/1.1 ${code} ${reasons[code] ?? 'Error'}`,
    `Content-Type: ${contentType}`,
    `Content-Length: ${bytes.length}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), bytes]));
}
