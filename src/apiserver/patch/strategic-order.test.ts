import { describe, expect, it } from 'vitest';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { mergeList, metaFrom } from './test-meta.js';

type Obj = Record<string, any>;

describe('strategicMergePatch orders merged lists like apimachinery', () => {
  const listMeta = metaFrom({ items: mergeList('name'), ints: mergeList() });
  const cases: Array<{ name: string; original: Obj; patch: Obj; want: Obj }> = [
    {
      name: 'patched items take the patch order and server-only items keep their place',
      original: { items: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] },
      patch: {
        items: [
          { name: '3', value: 'c' },
          { name: '1', value: 'a' },
        ],
      },
      want: {
        items: [
          { name: '2', value: 'b' },
          { name: '3', value: 'c' },
          { name: '1', value: 'a' },
        ],
      },
    },
    {
      name: 'a primitive list takes the patch order for the items it names',
      original: { ints: [1, 2, 3] },
      patch: { ints: [3, 1] },
      want: { ints: [2, 3, 1] },
    },
    {
      name: '$setElementOrder may name items the list does not hold',
      original: { items: [{ name: '1' }, { name: '3' }] },
      patch: {
        '$setElementOrder/items': [{ name: '3' }, { name: '2' }, { name: '1' }],
        items: [
          { name: '3', value: '3' },
          { name: '1', value: '1' },
        ],
      },
      want: {
        items: [
          { name: '3', value: '3' },
          { name: '1', value: '1' },
        ],
      },
    },
    {
      name: '$patch: delete removes every element carrying that key',
      original: { items: [{ name: '1' }, { name: '1' }, { name: '2', value: 'a' }] },
      patch: { items: [{ name: '1', $patch: 'delete' }] },
      want: { items: [{ name: '2', value: 'a' }] },
    },
    {
      name: '$setElementOrder naming maps of a list without a merge key is ignored',
      original: { unknown: [{ name: '1' }, { name: '2' }] },
      patch: { '$setElementOrder/unknown': [{ name: '2' }, { name: '1' }], unknown: [{ name: '1' }] },
      want: { unknown: [{ name: '1' }] },
    },
    {
      name: 'a top-level $patch: replace swaps the whole object',
      original: { items: [{ name: '1' }], other: 1 },
      patch: { $patch: 'replace', other: 2 },
      want: { other: 2 },
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(strategicMergePatch(c.original, c.patch, listMeta)).toStrictEqual(c.want));
  }
});
