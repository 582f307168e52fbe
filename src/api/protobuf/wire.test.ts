/** The wire reader against hand-assembled bytes, including the edge cases of 64-bit varints. */
import { describe, expect, it } from 'vitest';
import { Writer } from './test-encoder.js';
import { Reader, WireError } from './wire.js';

const reader = (bytes: number[] | Uint8Array) => new Reader(Uint8Array.from(bytes));

describe('Reader varints', () => {
  const cases: [string, number | bigint, 'int32' | 'int64' | 'uint32' | 'uint64', number][] = [
    ['zero', 0, 'int32', 0],
    ['one byte', 127, 'int32', 127],
    ['two bytes', 300, 'int32', 300],
    ['the largest int32', 2 ** 31 - 1, 'int32', 2 ** 31 - 1],
    ['a negative int32, sign-extended to 10 bytes', -5, 'int32', -5],
    ['the smallest int32', -(2 ** 31), 'int32', -(2 ** 31)],
    ['a negative int64', -62135596800, 'int64', -62135596800],
    ['an int64 past 32 bits', 2 ** 40 + 7, 'int64', 2 ** 40 + 7],
    ['the largest safe integer', Number.MAX_SAFE_INTEGER, 'int64', Number.MAX_SAFE_INTEGER],
    ['a uint32 with the top bit set', 2 ** 32 - 1, 'uint32', 2 ** 32 - 1],
    ['a uint64 past 32 bits', 2 ** 45, 'uint64', 2 ** 45],
  ];
  it.each(cases)('reads %s', (_name, value, method, expected) => {
    const r = new Reader(new Writer().varint(value).finish());
    expect(r[method]()).toBe(expected);
    expect(r.done()).toBe(true);
  });

  it('reads int64 exactly as a bigint beyond 2^53', () => {
    const big = 9_223_372_036_854_775_807n;
    expect(new Reader(new Writer().varint(big).finish()).int64Big()).toBe(big);
    expect(new Reader(new Writer().varint(-big).finish()).int64Big()).toBe(-big);
  });

  it('treats any non-zero varint as true', () => {
    expect(reader([0x80, 0x01]).bool()).toBe(true);
    expect(reader([0x00]).bool()).toBe(false);
  });

  it('rejects a varint that never ends', () => {
    expect(() => reader([0xff, 0xff]).varint()).toThrow(WireError);
    expect(() => reader([...Array(10).fill(0xff), 0x01]).varint()).toThrow(/longer than 10 bytes/);
  });
});

describe('Reader fields', () => {
  it('reads tags and length-delimited payloads as views', () => {
    const r = new Reader(new Writer().string(3, 'hi').finish());
    expect(r.tag()).toEqual({ field: 3, wire: 2 });
    expect(Buffer.from(r.bytes()).toString()).toBe('hi');
  });

  it('reads little-endian doubles and floats', () => {
    const d = Buffer.alloc(8);
    d.writeDoubleLE(1.25);
    const f = Buffer.alloc(4);
    f.writeFloatLE(-2.5);
    expect(new Reader(d).double()).toBe(1.25);
    expect(new Reader(f).float()).toBe(-2.5);
  });

  it('skips every supported wire type and stops at its end', () => {
    const r = reader([0x96, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 9, 9, 1, 2, 3, 4]);
    r.skip(0);
    r.skip(1);
    r.skip(2);
    r.skip(5);
    expect(r.done()).toBe(true);
  });

  it('refuses group wire types, lengths past the end and reads past a sub-range', () => {
    expect(() => reader([]).skip(3)).toThrow(/wire type 3/);
    expect(() => reader([0x05, 1, 2]).bytes()).toThrow(/end of input/);
    expect(() => new Reader(Uint8Array.of(1, 2, 3, 4), 0, 2).skip(5)).toThrow(/end of input/);
  });
});
