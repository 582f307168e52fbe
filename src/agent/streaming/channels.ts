/**
 * Kubernetes' channel subprotocols over WebSocket for exec and attach: each message starts with
 * a channel byte (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize); the base64 variants send text
 * messages with the channel as an ASCII digit. v5.channel.k8s.io (kubectl 1.30+'s default) adds
 * channel 255, a close signal: [255, 0] means the client closed its stdin, the one thing a
 * WebSocket could not say before (without it `kubectl cp` into a pod would never finish).
 */
import { PassThrough, Writable } from 'node:stream';
import type { StreamOptions } from '../runtime/streams.js';
import {
  type Outcome,
  outcomeStatus,
  outcomeText,
  protocolVersion,
  type RemoteCommandIO,
  STREAM_PROTOCOL_V1,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V5,
} from './remotecommand.js';
import type { WebSocket } from './websocket.js';

export const CHANNEL = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

/** Subprotocols served, best first (the client's order decides among them). */
export const CHANNEL_PROTOCOLS = [
  STREAM_PROTOCOL_V5,
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V1,
  'v4.base64.channel.k8s.io',
  'base64.channel.k8s.io',
];

/** Parses a resize message's {"Width":..,"Height":..}; undefined when malformed. */
export function parseResize(text: string): { width: number; height: number } | undefined {
  try {
    const v = JSON.parse(text) as { Width?: unknown; Height?: unknown };
    const width = Number(v.Width);
    const height = Number(v.Height);
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) return undefined;
    if (width > 0xffff || height > 0xffff) return undefined;
    return { width, height };
  } catch {
    return undefined;
  }
}

/** Encodes one channel message as the protocol wants it (binary, or base64 text). */
export function encodeChannelMessage(
  protocol: string,
  channel: number,
  data: Buffer,
): { data: Buffer | string; binary: boolean } {
  if (protocol.includes('base64'))
    return { data: String.fromCharCode(48 + channel) + data.toString('base64'), binary: false };
  return { data: Buffer.concat([Buffer.from([channel]), data]), binary: true };
}

/** Splits a received message into its channel and payload; undefined when empty or malformed. */
export function decodeChannelMessage(
  protocol: string,
  data: Buffer,
  binary: boolean,
): { channel: number; payload: Buffer } | undefined {
  if (data.length === 0) return undefined;
  if (protocol.includes('base64')) {
    if (binary) return undefined;
    const channel = data[0] - 48;
    if (channel < 0 || channel > 9) return undefined;
    return { channel, payload: Buffer.from(data.subarray(1).toString('latin1'), 'base64') };
  }
  return { channel: data[0], payload: data.subarray(1) };
}

/** A remotecommand session on an accepted WebSocket with the negotiated channel protocol. */
export function channelSession(ws: WebSocket, protocol: string, want: StreamOptions): RemoteCommandIO {
  const version = protocolVersion(protocol);
  const send = (channel: number, data: Buffer): boolean => {
    const m = encodeChannelMessage(protocol, channel, data);
    return ws.send(m.data, m.binary);
  };
  const output = (channel: number) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        if (send(channel, chunk)) cb();
        else ws.drain().then(() => cb());
      },
    });
  const stdin = want.stdin ? new PassThrough() : undefined;
  const resizeListeners: Array<(w: number, h: number) => void> = [];
  const goneListeners: Array<() => void> = [];
  let finished = false;

  ws.on('message', (data: Buffer, binary: boolean) => {
    const m = decodeChannelMessage(protocol, data, binary);
    if (!m) return;
    if (m.channel === CHANNEL.stdin && stdin && !stdin.writableEnded) {
      if (!stdin.write(m.payload)) {
        ws.socket.pause();
        stdin.once('drain', () => ws.socket.resume());
      }
    } else if (m.channel === CHANNEL.resize && version >= 3) {
      const size = parseResize(m.payload.toString('utf8'));
      if (size) for (const l of resizeListeners) l(size.width, size.height);
    } else if (m.channel === CHANNEL.close && version >= 5 && m.payload[0] === CHANNEL.stdin) {
      stdin?.end();
    }
  });
  ws.on('close', () => {
    stdin?.end();
    if (!finished) for (const l of goneListeners) l();
  });

  return {
    stdin,
    stdout: want.stdout ? output(CHANNEL.stdout) : undefined,
    stderr: want.stderr && !want.tty ? output(CHANNEL.stderr) : undefined,
    onResize: (l) => resizeListeners.push(l),
    onGone: (l) => goneListeners.push(l),
    async finish(outcome: Outcome) {
      finished = true;
      if (version >= 4) send(CHANNEL.error, Buffer.from(JSON.stringify(outcomeStatus(outcome))));
      else {
        const text = outcomeText(outcome);
        if (text) send(CHANNEL.error, Buffer.from(text));
      }
      await ws.drain();
      ws.close();
    },
  };
}
