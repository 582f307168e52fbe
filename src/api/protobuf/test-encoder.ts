/**
 * Test-only protobuf encoder driven by the same message tables as the decoder: turns a JSON-shaped
 * Kubernetes object into `k8s\0` + runtime.Unknown bytes the way client-go's gogo marshaller lays
 * them out, so tests can round-trip objects without a Go toolchain. Not used by the server.
 */
import { type FieldSpec, messageSpec, type ScalarType } from './schema.js';

/** Encoding choices a test may vary. */
export interface EncodeOptions {
  /** Write repeated numeric fields packed (proto3 style) instead of one key per element. */
  packed?: boolean;
}

/** Low-level protobuf writer. */
export class Writer {
  private chunks: number[] = [];

  /** Write an unsigned or negative (two's complement, 10 bytes) varint. */
  varint(value: number | bigint): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.chunks.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.chunks.push(Number(v));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, 2).varint(data.length);
    for (const b of data) this.chunks.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  raw(data: Uint8Array): this {
    for (const b of data) this.chunks.push(b);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

/** Encode `object` (which carries apiVersion and kind) as a full Kubernetes protobuf document. */
export function encodeDocument(
  object: Record<string, unknown>,
  message: string,
  opts: EncodeOptions = {},
): Buffer {
  const typeMeta = new Writer()
    .string(1, String(object.apiVersion ?? ''))
    .string(2, String(object.kind ?? ''))
    .finish();
  const unknown = new Writer()
    .bytes(1, typeMeta)
    .bytes(2, encodeMessage(object, message, opts))
    .finish();
  return Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), unknown]);
}

/** Encode one message from its JSON form. */
export function encodeMessage(value: unknown, name: string, opts: EncodeOptions = {}): Uint8Array {
  const special = encodeSpecial(value, name);
  if (special) return special;
  const spec = messageSpec(name);
  if (!spec) throw new Error(`no schema for ${name}`);
  const obj = value as Record<string, unknown>;
  const w = new Writer();
  for (const f of spec.fields) {
    if (f.inline) {
      const inner = encodeMessage(obj, f.t.slice(4), opts);
      if (inner.length > 0) w.bytes(f.n, inner);
    } else if (obj[f.json] !== undefined) {
      writeField(w, f, obj[f.json], opts);
    }
  }
  return w.finish();
}

function writeField(w: Writer, f: FieldSpec, v: unknown, opts: EncodeOptions): void {
  if (f.t.startsWith('map:')) {
    const valueType = f.t.slice(4).split(':').slice(1).join(':');
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      const entry = new Writer().string(1, k);
      if (valueType.startsWith('msg:')) entry.bytes(2, encodeMessage(item, valueType.slice(4), opts));
      else writeScalar(entry, 2, valueType as ScalarType, item);
      w.bytes(f.n, entry.finish());
    }
    return;
  }
  const items = f.rep ? (v as unknown[]) : [v];
  if (f.t.startsWith('msg:')) {
    for (const item of items) w.bytes(f.n, encodeMessage(item, f.t.slice(4), opts));
    return;
  }
  const t = f.t as ScalarType;
  if (f.rep && opts.packed && t !== 'string' && t !== 'bytes') {
    const packed = new Writer();
    for (const item of items) writeScalar(packed, 0, t, item);
    w.bytes(f.n, packed.finish());
    return;
  }
  for (const item of items) writeScalar(w, f.n, t, item);
}

/** Field 0 means "value only" (inside a packed run). */
function writeScalar(w: Writer, field: number, t: ScalarType, v: unknown): void {
  if (t === 'string') {
    if (field === 0) throw new Error('strings cannot be packed');
    w.string(field, String(v));
  } else if (t === 'bytes') w.bytes(field, Buffer.from(String(v), 'base64'));
  else if (t === 'double' || t === 'float') {
    const size = t === 'double' ? 8 : 4;
    const buf = Buffer.alloc(size);
    if (t === 'double') buf.writeDoubleLE(Number(v));
    else buf.writeFloatLE(Number(v));
    if (field) w.tag(field, t === 'double' ? 1 : 5);
    w.raw(buf);
  } else {
    if (field) w.tag(field, 0);
    w.varint(typeof v === 'boolean' ? Number(v) : Number(v));
  }
}

function encodeSpecial(v: unknown, name: string): Uint8Array | undefined {
  switch (name) {
    case 'meta.v1.Time':
    case 'meta.v1.MicroTime':
      return encodeTime(v as string | null);
    case 'meta.v1.Duration':
      return new Writer()
        .tag(1, 0)
        .varint(parseGoDuration(String(v)))
        .finish();
    case 'resource.Quantity':
      return new Writer().string(1, String(v)).finish();
    case 'intstr.IntOrString':
      return typeof v === 'number'
        ? new Writer().tag(1, 0).varint(0).tag(2, 0).varint(v).string(3, '').finish()
        : new Writer().tag(1, 0).varint(1).tag(2, 0).varint(0).string(3, String(v)).finish();
    case 'runtime.RawExtension':
    case 'meta.v1.FieldsV1':
      return new Writer().bytes(1, new TextEncoder().encode(JSON.stringify(v))).finish();
    case 'meta.v1.Verbs':
    case 'authentication.v1.ExtraValue':
    case 'authorization.v1.ExtraValue':
    case 'certificates.v1.ExtraValue': {
      const w = new Writer();
      for (const s of v as string[]) w.string(1, s);
      return w.finish();
    }
    default:
      return undefined;
  }
}

/** Zero time (null) is an empty message, as kube's Time.Marshal writes it. */
function encodeTime(v: string | null): Uint8Array {
  if (v === null) return new Uint8Array(0);
  const ms = Date.parse(v);
  const fraction = /\.(\d+)Z$/.exec(v)?.[1] ?? '';
  const nanos = Number(fraction.padEnd(9, '0').slice(0, 9));
  return new Writer()
    .tag(1, 0)
    .varint(Math.floor(ms / 1000))
    .tag(2, 0)
    .varint(nanos)
    .finish();
}

const NS: Record<string, bigint> = {
  h: 3_600_000_000_000n,
  m: 60_000_000_000n,
  s: 1_000_000_000n,
  ms: 1_000_000n,
  µs: 1_000n,
  us: 1_000n,
  ns: 1n,
};

/** Parses the subset of Go duration strings the tests use ("1h30m", "1.5s", "-2ms"). */
export function parseGoDuration(s: string): bigint {
  let total = 0n;
  const sign = s.startsWith('-') ? -1n : 1n;
  for (const [, whole, frac = '', unit] of s.matchAll(/(\d+)(?:\.(\d+))?(h|ms|m|s|µs|us|ns)/g)) {
    const scale = NS[unit!]!;
    total += BigInt(whole!) * scale;
    if (frac) total += (BigInt(frac) * scale) / 10n ** BigInt(frac.length);
  }
  return sign * total;
}
