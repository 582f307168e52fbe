import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { applyPatch, PATCH_CONTENT_TYPES, type PatchType } from './index.js';
import { mergeList, metaFrom } from './test-meta.js';

const configMap = () => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', finalizers: ['a'] },
  data: { k1: 'v1', k2: 'v2' },
});
const meta = metaFrom({ metadata: { finalizers: mergeList() }, data: { $values: {} } });

function thrown(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('applyPatch dispatches on the patch type', () => {
  const cases: Array<{ name: string; type: PatchType; body: unknown; want: (o: any) => void }> = [
    {
      name: 'json patch runs RFC 6902 operations',
      type: 'json',
      body: [{ op: 'remove', path: '/data/k1' }],
      want: (o) => expect(o.data).toStrictEqual({ k2: 'v2' }),
    },
    {
      name: 'merge patch replaces lists, as RFC 7386 does',
      type: 'merge',
      body: { metadata: { finalizers: ['b'] }, data: { k2: null } },
      want: (o) => {
        expect(o.metadata.finalizers).toStrictEqual(['b']);
        expect(o.data).toStrictEqual({ k1: 'v1' });
      },
    },
    {
      name: 'strategic merge patch merges lists the schema marks as merge',
      type: 'strategic',
      body: { metadata: { finalizers: ['b'] }, data: { k2: null } },
      want: (o) => {
        expect(o.metadata.finalizers).toStrictEqual(['b', 'a']);
        expect(o.data).toStrictEqual({ k1: 'v1' });
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const original = configMap();
      const out = applyPatch(original, c.type, c.body, meta);
      c.want(out);
      expect(out).not.toBe(original);
      expect(original).toStrictEqual(configMap());
    });
  }

  it('strategic merge patch without metadata (a custom resource) is refused with 415', () => {
    const err = thrown(() => applyPatch(configMap(), 'strategic', { data: {} }));
    expect(err.code).toBe(415);
    expect(err.reason).toBe('UnsupportedMediaType');
    expect(err.message).toContain('application/merge-patch+json');
  });

  it.each([
    ['merge', [1]],
    ['merge', 'str'],
    ['strategic', null],
    ['json', {}],
  ] as Array<[PatchType, unknown]>)('a %s patch body of %j is a 400 BadRequest', (type, body) => {
    const err = thrown(() => applyPatch(configMap(), type, body, meta));
    expect(err.code).toBe(400);
    expect(err.reason).toBe('BadRequest');
  });

  it('an unknown patch type is a 400 BadRequest', () => {
    expect(thrown(() => applyPatch({}, 'apply' as PatchType, {})).code).toBe(400);
  });

  it('maps each PATCH content type kubectl sends to its patch type', () => {
    expect(PATCH_CONTENT_TYPES).toStrictEqual({
      'application/json-patch+json': 'json',
      'application/merge-patch+json': 'merge',
      'application/strategic-merge-patch+json': 'strategic',
    });
  });
});
