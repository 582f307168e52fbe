/**
 * SPDY/3.1 framing (draft 3.1, section 2): splitting a byte stream into frames, encoding frames,
 * and the name/value header blocks with their per-connection zlib contexts. Kubernetes uses SPDY
 * for remotecommand (exec/attach) and port-forward; this is the subset of frames its clients
 * send (no server push, no CREDENTIAL). Pure except for the zlib state in HeaderCodec.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY_DICTIONARY } from './dictionary.js';

export const SPDY_VERSION = 3;

export const FRAME = {
  synStream: 1,
  synReply: 2,
  rstStream: 3,
  settings: 4,
  ping: 6,
  goAway: 7,
  headers: 8,
  windowUpdate: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes. */
export const RST = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  unsupportedVersion: 4,
  cancel: 5,
  internalError: 6,
  flowControlError: 7,
  streamInUse: 8,
  streamAlreadyClosed: 9,
  frameTooLarge: 11,
} as const;

/** Largest DATA payload a frame can carry (24-bit length). */
export const MAX_FRAME_PAYLOAD = 0xffffff;

/** Header names (lowercase, as SPDY requires) to their values (NUL-separated on the wire). */
export type SpdyHeaders = Record<string, string[]>;

/** A frame split off the byte stream, header blocks still compressed. */
export type RawFrame =
  | { control: false; streamId: number; flags: number; data: Buffer }
  | { control: true; version: number; type: number; flags: number; payload: Buffer };

/** A protocol violation that ends the session. */
export class SpdyProtocolError extends Error {}

/** Splits incoming bytes into frames; keeps a partial frame until the rest arrives. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: RawFrame[] = [];
    while (this.buf.length >= 8) {
      const length = this.buf.readUIntBE(5, 3);
      if (this.buf.length < 8 + length) break;
      const flags = this.buf[4];
      const body = Buffer.from(this.buf.subarray(8, 8 + length));
      if (this.buf[0] & 0x80) {
        out.push({
          control: true,
          version: this.buf.readUInt16BE(0) & 0x7fff,
          type: this.buf.readUInt16BE(2),
          flags,
          payload: body,
        });
      } else {
        out.push({ control: false, streamId: this.buf.readUInt32BE(0) & 0x7fffffff, flags, data: body });
      }
      this.buf = this.buf.subarray(8 + length);
    }
    return out;
  }
}

/** A DATA frame. */
export function encodeData(streamId: number, data: Buffer, flags = 0): Buffer {
  if (data.length > MAX_FRAME_PAYLOAD) throw new RangeError('DATA payload over 16 MiB');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

/** A control frame with an already-built payload. */
export function encodeControl(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | SPDY_VERSION, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => {
    b.writeUInt32BE(v >>> 0, 4 * i);
  });
  return b;
}

export function encodeRstStream(streamId: number, status: number): Buffer {
  return encodeControl(FRAME.rstStream, 0, u32(streamId & 0x7fffffff, status));
}

export function encodePing(id: number): Buffer {
  return encodeControl(FRAME.ping, 0, u32(id));
}

export function encodeGoAway(lastGoodStreamId: number, status: number): Buffer {
  return encodeControl(FRAME.goAway, 0, u32(lastGoodStreamId & 0x7fffffff, status));
}

export function encodeSettings(entries: Array<{ flags: number; id: number; value: number }>): Buffer {
  const payload = Buffer.alloc(4 + 8 * entries.length);
  payload.writeUInt32BE(entries.length, 0);
  entries.forEach((e, i) => {
    payload.writeUInt32BE(((e.flags & 0xff) << 24) | (e.id & 0xffffff), 4 + 8 * i);
    payload.writeUInt32BE(e.value >>> 0, 8 + 8 * i);
  });
  return encodeControl(FRAME.settings, 0, payload);
}

export function encodeWindowUpdate(streamId: number, delta: number): Buffer {
  return encodeControl(FRAME.windowUpdate, 0, u32(streamId & 0x7fffffff, delta & 0x7fffffff));
}

/** Serializes a header block before compression: count, then length-prefixed names and values. */
export function encodeHeaderBlock(headers: SpdyHeaders): Buffer {
  const entries = Object.entries(headers);
  const parts: Buffer[] = [u32(entries.length)];
  for (const [name, values] of entries) {
    const n = Buffer.from(name.toLowerCase());
    const v = Buffer.from(values.join('\0'));
    parts.push(u32(n.length), n, u32(v.length), v);
  }
  return Buffer.concat(parts);
}

/** Parses a decompressed header block; malformed blocks are a protocol error. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const fail = () => {
    throw new SpdyProtocolError('malformed header block');
  };
  if (block.length < 4) fail();
  const count = block.readUInt32BE(0);
  let at = 4;
  const headers: SpdyHeaders = {};
  const take = (): string => {
    if (at + 4 > block.length) fail();
    const len = block.readUInt32BE(at);
    at += 4;
    if (at + len > block.length) fail();
    const s = block.subarray(at, at + len).toString('utf8');
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = take();
    if (name === '' || name !== name.toLowerCase()) fail();
    const value = take();
    headers[name] = [...(headers[name] ?? []), ...value.split('\0')];
  }
  return headers;
}

/**
 * One direction's zlib context: SPDY compresses every header block of a connection with one
 * stream, flushed (Z_SYNC_FLUSH) after each block, so blocks must be processed in order. Calls
 * are serialized here; each resolves with exactly the bytes its block produced.
 */
class ZlibContext {
  private queue: Promise<unknown> = Promise.resolve();
  private chunks: Buffer[] = [];
  private failure: Error | undefined;
  /** Rejects the call in flight: after an error zlib never calls the flush callback. */
  private failPending: ((err: Error) => void) | undefined;

  constructor(private readonly z: Deflate | Inflate) {
    z.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    z.on('error', (err) => {
      this.failure = err;
      this.failPending?.(err);
    });
  }

  run(input: Buffer, limit: number): Promise<Buffer> {
    const next = this.queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          this.chunks = [];
          this.failPending = reject;
          this.z.write(input);
          this.z.flush(constants.Z_SYNC_FLUSH, () => {
            this.failPending = undefined;
            if (this.failure) return reject(this.failure);
            const out = Buffer.concat(this.chunks);
            this.chunks = [];
            if (out.length > limit) return reject(new SpdyProtocolError('header block too large'));
            resolve(out);
          });
        }),
    );
    this.queue = next.catch(() => {});
    return next;
  }

  close(): void {
    const err = new Error('header codec closed');
    this.failure ??= err;
    this.failPending?.(err);
    this.z.destroy();
  }
}

/** Largest decompressed header block accepted (Kubernetes' blocks are a few hundred bytes). */
const maxHeaderBlock = 256 * 1024;

/** The two zlib contexts of one connection (ours for sending, the peer's for receiving). */
export class HeaderCodec {
  private readonly deflate = new ZlibContext(
    createDeflate({ dictionary: SPDY_DICTIONARY, level: constants.Z_DEFAULT_COMPRESSION }),
  );
  private readonly inflate = new ZlibContext(createInflate({ dictionary: SPDY_DICTIONARY }));

  compress(headers: SpdyHeaders): Promise<Buffer> {
    return this.deflate.run(encodeHeaderBlock(headers), Number.POSITIVE_INFINITY);
  }

  async decompress(block: Buffer): Promise<SpdyHeaders> {
    let raw: Buffer;
    try {
      raw = await this.inflate.run(block, maxHeaderBlock);
    } catch (err) {
      if (err instanceof SpdyProtocolError) throw err;
      throw new SpdyProtocolError(`header block does not decompress: ${(err as Error).message}`);
    }
    return decodeHeaderBlock(raw);
  }

  close(): void {
    this.deflate.close();
    this.inflate.close();
  }
}

/** SYN_STREAM (client side; the agent only receives these, tests send them). */
export async function encodeSynStream(
  codec: HeaderCodec,
  streamId: number,
  headers: SpdyHeaders,
  flags = 0,
): Promise<Buffer> {
  const block = await codec.compress(headers);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt32BE(streamId & 0x7fffffff, 0);
  fixed.writeUInt32BE(0, 4);
  fixed.writeUInt16BE(0, 8);
  return encodeControl(FRAME.synStream, flags, Buffer.concat([fixed, block]));
}

export async function encodeSynReply(
  codec: HeaderCodec,
  streamId: number,
  headers: SpdyHeaders,
  flags = 0,
): Promise<Buffer> {
  const block = await codec.compress(headers);
  return encodeControl(FRAME.synReply, flags, Buffer.concat([u32(streamId & 0x7fffffff), block]));
}

/** The fields of a control frame's payload that come before its header block. */
export function controlStreamId(payload: Buffer): number {
  if (payload.length < 4) throw new SpdyProtocolError('control frame too short');
  return payload.readUInt32BE(0) & 0x7fffffff;
}
