/**
 * Kubernetes types whose JSON form is not their protobuf message: Time, MicroTime, Duration,
 * Quantity, IntOrString, the string-list wrappers, and the raw-JSON carriers (RawExtension,
 * FieldsV1). Each turns the message's bytes into the value Go's JSON marshaller would print.
 */
import { Reader, WireError, WireType } from './wire.js';

/** Decodes nested Kubernetes protobuf (`k8s\0` + runtime.Unknown) found inside a RawExtension. */
export type NestedDecoder = (raw: Uint8Array) => Record<string, unknown>;

type Special = (buf: Uint8Array, nested: NestedDecoder) => unknown;

const WRAPPERS = [
  'meta.v1.Verbs',
  'authentication.v1.ExtraValue',
  'authorization.v1.ExtraValue',
  'certificates.v1.ExtraValue',
];

const SPECIALS: Record<string, Special> = {
  'meta.v1.Time': (buf) => timeValue(buf, false),
  'meta.v1.MicroTime': (buf) => timeValue(buf, true),
  'meta.v1.Duration': (buf) => goDuration(readFields(buf, { 1: 'int64big' })[1] as bigint | undefined),
  'resource.Quantity': (buf) => (readFields(buf, { 1: 'string' })[1] as string | undefined) || '0',
  'intstr.IntOrString': intOrString,
  'runtime.RawExtension': rawJson,
  'meta.v1.FieldsV1': rawJson,
  ...Object.fromEntries(WRAPPERS.map((name) => [name, stringList])),
};

/** The decoder for a message whose JSON is not an object with its fields, if `name` is one. */
export function specialDecoder(name: string): Special | undefined {
  return SPECIALS[name];
}

type Kind = 'string' | 'int32' | 'int64' | 'int64big' | 'bytes';

/** Reads the few scalar fields a special type has; the last occurrence wins, unknown ones are skipped. */
function readFields(buf: Uint8Array, kinds: Record<number, Kind>): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  const r = new Reader(buf);
  while (!r.done()) {
    const { field, wire } = r.tag();
    const kind = kinds[field];
    if (!kind) {
      r.skip(wire);
      continue;
    }
    const wantWire = kind === 'string' || kind === 'bytes' ? WireType.bytes : WireType.varint;
    if (wire !== wantWire) throw new WireError(`field ${field} has wire type ${wire}, expected ${wantWire}`);
    if (kind === 'string') out[field] = utf8(r.bytes());
    else if (kind === 'bytes') out[field] = r.bytes();
    else if (kind === 'int32') out[field] = r.int32();
    else if (kind === 'int64') out[field] = r.int64();
    else out[field] = r.int64Big();
  }
  return out;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8, as Go's proto string fields must be valid UTF-8 to round-trip through JSON. */
export function utf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new WireError('string field is not valid UTF-8');
  }
}

/**
 * metav1.Time / MicroTime: an empty message is the zero time, which Go prints as null. Time
 * keeps whole seconds only (as kube's own unmarshaller does); MicroTime keeps microseconds.
 */
function timeValue(buf: Uint8Array, micro: boolean): string | null {
  if (buf.length === 0) return null;
  const f = readFields(buf, { 1: 'int64', 2: 'int32' });
  const seconds = (f[1] as number | undefined) ?? 0;
  const date = new Date(seconds * 1000);
  if (Number.isNaN(date.getTime())) throw new WireError(`timestamp ${seconds} is out of range`);
  const base = date.toISOString().slice(0, 19);
  if (!micro) return `${base}Z`;
  const micros = Math.trunc(((f[2] as number | undefined) ?? 0) / 1000);
  if (micros < 0 || micros > 999_999) throw new WireError(`timestamp nanos ${f[2]} out of range`);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** intstr.IntOrString: type 1 means the string form. */
function intOrString(buf: Uint8Array): number | string {
  const f = readFields(buf, { 1: 'int64', 2: 'int32', 3: 'string' });
  return f[1] === 1 ? ((f[3] as string | undefined) ?? '') : ((f[2] as number | undefined) ?? 0);
}

function stringList(buf: Uint8Array): string[] {
  const out: string[] = [];
  const r = new Reader(buf);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === WireType.bytes) out.push(utf8(r.bytes()));
    else r.skip(wire);
  }
  return out;
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

/** RawExtension / FieldsV1 carry JSON bytes; a RawExtension may instead hold a nested protobuf object. */
function rawJson(buf: Uint8Array, nested: NestedDecoder): unknown {
  const raw = readFields(buf, { 1: 'bytes' })[1] as Uint8Array | undefined;
  if (!raw || raw.length === 0) return null;
  if (raw.length >= 4 && MAGIC.every((b, i) => raw[i] === b)) return nested(raw);
  try {
    return JSON.parse(utf8(raw));
  } catch {
    throw new WireError('embedded raw object is neither JSON nor Kubernetes protobuf');
  }
}

const UNITS: [bigint, string][] = [
  [1_000_000n, 'ms'],
  [1_000n, 'µs'],
  [1n, 'ns'],
];

/** Go's time.Duration.String(): "1h0m0s", "1.5s", "300ms", "0s". */
export function goDuration(ns: bigint | undefined): string {
  if (!ns) return '0s';
  const sign = ns < 0n ? '-' : '';
  const abs = ns < 0n ? -ns : ns;
  if (abs < 1_000_000_000n) {
    const [unit, name] = UNITS.find(([u]) => abs >= u)!;
    return `${sign}${fraction(abs, unit)}${name}`;
  }
  const hours = abs / 3_600_000_000_000n;
  const minutes = (abs / 60_000_000_000n) % 60n;
  const seconds = fraction(abs % 60_000_000_000n, 1_000_000_000n);
  if (hours > 0n) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0n) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

/** `value / unit` printed with the fraction's trailing zeros trimmed. */
function fraction(value: bigint, unit: bigint): string {
  const whole = value / unit;
  const rest = value % unit;
  if (rest === 0n) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}
