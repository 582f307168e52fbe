import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { jsonPatch, MAX_JSON_PATCH_OPERATIONS, parsePointer } from './json-patch.js';
import { REJECTED_MESSAGE } from './patch-errors.js';

/** Runs `fn` and returns the ApiError it throws (fails the test if it throws anything else). */
function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected an ApiError');
}

describe('jsonPatch applies RFC 6902 operations', () => {
  const cases: Array<{ name: string; doc: unknown; patch: unknown[]; want: unknown }> = [
    {
      name: 'add creates a new object member',
      doc: { foo: 'bar' },
      patch: [{ op: 'add', path: '/baz', value: 'qux' }],
      want: { foo: 'bar', baz: 'qux' },
    },
    {
      name: 'add over an existing member replaces it',
      doc: { foo: 'bar' },
      patch: [{ op: 'add', path: '/foo', value: 1 }],
      want: { foo: 1 },
    },
    {
      name: 'add at an array index inserts before that element',
      doc: { foo: ['bar', 'baz'] },
      patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
      want: { foo: ['bar', 'qux', 'baz'] },
    },
    {
      name: 'add at "-" appends to the array',
      doc: { foo: ['bar'] },
      patch: [{ op: 'add', path: '/foo/-', value: { a: 1 } }],
      want: { foo: ['bar', { a: 1 }] },
    },
    {
      name: 'add at the array length appends to the array',
      doc: { foo: ['bar'] },
      patch: [{ op: 'add', path: '/foo/1', value: 'baz' }],
      want: { foo: ['bar', 'baz'] },
    },
    {
      name: 'add with the empty path replaces the whole document',
      doc: { foo: 'bar' },
      patch: [{ op: 'add', path: '', value: { new: true } }],
      want: { new: true },
    },
    {
      name: 'add decodes ~1 as a slash in an annotation key',
      doc: { metadata: { annotations: {} } },
      patch: [{ op: 'add', path: '/metadata/annotations/example.com~1owner', value: 'me' }],
      want: { metadata: { annotations: { 'example.com/owner': 'me' } } },
    },
    {
      name: 'add decodes ~0 as a tilde and ~01 as a literal "~1"',
      doc: {},
      patch: [
        { op: 'add', path: '/a~0b', value: 1 },
        { op: 'add', path: '/c~01d', value: 2 },
      ],
      want: { 'a~b': 1, 'c~1d': 2 },
    },
    {
      name: 'add keeps a "__proto__" key as plain data',
      doc: {},
      patch: [{ op: 'add', path: '/__proto__', value: { polluted: true } }],
      want: JSON.parse('{"__proto__":{"polluted":true}}'),
    },
    {
      name: 'remove deletes an object member',
      doc: { baz: 'qux', foo: 'bar' },
      patch: [{ op: 'remove', path: '/baz' }],
      want: { foo: 'bar' },
    },
    {
      name: 'remove deletes an array element and shifts the rest',
      doc: { foo: ['bar', 'qux', 'baz'] },
      patch: [{ op: 'remove', path: '/foo/1' }],
      want: { foo: ['bar', 'baz'] },
    },
    {
      name: 'replace changes an existing member',
      doc: { spec: { replicas: 1 } },
      patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      want: { spec: { replicas: 3 } },
    },
    {
      name: 'replace changes an array element',
      doc: { args: ['a', 'b'] },
      patch: [{ op: 'replace', path: '/args/0', value: 'z' }],
      want: { args: ['z', 'b'] },
    },
    {
      name: 'move relocates a member',
      doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
      patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
      want: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    },
    {
      name: 'move reorders array elements',
      doc: { foo: ['all', 'grass', 'cows', 'eat'] },
      patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
      want: { foo: ['all', 'cows', 'eat', 'grass'] },
    },
    {
      name: 'move to the same location changes nothing',
      doc: { a: 1 },
      patch: [{ op: 'move', from: '/a', path: '/a' }],
      want: { a: 1 },
    },
    {
      name: 'copy duplicates a value',
      doc: { labels: { app: 'web' } },
      patch: [{ op: 'copy', from: '/labels', path: '/selector' }],
      want: { labels: { app: 'web' }, selector: { app: 'web' } },
    },
    {
      name: 'a passing test lets the following operations apply',
      doc: { metadata: { resourceVersion: '7' }, spec: { x: [1, { a: 1, b: 2 }] } },
      patch: [
        { op: 'test', path: '/metadata/resourceVersion', value: '7' },
        { op: 'test', path: '/spec/x', value: [1, { b: 2, a: 1 }] },
        { op: 'replace', path: '/spec/x', value: [] },
      ],
      want: { metadata: { resourceVersion: '7' }, spec: { x: [] } },
    },
    {
      name: 'operations apply in sequence, each seeing the previous result',
      doc: {},
      patch: [
        { op: 'add', path: '/a', value: { b: [] } },
        { op: 'add', path: '/a/b/-', value: 1 },
        { op: 'copy', from: '/a/b/0', path: '/c' },
      ],
      want: { a: { b: [1] }, c: 1 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const before = structuredClone(c.doc);
      expect(jsonPatch(c.doc, c.patch)).toStrictEqual(c.want);
      expect(c.doc).toStrictEqual(before);
    });
  }

  it('copy makes an independent value, not a shared reference', () => {
    const out = jsonPatch({ a: { n: 1 } }, [{ op: 'copy', from: '/a', path: '/b' }]) as Record<string, any>;
    out.b.n = 2;
    expect(out.a.n).toBe(1);
  });

  it('the result shares no structure with the patch body', () => {
    const value = { nested: { n: 1 } };
    const out = jsonPatch({}, [{ op: 'add', path: '/v', value }]) as Record<string, any>;
    out.v.nested.n = 2;
    expect(value.nested.n).toBe(1);
  });
});

describe('jsonPatch rejects a patch it cannot apply with 422 Invalid', () => {
  const cases: Array<{ name: string; doc: unknown; patch: unknown[]; cause: string }> = [
    {
      name: 'add under a missing parent',
      doc: { a: {} },
      patch: [{ op: 'add', path: '/missing/child', value: 1 }],
      cause: 'add operation does not apply: doc is missing path: "/missing/child": missing value',
    },
    {
      name: 'add past the end of an array',
      doc: { a: [1] },
      patch: [{ op: 'add', path: '/a/5', value: 1 }],
      cause: "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced",
    },
    {
      name: 'add at an index with a leading zero',
      doc: { a: [1, 2] },
      patch: [{ op: 'add', path: '/a/01', value: 1 }],
      cause: "value was not a proper array index: '01'",
    },
    {
      name: 'remove of a member that does not exist',
      doc: { a: 1 },
      patch: [{ op: 'remove', path: '/b' }],
      cause: "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value",
    },
    {
      name: 'remove of an index past the end',
      doc: { a: [1] },
      patch: [{ op: 'remove', path: '/a/1' }],
      cause: 'Unable to access invalid index: 1',
    },
    {
      name: 'remove of the whole document',
      doc: { a: 1 },
      patch: [{ op: 'remove', path: '' }],
      cause: 'cannot remove the whole document',
    },
    {
      name: 'replace of a member that does not exist',
      doc: { spec: {} },
      patch: [{ op: 'replace', path: '/spec/replicas', value: 3 }],
      cause: 'replace operation does not apply: doc is missing key: /spec/replicas: missing value',
    },
    {
      name: 'a test whose value differs',
      doc: { metadata: { resourceVersion: '8' } },
      patch: [{ op: 'test', path: '/metadata/resourceVersion', value: '7' }],
      cause: 'testing value /metadata/resourceVersion failed: test failed',
    },
    {
      name: 'a test of a missing path',
      doc: {},
      patch: [{ op: 'test', path: '/a', value: null }],
      cause: 'test operation does not apply: is missing path: /a: missing value',
    },
    {
      name: 'move from a missing path',
      doc: {},
      patch: [{ op: 'move', from: '/a', path: '/b' }],
      cause: 'move operation does not apply: doc is missing from path: /a: missing value',
    },
    {
      name: 'move of a value into one of its own children',
      doc: { a: { b: {} } },
      patch: [{ op: 'move', from: '/a', path: '/a/b/c' }],
      cause: 'is a prefix of',
    },
    {
      name: 'copy from a missing path',
      doc: {},
      patch: [{ op: 'copy', from: '/a', path: '/b' }],
      cause: 'copy operation does not apply: doc is missing from path: /a: missing value',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = apiError(() => jsonPatch(c.doc, c.patch));
      expect(err.code).toBe(422);
      expect(err.reason).toBe('Invalid');
      expect(err.message).toBe(REJECTED_MESSAGE);
      expect(err.details?.causes?.[0]?.message).toContain(c.cause);
    });
  }

  it('a failing operation leaves the input untouched, earlier operations included', () => {
    const doc = { a: 1, list: [1] };
    apiError(() =>
      jsonPatch(doc, [
        { op: 'replace', path: '/a', value: 2 },
        { op: 'add', path: '/list/-', value: 2 },
        { op: 'test', path: '/a', value: 1 },
      ]),
    );
    expect(doc).toStrictEqual({ a: 1, list: [1] });
  });
});

describe('jsonPatch rejects a malformed patch document with 400 BadRequest', () => {
  const cases: Array<{ name: string; patch: unknown }> = [
    { name: 'an object instead of an array of operations', patch: { op: 'add', path: '/a', value: 1 } },
    { name: 'an operation that is not an object', patch: ['add'] },
    { name: 'an unknown operation', patch: [{ op: 'merge', path: '/a', value: 1 }] },
    { name: 'an operation without "op"', patch: [{ path: '/a', value: 1 }] },
    { name: 'an operation without "path"', patch: [{ op: 'remove' }] },
    { name: 'an add without "value"', patch: [{ op: 'add', path: '/a' }] },
    { name: 'a move without "from"', patch: [{ op: 'move', path: '/a' }] },
    { name: 'a path without a leading slash', patch: [{ op: 'remove', path: 'a' }] },
    { name: 'a path with an invalid ~ escape', patch: [{ op: 'remove', path: '/a~2b' }] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const err = apiError(() => jsonPatch({ a: 1 }, c.patch));
      expect(err.code).toBe(400);
      expect(err.reason).toBe('BadRequest');
    });
  }

  it('more operations than kube-apiserver allows are refused with 413', () => {
    const patch = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
      op: 'test',
      path: '',
      value: {},
    }));
    const err = apiError(() => jsonPatch({}, patch));
    expect(err.code).toBe(413);
    expect(err.reason).toBe('RequestEntityTooLarge');
  });
});

describe('parsePointer', () => {
  it.each([
    ['', []],
    ['/', ['']],
    ['/a/b', ['a', 'b']],
    ['/m~0n', ['m~n']],
    ['/a~1b/0', ['a/b', '0']],
  ])('parses %j', (pointer, tokens) => {
    expect(parsePointer(pointer)).toStrictEqual(tokens);
  });
});
