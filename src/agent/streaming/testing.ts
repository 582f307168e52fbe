/**
 * Client-side helpers for tests of the streaming protocols: a loopback socket pair, a raw
 * HTTP/1.1 upgrade request (over TLS or not) that returns the socket after the response head,
 * and a minimal SPDY client that opens streams the way client-go does.
 */
import { EventEmitter } from 'node:events';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  encodeData,
  encodePing,
  encodeRstStream,
  encodeSynStream,
  FLAG_FIN,
  FRAME,
  FrameReader,
  HeaderCodec,
  type SpdyHeaders,
} from './spdy/frames.js';

/** Two connected loopback sockets (client, server). */
export async function socketPair(): Promise<[Socket, Socket]> {
  return new Promise((resolve, reject) => {
    const server = createServer((serverSide) => {
      server.close();
      resolve([client, serverSide]);
    });
    let client: Socket;
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      client = netConnect((server.address() as { port: number }).port, '127.0.0.1');
    });
  });
}

export interface UpgradeResponse {
  socket: Duplex;
  status: number;
  headers: Record<string, string>;
  /** Bytes after the response head (the body of a refusal, or early protocol data). */
  rest: Buffer;
}

/** Sends an HTTP/1.1 request on a new TLS connection and reads the response head. */
export function upgradeRequest(
  tls: ConnectionOptions & { host: string; port: number },
  method: string,
  path: string,
  headers: Record<string, string>,
): Promise<UpgradeResponse> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ rejectUnauthorized: false, ALPNProtocols: ['http/1.1'], ...tls });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      const lines = [`${method} ${path} HTTP/1.1`, `Host: ${tls.host}:${tls.port}`];
      for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const [statusLine, ...headerLines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const parsed: Record<string, string> = {};
      for (const l of headerLines) {
        const i = l.indexOf(':');
        parsed[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({
        socket,
        status: Number(statusLine.split(' ')[1]),
        headers: parsed,
        rest: buf.subarray(end + 4),
      });
    };
    socket.on('data', onData);
  });
}

/** Reads the rest of a refused upgrade's body. */
export function readRest(res: UpgradeResponse): Promise<string> {
  return new Promise((resolve) => {
    const chunks = [res.rest];
    res.socket.on('data', (c: Buffer) => chunks.push(c));
    res.socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.socket.resume();
  });
}

/** One stream a SpdyClient opened: what the server sent on it, and whether it replied/finished. */
export interface ClientStream {
  id: number;
  replied: boolean;
  data: Buffer[];
  fin: boolean;
  reset?: number;
  text(): string;
}

/**
 * The client side of SPDY, as client-go's spdystream plays it: odd stream ids, SYN_STREAM with
 * headers, DATA with FIN to half-close. Events: 'reply', 'data', 'fin' (ClientStream), 'ping'
 * (id), 'goaway', 'close'.
 */
export class SpdyClient extends EventEmitter {
  private readonly reader = new FrameReader();
  private readonly codec = new HeaderCodec();
  private nextId = 1;
  private queue: Promise<void> = Promise.resolve();
  readonly streams = new Map<number, ClientStream>();
  goAway = false;

  constructor(readonly socket: Duplex) {
    super();
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.reader.push(chunk))
        this.queue = this.queue.then(() => this.handle(f)).catch(() => {});
    });
    socket.on('close', () => this.emit('close'));
    socket.on('error', () => {});
    socket.resume();
  }

  private async handle(f: ReturnType<FrameReader['push']>[number]): Promise<void> {
    if (!f.control) {
      const s = this.streams.get(f.streamId);
      if (!s) return;
      if (f.data.length > 0) {
        s.data.push(f.data);
        this.emit('data', s);
      }
      if (f.flags & FLAG_FIN) {
        s.fin = true;
        this.emit('fin', s);
      }
      return;
    }
    if (f.type === FRAME.synReply) {
      await this.codec.decompress(f.payload.subarray(4));
      const s = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff);
      if (s) {
        s.replied = true;
        this.emit('reply', s);
      }
    } else if (f.type === FRAME.ping) this.emit('ping', f.payload.readUInt32BE(0));
    else if (f.type === FRAME.goAway) {
      this.goAway = true;
      this.emit('goaway');
    } else if (f.type === FRAME.rstStream) {
      const s = this.streams.get(f.payload.readUInt32BE(0) & 0x7fffffff);
      if (s) {
        s.reset = f.payload.readUInt32BE(4);
        this.emit('reset', s);
      }
    }
  }

  /** Opens a stream with these headers (values as single strings). */
  async open(headers: Record<string, string>, fin = false): Promise<ClientStream> {
    const id = this.nextId;
    this.nextId += 2;
    const stream: ClientStream = {
      id,
      replied: false,
      data: [],
      fin: false,
      text: () => Buffer.concat(stream.data).toString('utf8'),
    };
    this.streams.set(id, stream);
    const h: SpdyHeaders = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]]),
    );
    this.socket.write(await encodeSynStream(this.codec, id, h, fin ? FLAG_FIN : 0));
    return stream;
  }

  /** Opens a stream with an explicit id (to test id rules). */
  async openWithId(id: number, headers: Record<string, string>): Promise<void> {
    const h: SpdyHeaders = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k.toLowerCase(), [v]]),
    );
    this.streams.set(id, { id, replied: false, data: [], fin: false, text: () => '' });
    this.socket.write(await encodeSynStream(this.codec, id, h));
  }

  write(stream: ClientStream, data: string | Buffer, fin = false): void {
    this.socket.write(encodeData(stream.id, Buffer.from(data), fin ? FLAG_FIN : 0));
  }

  end(stream: ClientStream): void {
    this.socket.write(encodeData(stream.id, Buffer.alloc(0), FLAG_FIN));
  }

  reset(stream: ClientStream, status = 5): void {
    this.socket.write(encodeRstStream(stream.id, status));
  }

  ping(id: number): void {
    this.socket.write(encodePing(id));
  }

  /** Resolves when pred holds after some event (or at once). */
  until(pred: () => boolean, timeoutMs = 5000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (pred()) return resolve();
      const check = () => {
        if (pred()) {
          cleanup();
          resolve();
        }
      };
      const events = ['reply', 'data', 'fin', 'ping', 'goaway', 'close', 'reset'];
      const cleanup = () => {
        clearTimeout(timer);
        for (const e of events) this.off(e, check);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error('timed out waiting on the SPDY client'));
      }, timeoutMs);
      for (const e of events) this.on(e, check);
    });
  }

  close(): void {
    this.codec.close();
    this.socket.destroy();
  }
}
