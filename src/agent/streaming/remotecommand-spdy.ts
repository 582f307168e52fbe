/**
 * remotecommand over SPDY (what kubectl falls back to when the WebSocket upgrade fails, and what
 * older clients use): after `Upgrade: SPDY/3.1`, the client opens one stream per channel, each
 * named by its `streamType` header (error, stdin, stdout, stderr, resize). The session starts
 * once every stream the query parameters promise has arrived, as the kubelet waits for them.
 * Closing stdin is a FIN on the stdin stream; the outcome goes on the error stream, then FIN.
 */
import type { Duplex } from 'node:stream';
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
} from './remotecommand.js';
import { RST } from './spdy/frames.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';

/**
 * Versions served over SPDY, best first. v5 is WebSocket-only (its close signal has no meaning
 * here: SPDY half-closes streams itself), so a client offering it gets v4, as from the kubelet.
 */
export const SPDY_REMOTECOMMAND_PROTOCOLS = [
  STREAM_PROTOCOL_V4,
  STREAM_PROTOCOL_V3,
  STREAM_PROTOCOL_V2,
  STREAM_PROTOCOL_V1,
];

/** Which streamTypes a client opens for these options under a protocol version. */
export function expectedStreams(version: number, want: StreamOptions): string[] {
  const types = ['error'];
  if (want.stdin) types.push('stdin');
  if (want.stdout) types.push('stdout');
  if (want.stderr && !want.tty) types.push('stderr');
  if (want.tty && version >= 3) types.push('resize');
  return types;
}

/** Extracts complete JSON objects from a stream of concatenated ones (the resize stream). */
export class JsonObjectSplitter {
  private text = '';

  push(chunk: string): string[] {
    this.text += chunk;
    const out: string[] = [];
    let depth = 0;
    let start = -1;
    let inString = false;
    let consumed = 0;
    for (let i = 0; i < this.text.length; i++) {
      const c = this.text[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') {
        if (depth === 0) start = i;
        depth++;
      } else if (c === '}' && depth > 0) {
        depth--;
        if (depth === 0) {
          out.push(this.text.slice(start, i + 1));
          consumed = i + 1;
        }
      }
    }
    this.text = this.text.slice(consumed);
    if (this.text.length > 64 * 1024) this.text = '';
    return out;
  }
}

/**
 * Runs SPDY on an upgraded socket and resolves with the session once the client opened every
 * expected stream; rejects (closing the connection) when they do not all come in time.
 */
export function acceptSpdyRemoteCommand(
  socket: Duplex,
  head: Buffer,
  protocol: string,
  want: StreamOptions,
  timeoutMs = 30_000,
): Promise<RemoteCommandIO> {
  const version = protocolVersion(protocol);
  const expected = new Set(expectedStreams(version, want));
  const streams = new Map<string, SpdyStream>();
  return new Promise((resolve, reject) => {
    let ready = false;
    const timer = setTimeout(() => {
      session.destroy();
      reject(
        new Error(
          `timed out waiting for client streams (${[...expected].filter((t) => !streams.has(t)).join(', ')})`,
        ),
      );
    }, timeoutMs);
    const session = new SpdySession(
      socket,
      {
        onStream(stream) {
          const type = stream.header('streamtype') ?? '';
          if (ready || !expected.has(type) || streams.has(type)) {
            stream.resume();
            stream.reset(RST.refusedStream);
            return;
          }
          streams.set(type, stream);
          if (streams.size === expected.size) {
            ready = true;
            clearTimeout(timer);
            resolve(spdySession(session, streams, version));
          }
        },
      },
      head,
    );
    session.once('close', () => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error('client closed the connection before opening its streams'));
      }
    });
  });
}

function spdySession(
  session: SpdySession,
  streams: Map<string, SpdyStream>,
  version: number,
): RemoteCommandIO {
  const goneListeners: Array<() => void> = [];
  const resizeListeners: Array<(w: number, h: number) => void> = [];
  let finished = false;
  session.once('close', () => {
    if (!finished) for (const l of goneListeners) l();
  });
  const resize = streams.get('resize');
  if (resize) {
    const splitter = new JsonObjectSplitter();
    resize.setEncoding('utf8');
    resize.on('data', (chunk: string) => {
      for (const text of splitter.push(chunk)) {
        try {
          const v = JSON.parse(text) as { Width?: number; Height?: number };
          if (Number.isInteger(v.Width) && Number.isInteger(v.Height))
            for (const l of resizeListeners) l(v.Width!, v.Height!);
        } catch {
          // A malformed size is ignored, as the kubelet does.
        }
      }
    });
  }
  const error = streams.get('error')!;
  // The client writes nothing on the error stream; read it so its FIN is seen.
  error.resume();
  return {
    stdin: streams.get('stdin'),
    stdout: streams.get('stdout'),
    stderr: streams.get('stderr'),
    onResize: (l) => resizeListeners.push(l),
    onGone: (l) => goneListeners.push(l),
    async finish(outcome: Outcome) {
      finished = true;
      const body = version >= 4 ? JSON.stringify(outcomeStatus(outcome)) : outcomeText(outcome);
      await new Promise<void>((resolve) => {
        if (body) error.write(body);
        error.end(() => resolve());
        error.once('close', () => resolve());
      });
      session.close();
    },
  };
}
