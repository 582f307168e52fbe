/**
 * Table-driven decoding of one protobuf message into the JSON object Kubernetes' Go types would
 * marshal: JSON field names, zero-valued non-pointer scalars omitted unless the field lacks
 * omitempty, pointer scalars kept when present, bytes as base64, maps from map entries, well-known types via special.ts.
 */
import { type FieldSpec, type FieldType, messageSpec, type ScalarType } from './schema.js';
import { type NestedDecoder, specialDecoder, utf8 } from './special.js';
import { Reader, WireError, WireType } from './wire.js';

/** Decode `buf` as message `name` (qualified, e.g. `apps.v1.Deployment`). */
export function decodeMessage(buf: Uint8Array, name: string, nested: NestedDecoder): unknown {
  const special = specialDecoder(name);
  if (special) return special(buf, nested);
  const out: Record<string, unknown> = {};
  decodeInto(buf, name, out, nested);
  return out;
}

/** Decode the fields of `buf` into `out`; inline (embedded) messages share their parent's object. */
function decodeInto(
  buf: Uint8Array,
  name: string,
  out: Record<string, unknown>,
  nested: NestedDecoder,
): void {
  const spec = messageSpec(name);
  if (!spec) throw new WireError(`no schema for message ${name}`);
  const r = new Reader(buf);
  while (!r.done()) {
    const { field, wire } = r.tag();
    const f = spec.byNumber.get(field);
    if (!f) r.skip(wire);
    else decodeField(r, wire, f, out, nested);
  }
}

function decodeField(
  r: Reader,
  wire: number,
  f: FieldSpec,
  out: Record<string, unknown>,
  nested: NestedDecoder,
) {
  const t = f.t;
  if (t.startsWith('map:')) {
    expectWire(f, wire, WireType.bytes);
    const map = slot(out, f.json, () => ({})) as Record<string, unknown>;
    const [key, value] = mapEntry(r.bytes(), t, nested);
    map[key] = value;
    return;
  }
  if (t.startsWith('msg:')) {
    expectWire(f, wire, WireType.bytes);
    const body = r.bytes();
    const msg = t.slice(4);
    if (f.inline) decodeInto(body, msg, out, nested);
    else if (f.rep) (slot(out, f.json, () => []) as unknown[]).push(decodeMessage(body, msg, nested));
    else out[f.json] = decodeMessage(body, msg, nested);
    return;
  }
  const scalar = t as ScalarType;
  if (f.rep) {
    const list = slot(out, f.json, () => []) as unknown[];
    if (wire === WireType.bytes && packable(scalar)) {
      const packed = new Reader(r.bytes());
      while (!packed.done()) list.push(readScalar(packed, scalar));
    } else {
      expectWire(f, wire, wireOf(scalar));
      list.push(readScalar(r, scalar));
    }
    return;
  }
  expectWire(f, wire, wireOf(scalar));
  const value = readScalar(r, scalar);
  if (f.ptr || f.emitZero || !isZero(value)) out[f.json] = value;
  else delete out[f.json];
}

/** The existing map or list at `key`, or a new one (repeated fields arrive one element at a time). */
function slot(out: Record<string, unknown>, key: string, init: () => unknown): unknown {
  if (out[key] === undefined) out[key] = init();
  return out[key];
}

/** A map entry message: key is field 1, value field 2; either may be absent (zero value). */
function mapEntry(buf: Uint8Array, t: FieldType, nested: NestedDecoder): [string, unknown] {
  const rest = t.slice(4);
  const colon = rest.indexOf(':');
  const keyType = rest.slice(0, colon) as ScalarType;
  const valueType = rest.slice(colon + 1);
  let key: unknown = zeroOf(keyType);
  let value: unknown;
  const r = new Reader(buf);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1) {
      requireWire(wire, wireOf(keyType), 'map key');
      key = readScalar(r, keyType);
    } else if (field === 2) {
      if (valueType.startsWith('msg:')) {
        requireWire(wire, WireType.bytes, 'map value');
        value = decodeMessage(r.bytes(), valueType.slice(4), nested);
      } else {
        requireWire(wire, wireOf(valueType as ScalarType), 'map value');
        value = readScalar(r, valueType as ScalarType);
      }
    } else r.skip(wire);
  }
  if (value === undefined) {
    value = valueType.startsWith('msg:')
      ? decodeMessage(new Uint8Array(0), valueType.slice(4), nested)
      : zeroOf(valueType as ScalarType);
  }
  return [String(key), value];
}

function readScalar(r: Reader, t: ScalarType): string | number | boolean {
  switch (t) {
    case 'string':
      return utf8(r.bytes());
    case 'bytes':
      return Buffer.from(r.bytes()).toString('base64');
    case 'int32':
      return r.int32();
    case 'int64':
      return r.int64();
    case 'uint32':
      return r.uint32();
    case 'uint64':
      return r.uint64();
    case 'bool':
      return r.bool();
    case 'double':
      return r.double();
    case 'float':
      return r.float();
  }
}

function wireOf(t: ScalarType): number {
  if (t === 'string' || t === 'bytes') return WireType.bytes;
  if (t === 'double') return WireType.fixed64;
  if (t === 'float') return WireType.fixed32;
  return WireType.varint;
}

const packable = (t: ScalarType) => t !== 'string' && t !== 'bytes';

function zeroOf(t: ScalarType): string | number | boolean {
  if (t === 'string' || t === 'bytes') return '';
  return t === 'bool' ? false : 0;
}

const isZero = (v: unknown) => v === '' || v === 0 || v === false;

function expectWire(f: FieldSpec, wire: number, want: number): void {
  requireWire(wire, want, `field ${f.json} (${f.n})`);
}

function requireWire(wire: number, want: number, what: string): void {
  if (wire !== want) throw new WireError(`${what} has wire type ${wire}, expected ${want}`);
}
