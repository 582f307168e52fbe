/**
 * WebSocket (RFC 6455) on Node's standard library: a frame codec with masking and 64-bit
 * lengths, message reassembly from fragments, ping/pong and the close handshake (the opening
 * handshake is in handshake.ts). Both roles are here: the agent serves; tests (and nothing else) play the client.
 * No extensions (permessage-deflate) are offered or accepted, so RSV bits must be zero.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';

export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Close codes this module sends. */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidData: 1007,
  tooBig: 1009,
  internalError: 1011,
} as const;

/** One decoded frame. */
export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Encodes one frame; `mask` is required of clients and forbidden to servers (RFC 6455 §5.1). */
export function encodeFrame(
  opcode: number,
  payload: Buffer,
  opts: { fin?: boolean; mask?: boolean } = {},
): Buffer {
  const fin = opts.fin ?? true;
  const len = payload.length;
  const lenBytes = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const maskBytes = opts.mask ? 4 : 0;
  const head = Buffer.alloc(2 + lenBytes + maskBytes);
  head[0] = (fin ? 0x80 : 0) | opcode;
  head[1] = (opts.mask ? 0x80 : 0) | (lenBytes === 0 ? len : lenBytes === 2 ? 126 : 127);
  if (lenBytes === 2) head.writeUInt16BE(len, 2);
  else if (lenBytes === 8) head.writeBigUInt64BE(BigInt(len), 2);
  if (!opts.mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, 2 + lenBytes);
  return Buffer.concat([head, applyMask(payload, key)]);
}

/** XORs with the 4-byte masking key (a copy: masking is its own inverse). */
export function applyMask(data: Buffer, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] ^ key[i & 3];
  return out;
}

/** A protocol violation: the connection closes with `code`. */
export class WebSocketError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Incremental frame decoder: feed bytes as they arrive, take whole frames out. Checks what a
 * frame alone can violate; message-level rules (fragment order, UTF-8) live in WebSocket.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  constructor(
    private readonly expectMasked: boolean,
    private readonly maxFrameBytes: number,
  ) {}

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): Frame | undefined {
    const b = this.buf;
    if (b.length < 2) return undefined;
    const fin = (b[0] & 0x80) !== 0;
    if ((b[0] & 0x70) !== 0)
      throw new WebSocketError(CLOSE.protocolError, 'reserved bits set without an extension');
    const opcode = b[0] & 0x0f;
    const masked = (b[1] & 0x80) !== 0;
    if (masked !== this.expectMasked)
      throw new WebSocketError(
        CLOSE.protocolError,
        masked ? 'server frames must not be masked' : 'client frames must be masked',
      );
    let len = b[1] & 0x7f;
    let offset = 2;
    if (len === 126) {
      if (b.length < 4) return undefined;
      len = b.readUInt16BE(2);
      offset = 4;
    } else if (len === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.maxFrameBytes)) throw new WebSocketError(CLOSE.tooBig, 'frame too large');
      len = Number(big);
      offset = 10;
    }
    if (opcode >= 8) {
      if (!fin) throw new WebSocketError(CLOSE.protocolError, 'fragmented control frame');
      if (len > 125) throw new WebSocketError(CLOSE.protocolError, 'control frame over 125 bytes');
    } else if (opcode > 2) {
      throw new WebSocketError(CLOSE.protocolError, `unknown opcode ${opcode}`);
    }
    if (len > this.maxFrameBytes) throw new WebSocketError(CLOSE.tooBig, 'frame too large');
    const maskOffset = offset;
    if (masked) offset += 4;
    if (b.length < offset + len) return undefined;
    let payload = b.subarray(offset, offset + len);
    if (masked) payload = applyMask(payload, b.subarray(maskOffset, maskOffset + 4));
    else payload = Buffer.from(payload);
    this.buf = b.subarray(offset + len);
    return { fin, opcode, payload };
  }
}

export interface WebSocketOptions {
  role: 'server' | 'client';
  /** Largest message accepted (default 32 MiB): bigger closes with 1009. */
  maxMessageBytes?: number;
  /** Bytes that arrived with the upgrade request, after its head. */
  head?: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A WebSocket over an upgraded socket. Events: 'message' (data: Buffer, binary: boolean),
 * 'close' (code: number, reason: string) once the socket is gone, 'error' never (protocol errors
 * close the connection with the right code instead).
 */
export class WebSocket extends EventEmitter {
  readonly role: 'server' | 'client';
  private readonly decoder: FrameDecoder;
  private readonly maxMessageBytes: number;
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private fragmentBytes = 0;
  private closeSent = false;
  private closed = false;
  private closeCode = 1006;
  private closeReason = '';

  constructor(
    readonly socket: Duplex,
    opts: WebSocketOptions,
  ) {
    super();
    this.role = opts.role;
    this.maxMessageBytes = opts.maxMessageBytes ?? 32 * 1024 * 1024;
    this.decoder = new FrameDecoder(opts.role === 'server', this.maxMessageBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.onSocketClose());
    socket.on('end', () => socket.end());
    // A socket handed over after reading an HTTP head may have been paused explicitly.
    socket.resume();
    if (opts.head && opts.head.length > 0) queueMicrotask(() => this.onData(opts.head!));
  }

  /** True once a close frame went out or the socket ended: sends are dropped. */
  get isClosing(): boolean {
    return this.closeSent || this.closed;
  }

  /** Sends one message; false when the socket's buffer is full (wait for drain()). */
  send(data: Buffer | string, binary = true): boolean {
    if (this.isClosing) return true;
    const payload = typeof data === 'string' ? Buffer.from(data) : data;
    return this.socket.write(this.frame(binary ? OPCODE.binary : OPCODE.text, payload));
  }

  /** Resolves once the socket can take more (or is gone). */
  drain(): Promise<void> {
    if (this.closed || !this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  ping(data: Buffer = Buffer.alloc(0)): void {
    if (!this.isClosing) this.socket.write(this.frame(OPCODE.ping, data));
  }

  /**
   * Starts the close handshake. A server then closes the TCP connection itself (RFC 6455 §7.1.1:
   * the server closes first); a client waits for the server to.
   */
  close(code: number = CLOSE.normal, reason = ''): void {
    if (this.closeSent || this.closed) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.socket.write(this.frame(OPCODE.close, payload.subarray(0, 125)));
    if (this.role === 'server') this.socket.end();
    else setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  private frame(opcode: number, payload: Buffer): Buffer {
    return encodeFrame(opcode, payload, { mask: this.role === 'client' });
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
      for (const f of frames) this.onFrame(f);
    } catch (err) {
      const code = err instanceof WebSocketError ? err.code : CLOSE.internalError;
      this.fail(code, (err as Error).message);
    }
  }

  private onFrame(f: Frame): void {
    switch (f.opcode) {
      case OPCODE.ping:
        if (!this.isClosing) this.socket.write(this.frame(OPCODE.pong, f.payload));
        return;
      case OPCODE.pong:
        this.emit('pong', f.payload);
        return;
      case OPCODE.close:
        return this.onClose(f.payload);
      case OPCODE.continuation:
        if (this.fragmentOpcode === 0)
          throw new WebSocketError(CLOSE.protocolError, 'continuation without a message');
        this.addFragment(f.payload);
        if (f.fin) this.finishMessage();
        return;
      default:
        if (this.fragmentOpcode !== 0)
          throw new WebSocketError(CLOSE.protocolError, 'new message inside a fragmented one');
        this.fragmentOpcode = f.opcode;
        this.addFragment(f.payload);
        if (f.fin) this.finishMessage();
    }
  }

  private addFragment(payload: Buffer): void {
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > this.maxMessageBytes)
      throw new WebSocketError(CLOSE.tooBig, 'message too large');
    this.fragments.push(payload);
  }

  private finishMessage(): void {
    const data = this.fragments.length === 1 ? this.fragments[0] : Buffer.concat(this.fragments);
    const binary = this.fragmentOpcode === OPCODE.binary;
    this.fragments = [];
    this.fragmentOpcode = 0;
    this.fragmentBytes = 0;
    if (!binary) {
      try {
        utf8.decode(data);
      } catch {
        throw new WebSocketError(CLOSE.invalidData, 'text message is not valid UTF-8');
      }
    }
    if (!this.closeSent) this.emit('message', data, binary);
  }

  private onClose(payload: Buffer): void {
    if (payload.length === 1)
      throw new WebSocketError(CLOSE.protocolError, 'close frame with a 1-byte payload');
    this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    this.closeReason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
    if (!this.closeSent) {
      // Echo the peer's code, as the RFC asks of the side that did not start the handshake.
      this.closeSent = true;
      const echo = payload.length >= 2 ? payload.subarray(0, 2) : Buffer.alloc(0);
      this.socket.write(this.frame(OPCODE.close, echo));
    }
    this.socket.end();
  }

  private fail(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
    if (!this.closeSent) {
      this.close(code, reason);
    }
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', this.closeCode, this.closeReason);
  }
}
