/** The well-known types whose JSON is a scalar: times, durations, quantities, int-or-string, raw JSON. */
import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode.js';
import { goDuration } from './special.js';
import { encodeMessage, parseGoDuration, Writer } from './test-encoder.js';

const noNested = () => {
  throw new Error('unexpected nested object');
};
const decode = (bytes: Uint8Array, name: string) => decodeMessage(bytes, name, noNested);

describe('goDuration prints like Go time.Duration.String', () => {
  const cases: [bigint, string][] = [
    [0n, '0s'],
    [1n, '1ns'],
    [1_500n, '1.5µs'],
    [300_000_000n, '300ms'],
    [1_500_000_000n, '1.5s'],
    [90_000_000_000n, '1m30s'],
    [3_600_000_000_000n, '1h0m0s'],
    [3_723_000_000_001n, '1h2m3.000000001s'],
    [-2_000_000n, '-2ms'],
    [9_223_372_036_854_775_807n, '2562047h47m16.854775807s'],
  ];
  it.each(cases)('prints %s ns as %s', (ns, text) => {
    expect(goDuration(ns)).toBe(text);
    expect(decode(new Writer().tag(1, 0).varint(ns).finish(), 'meta.v1.Duration')).toBe(text);
    expect(parseGoDuration(text)).toBe(ns);
  });
});

describe('special types', () => {
  const cases: [string, string, Uint8Array, unknown][] = [
    ['an empty Time as null', 'meta.v1.Time', new Uint8Array(0), null],
    [
      'a Time to whole seconds, dropping nanos',
      'meta.v1.Time',
      new Writer().tag(1, 0).varint(1767323045).tag(2, 0).varint(999).finish(),
      '2026-01-02T03:04:05Z',
    ],
    [
      'a Time at the epoch (present but zero)',
      'meta.v1.Time',
      new Writer().tag(1, 0).varint(0).finish(),
      '1970-01-01T00:00:00Z',
    ],
    [
      'a MicroTime truncated to microseconds',
      'meta.v1.MicroTime',
      new Writer().tag(1, 0).varint(1767323045).tag(2, 0).varint(123456789).finish(),
      '2026-01-02T03:04:05.123456Z',
    ],
    ['a Quantity', 'resource.Quantity', new Writer().string(1, '500m').finish(), '500m'],
    ['an empty Quantity as 0', 'resource.Quantity', new Uint8Array(0), '0'],
    ['an IntOrString holding an int', 'intstr.IntOrString', encodeMessage(8080, 'intstr.IntOrString'), 8080],
    [
      'an IntOrString holding a string',
      'intstr.IntOrString',
      encodeMessage('http', 'intstr.IntOrString'),
      'http',
    ],
    ['an empty IntOrString as 0', 'intstr.IntOrString', new Uint8Array(0), 0],
    [
      'a RawExtension holding JSON',
      'runtime.RawExtension',
      new Writer().bytes(1, Buffer.from('{"a":[1,2]}')).finish(),
      { a: [1, 2] },
    ],
    ['an empty RawExtension as null', 'runtime.RawExtension', new Uint8Array(0), null],
    [
      'FieldsV1',
      'meta.v1.FieldsV1',
      new Writer().bytes(1, Buffer.from('{"f:metadata":{}}')).finish(),
      { 'f:metadata': {} },
    ],
    [
      'UserInfo extra values as plain lists',
      'authentication.v1.UserInfo',
      encodeMessage({ username: 'u', extra: { scopes: ['a', 'b'] } }, 'authentication.v1.UserInfo'),
      { username: 'u', extra: { scopes: ['a', 'b'] } },
    ],
  ];
  it.each(cases)('decodes %s', (_name, message, bytes, expected) => {
    expect(decode(bytes, message)).toEqual(expected);
  });

  it('hands a RawExtension holding Kubernetes protobuf to the nested decoder', () => {
    const inner = Buffer.from('k8s\0rest');
    const raw = new Writer().bytes(1, inner).finish();
    expect(decodeMessage(raw, 'runtime.RawExtension', (b) => ({ length: b.length }))).toEqual({ length: 8 });
  });

  it('rejects a RawExtension that is neither JSON nor protobuf', () => {
    expect(() =>
      decode(new Writer().bytes(1, Buffer.from('{nope')).finish(), 'runtime.RawExtension'),
    ).toThrow(/neither JSON/);
  });
});
