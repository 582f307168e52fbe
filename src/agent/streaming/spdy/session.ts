/**
 * A SPDY/3.1 session over one connection (a TLS socket after `Upgrade: SPDY/3.1`, or a WebSocket
 * tunnel): the peer opens streams, each arrives as a SpdyStream (a Duplex) already answered with
 * SYN_REPLY, DATA flows both ways, FIN half-closes, RST_STREAM aborts, PINGs are echoed. Frames
 * are handled strictly in arrival order (header blocks share one zlib context) and sent in one
 * ordered queue, so a stream's SYN_REPLY always precedes its data, as Go's spdystream requires
 * (it drops data for unanswered streams).
 *
 * Flow control: kubectl's SPDY library (moby/spdystream) neither sends nor honours
 * WINDOW_UPDATE, so windows are not enforced in either direction; back-pressure comes from the
 * socket (sending) and from pausing the socket while a stream's reader is full (receiving).
 */
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import {
  controlStreamId,
  encodeData,
  encodeGoAway,
  encodePing,
  encodeRstStream,
  encodeSynReply,
  FLAG_FIN,
  FLAG_UNIDIRECTIONAL,
  FRAME,
  FrameReader,
  HeaderCodec,
  type RawFrame,
  RST,
  SPDY_VERSION,
  type SpdyHeaders,
  SpdyProtocolError,
} from './frames.js';

/** Data is sent in frames of at most this many bytes, so streams interleave fairly. */
const sendChunk = 32 * 1024;

/** One stream the peer opened. Reading gives its DATA; writing sends DATA; end() sends FIN. */
export class SpdyStream extends Duplex {
  /** The SYN_STREAM headers, names lowercase. */
  readonly headers: SpdyHeaders;
  private remoteDone = false;

  constructor(
    private readonly session: SpdySession,
    readonly id: number,
    headers: SpdyHeaders,
    readonly unidirectional: boolean,
  ) {
    super({ allowHalfOpen: true });
    this.headers = headers;
    // Write errors only mean the connection is gone; the session's 'close' reports that.
    this.on('error', () => {});
  }

  /** The first value of a header (names are matched case-insensitively). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()]?.[0];
  }

  override _read(): void {
    this.session.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (this.unidirectional) return cb(new Error('stream is unidirectional'));
    this.session.sendData(this.id, chunk, false).then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (this.unidirectional) return cb();
    this.session.sendData(this.id, Buffer.alloc(0), true).then(() => cb(), cb);
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.session.forget(this);
    cb(err);
  }

  /** Aborts the stream with RST_STREAM (e.g. CANCEL). */
  reset(status: number = RST.cancel): void {
    this.session.sendReset(this.id, status);
    this.destroy();
  }

  /** Called by the session: data or the peer's FIN arrived. False: reader is full. */
  deliver(data: Buffer, fin: boolean): boolean {
    if (this.destroyed) return true;
    let more = true;
    if (data.length > 0 && !this.remoteDone) more = this.push(data);
    if (fin && !this.remoteDone) {
      this.remoteDone = true;
      this.push(null);
    }
    return more;
  }

  /** The peer reset the stream. */
  abort(): void {
    this.remoteDone = true;
    this.destroy();
  }
}

export interface SpdySessionOptions {
  /** Called with each new stream, after its SYN_REPLY is queued. */
  onStream(stream: SpdyStream): void;
}

/**
 * The server side of a SPDY session. Events: 'close' once the underlying connection is gone
 * (every open stream is destroyed first).
 */
export class SpdySession extends EventEmitter {
  private readonly reader = new FrameReader();
  private readonly codec = new HeaderCodec();
  private readonly streams = new Map<number, SpdyStream>();
  private inbound: Promise<void> = Promise.resolve();
  private outbound: Promise<void> = Promise.resolve();
  private lastStreamId = 0;
  private goneAway = false;
  private closed = false;
  private paused = false;

  constructor(
    private readonly socket: Duplex,
    private readonly options: SpdySessionOptions,
    head?: Buffer,
  ) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('end', () => socket.end());
    socket.on('close', () => this.onClose());
    socket.resume();
    if (head && head.length > 0) this.onData(head);
  }

  /** Streams currently open. */
  get openStreams(): number {
    return this.streams.size;
  }

  /** Sends GOAWAY (no new streams) and closes the connection once queued frames are out. */
  close(): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.enqueue(() => encodeGoAway(this.lastStreamId, 0));
    }
    this.outbound = this.outbound.then(() => {
      this.socket.end();
    });
  }

  /** Drops the connection at once. */
  destroy(): void {
    this.socket.destroy();
  }

  sendData(streamId: number, data: Buffer, fin: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error('SPDY session closed'));
    if (data.length <= sendChunk) return this.enqueue(() => encodeData(streamId, data, fin ? FLAG_FIN : 0));
    let last: Promise<void> = Promise.resolve();
    for (let at = 0; at < data.length; at += sendChunk) {
      const piece = data.subarray(at, at + sendChunk);
      const isLast = at + sendChunk >= data.length;
      last = this.enqueue(() => encodeData(streamId, piece, fin && isLast ? FLAG_FIN : 0));
    }
    return last;
  }

  sendReset(streamId: number, status: number): void {
    if (!this.closed) this.enqueue(() => encodeRstStream(streamId, status)).catch(() => {});
  }

  /** Let a stream whose reader filled up take more: the socket flows again. */
  resume(): void {
    if (this.paused) {
      this.paused = false;
      this.socket.resume();
    }
  }

  forget(stream: SpdyStream): void {
    this.streams.delete(stream.id);
  }

  private enqueue(make: () => Buffer | Promise<Buffer>): Promise<void> {
    const next = this.outbound.then(async () => {
      if (this.socket.destroyed) throw new Error('SPDY connection closed');
      const frame = await make();
      if (!this.socket.write(frame)) await waitDrain(this.socket);
    });
    this.outbound = next.catch(() => {});
    return next;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: RawFrame[];
    try {
      frames = this.reader.push(chunk);
    } catch {
      return this.protocolFailure();
    }
    for (const frame of frames) {
      this.inbound = this.inbound.then(() => this.handle(frame)).catch(() => this.protocolFailure());
    }
  }

  private async handle(frame: RawFrame): Promise<void> {
    if (this.closed) return;
    if (!frame.control) return this.onDataFrame(frame.streamId, frame.flags, frame.data);
    if (frame.version !== SPDY_VERSION)
      throw new SpdyProtocolError(`unsupported SPDY version ${frame.version}`);
    const p = frame.payload;
    switch (frame.type) {
      case FRAME.synStream:
        return this.onSynStream(frame.flags, p);
      case FRAME.rstStream:
        this.streams.get(controlStreamId(p))?.abort();
        return;
      case FRAME.ping:
        // Odd ids are the client's: echo them. Even ids would answer our own pings (we send none).
        if (p.length >= 4 && p.readUInt32BE(0) % 2 === 1)
          await this.enqueue(() => encodePing(p.readUInt32BE(0)));
        return;
      case FRAME.goAway:
        this.goneAway = true;
        return;
      case FRAME.headers: {
        // Extra headers on an open stream carry nothing Kubernetes uses, but must still be
        // inflated: the zlib context is shared by every block of the connection.
        const id = controlStreamId(p);
        await this.codec.decompress(p.subarray(4));
        if (frame.flags & FLAG_FIN) this.streams.get(id)?.deliver(Buffer.alloc(0), true);
        return;
      }
      case FRAME.synReply:
        // Only the server opens nothing here; a reply to nothing still consumes zlib state.
        await this.codec.decompress(p.subarray(4));
        return;
      default:
        // SETTINGS and WINDOW_UPDATE (no flow control, see the header) and unknown types: ignored,
        // as the spec asks of unknown control frames.
        return;
    }
  }

  private async onSynStream(flags: number, p: Buffer): Promise<void> {
    if (p.length < 10) throw new SpdyProtocolError('SYN_STREAM too short');
    const id = p.readUInt32BE(0) & 0x7fffffff;
    const headers = await this.codec.decompress(p.subarray(10));
    if (id % 2 === 0 || id <= this.lastStreamId) {
      // Client streams are odd and increasing; anything else is refused, the session goes on.
      this.sendReset(id, RST.protocolError);
      return;
    }
    this.lastStreamId = id;
    if (this.goneAway) {
      this.sendReset(id, RST.refusedStream);
      return;
    }
    const stream = new SpdyStream(this, id, headers, (flags & FLAG_UNIDIRECTIONAL) !== 0);
    this.streams.set(id, stream);
    this.enqueue(() => encodeSynReply(this.codec, id, {})).catch(() => {});
    if (flags & FLAG_FIN) stream.deliver(Buffer.alloc(0), true);
    this.options.onStream(stream);
  }

  private onDataFrame(id: number, flags: number, data: Buffer): void {
    const stream = this.streams.get(id);
    if (!stream) {
      if (id !== 0) this.sendReset(id, RST.invalidStream);
      return;
    }
    const more = stream.deliver(data, (flags & FLAG_FIN) !== 0);
    if (!more && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private protocolFailure(): void {
    if (this.closed) return;
    if (!this.goneAway) {
      this.goneAway = true;
      this.enqueue(() => encodeGoAway(this.lastStreamId, 1)).catch(() => {});
    }
    this.outbound = this.outbound.then(() => {
      this.socket.destroy();
    });
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.destroy();
    this.streams.clear();
    this.codec.close();
    this.emit('close');
  }
}

function waitDrain(socket: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
