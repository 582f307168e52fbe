/**
 * Protocol buffers wire format reader: tags, varints, fixed-width numbers and length-delimited
 * slices over one buffer. Knows nothing of Kubernetes; malformed input throws WireError, which the
 * decoder turns into a 400.
 */

/** Wire types of the protobuf encoding (groups, 3 and 4, are not used by Kubernetes). */
export const WireType = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

/** The input is not valid protobuf. */
export class WireError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireError';
  }
}

/** A field key: field number and wire type. */
export interface Tag {
  field: number;
  wire: number;
}

const TWO_32 = 4294967296;

/** Sequential reader over `buf[start, end)`. */
export class Reader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** True when every byte has been read. */
  done(): boolean {
    return this.pos >= this.end;
  }

  /** The next field key. */
  tag(): Tag {
    const [lo, hi] = this.varint();
    if (hi !== 0 || lo >>> 3 === 0) throw new WireError(`invalid field key at byte ${this.pos}`);
    return { field: lo >>> 3, wire: lo & 7 };
  }

  /** A varint as its low and high 32-bit halves (unsigned); up to 10 bytes. */
  varint(): [number, number] {
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = this.byte();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return [lo >>> 0, 0];
    }
    b = this.byte();
    lo |= (b & 0x0f) << 28;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) return [lo >>> 0, hi];
    for (let shift = 3; shift < 32; shift += 7) {
      b = this.byte();
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new WireError(`varint longer than 10 bytes at byte ${this.pos}`);
  }

  /** int32: negative values arrive sign-extended to 64 bits, so the low half carries them. */
  int32(): number {
    return this.varint()[0] | 0;
  }

  uint32(): number {
    return this.varint()[0];
  }

  /** int64 as a JS number (exact up to 2^53, which every Kubernetes int64 field stays within). */
  int64(): number {
    const [lo, hi] = this.varint();
    return (hi | 0) * TWO_32 + lo;
  }

  /** int64 exactly, for values (durations in nanoseconds) that may pass 2^53. */
  int64Big(): bigint {
    const [lo, hi] = this.varint();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  }

  uint64(): number {
    const [lo, hi] = this.varint();
    return hi * TWO_32 + lo;
  }

  bool(): boolean {
    const [lo, hi] = this.varint();
    return lo !== 0 || hi !== 0;
  }

  double(): number {
    const at = this.take(8);
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, 8).getFloat64(0, true);
  }

  float(): number {
    const at = this.take(4);
    return new DataView(this.buf.buffer, this.buf.byteOffset + at, 4).getFloat32(0, true);
  }

  /** A length-delimited payload, as a view (no copy). */
  bytes(): Uint8Array {
    const [lo, hi] = this.varint();
    if (hi !== 0) throw new WireError(`length too large at byte ${this.pos}`);
    const at = this.take(lo);
    return this.buf.subarray(at, at + lo);
  }

  /** Skip one value of the given wire type (an unknown field). */
  skip(wire: number): void {
    switch (wire) {
      case WireType.varint:
        this.varint();
        return;
      case WireType.fixed64:
        this.take(8);
        return;
      case WireType.bytes:
        this.bytes();
        return;
      case WireType.fixed32:
        this.take(4);
        return;
      default:
        throw new WireError(`unsupported wire type ${wire} at byte ${this.pos}`);
    }
  }

  private byte(): number {
    if (this.pos >= this.end) throw new WireError('unexpected end of input');
    return this.buf[this.pos++]!;
  }

  /** Advance past `n` bytes, returning where they start. */
  private take(n: number): number {
    if (n > this.end - this.pos) throw new WireError('unexpected end of input');
    const at = this.pos;
    this.pos += n;
    return at;
  }
}
