import { describe, expect, it } from 'vitest';
import { mergePatch } from './merge-patch.js';

describe('mergePatch follows RFC 7386', () => {
  // The test vectors of RFC 7386 Appendix A, one row each.
  const rfcVectors: Array<[target: unknown, patch: unknown, want: unknown]> = [
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ];
  rfcVectors.forEach(([target, patch, want], i) => {
    it(`RFC 7386 appendix A vector ${i + 1}: ${JSON.stringify(target)} + ${JSON.stringify(patch)}`, () => {
      expect(mergePatch(target, patch)).toStrictEqual(want);
    });
  });

  it('the RFC section 3 example updates, deletes and replaces in one patch', () => {
    const target = {
      title: 'Goodbye!',
      author: { givenName: 'John', familyName: 'Doe' },
      tags: ['example', 'sample'],
      content: 'This will be unchanged',
    };
    const patch = {
      title: 'Hello!',
      phoneNumber: '+01-123-456-7890',
      author: { familyName: null },
      tags: ['example'],
    };
    expect(mergePatch(target, patch)).toStrictEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
  });

  it('kubectl label-style patch adds a label and removes another', () => {
    const obj = { metadata: { name: 'web', labels: { app: 'web', tier: 'old' } } };
    const out = mergePatch(obj, { metadata: { labels: { tier: null, env: 'prod' } } });
    expect(out).toStrictEqual({ metadata: { name: 'web', labels: { app: 'web', env: 'prod' } } });
  });

  it('never mutates the target or the patch, and the result shares nothing with either', () => {
    const target = { spec: { a: { n: 1 } } };
    const patch = { spec: { b: { n: 2 } } };
    const out = mergePatch(target, patch) as any;
    out.spec.a.n = 10;
    out.spec.b.n = 20;
    expect(target).toStrictEqual({ spec: { a: { n: 1 } } });
    expect(patch).toStrictEqual({ spec: { b: { n: 2 } } });
  });

  it('a "__proto__" key is merged as plain data', () => {
    const out = mergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as object;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});
