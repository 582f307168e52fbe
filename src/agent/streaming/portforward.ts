/**
 * portforward.k8s.io over SPDY: for each forwarded connection the client opens two streams with
 * the same `requestID` and `port` headers, `streamType: error` and `streamType: data`. Once both
 * are there, the agent connects to the pod's port and copies bytes both ways; a failure is
 * written as text on the error stream. Both streams get FIN when the pod side closes, which is
 * what kubectl waits for before it forgets the connection. The same code serves plain SPDY and
 * SPDY tunneled in WebSocket binary messages (tunnel.ts).
 */
import type { Duplex } from 'node:stream';
import { RST } from './spdy/frames.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';

export const PORTFORWARD_PROTOCOL = 'portforward.k8s.io';
/** The WebSocket subprotocol of kubectl 1.31+: SPDY framing inside binary messages. */
export const PORTFORWARD_TUNNEL_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

export interface PortForwardOptions {
  /** Connects to the pod's port. */
  dial(port: number): Promise<Duplex>;
  /** For error messages: "pod <name>, uid <uid>". */
  describePod: string;
  /** How long the second stream of a pair may take (default 30 s, the kubelet's). */
  pairTimeoutMs?: number;
}

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Parses a port header: an integer in 1..65535, else undefined. */
export function parsePort(value: string | undefined): number | undefined {
  if (!value || !/^\d{1,5}$/.test(value)) return undefined;
  const port = Number(value);
  return port >= 1 && port <= 65535 ? port : undefined;
}

/** Serves port-forward on a connection; resolves when the connection is gone. */
export function servePortForward(
  connection: Duplex,
  head: Buffer,
  options: PortForwardOptions,
): Promise<void> {
  const pairs = new Map<string, Pair>();
  const open = new Set<Duplex>();
  const timeout = options.pairTimeoutMs ?? 30_000;
  const session = new SpdySession(
    connection,
    {
      onStream(stream) {
        const type = stream.header('streamtype');
        // Clients before requestID paired streams by id: data = error + 2.
        const id = stream.header('requestid') ?? String(type === 'data' ? stream.id - 2 : stream.id);
        if (type !== 'data' && type !== 'error') {
          stream.resume();
          stream.reset(RST.protocolError);
          return;
        }
        let pair = pairs.get(id);
        if (!pair) {
          pair = {
            timer: setTimeout(() => {
              pairs.delete(id);
              pair?.data?.reset();
              pair?.error?.reset();
            }, timeout),
          };
          pairs.set(id, pair);
        }
        if (pair[type]) {
          stream.reset(RST.protocolError);
          return;
        }
        pair[type] = stream;
        if (pair.data && pair.error) {
          clearTimeout(pair.timer);
          pairs.delete(id);
          forward(pair.data, pair.error, options, open);
        }
      },
    },
    head,
  );
  return new Promise((resolve) => {
    session.once('close', () => {
      for (const p of pairs.values()) clearTimeout(p.timer);
      for (const c of open) c.destroy();
      resolve();
    });
  });
}

function forward(data: SpdyStream, error: SpdyStream, options: PortForwardOptions, open: Set<Duplex>): void {
  error.resume();
  const port = parsePort(data.header('port'));
  const fail = (message: string) => {
    data.resume();
    error.end(message);
    data.end();
  };
  if (port === undefined) {
    fail(`invalid port "${data.header('port') ?? ''}": must be an integer between 1 and 65535`);
    return;
  }
  options.dial(port).then(
    (conn) => {
      open.add(conn);
      conn.on('error', () => {});
      data.on('error', () => {});
      data.pipe(conn);
      conn.pipe(data);
      const done = () => {
        open.delete(conn);
        if (!data.writableEnded) data.end();
        if (!error.writableEnded) error.end();
      };
      conn.once('close', done);
      data.once('close', () => conn.destroy());
    },
    (err: Error) => fail(`error forwarding port ${port} to ${options.describePod}: ${err.message}`),
  );
}
