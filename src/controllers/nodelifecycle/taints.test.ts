/** Table tests of toleration matching and NoExecute eviction timing. */
import type { Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { evictionFor, tolerates } from './taints.js';

const now = new Date('2024-05-01T12:00:00Z');
const unreachable = (added = '2024-05-01T11:59:00Z'): Taint => ({
  key: 'node.kubernetes.io/unreachable',
  effect: 'NoExecute',
  timeAdded: added,
});
const tol = (t: Partial<Toleration>): Toleration => ({ operator: 'Exists', effect: 'NoExecute', ...t });

describe('tolerates', () => {
  const taint: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
  const cases: Array<{ name: string; t: Toleration; want: boolean }> = [
    {
      name: 'Equal with the same key and value tolerates',
      t: { key: 'dedicated', operator: 'Equal', value: 'gpu' },
      want: true,
    },
    { name: 'the default operator is Equal', t: { key: 'dedicated', value: 'gpu' }, want: true },
    {
      name: 'Equal with another value does not',
      t: { key: 'dedicated', operator: 'Equal', value: 'cpu' },
      want: false,
    },
    {
      name: 'Exists on the key tolerates any value',
      t: { key: 'dedicated', operator: 'Exists' },
      want: true,
    },
    { name: 'an empty key with Exists tolerates everything', t: { operator: 'Exists' }, want: true },
    {
      name: 'another effect does not tolerate',
      t: { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' },
      want: false,
    },
    { name: 'another key does not tolerate', t: { key: 'zone', operator: 'Exists' }, want: false },
  ];
  for (const c of cases) it(c.name, () => expect(tolerates(c.t, taint)).toBe(c.want));
});

describe('evictionFor', () => {
  const cases: Array<{
    name: string;
    tolerations?: Toleration[];
    taints: Taint[];
    want: ReturnType<typeof evictionFor>;
  }> = [
    { name: 'a pod on an untainted node stays', taints: [], want: { at: 'never' } },
    {
      name: 'NoSchedule taints never evict',
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }],
      want: { at: 'never' },
    },
    {
      name: 'a pod without a matching toleration goes at once',
      taints: [unreachable()],
      want: { at: 'now' },
    },
    {
      name: 'a pod tolerating forever stays',
      tolerations: [tol({ key: 'node.kubernetes.io/unreachable' })],
      taints: [unreachable()],
      want: { at: 'never' },
    },
    {
      name: 'a pod tolerating for 300 s goes 300 s after the taint was added',
      tolerations: [tol({ key: 'node.kubernetes.io/unreachable', tolerationSeconds: 300 })],
      taints: [unreachable()],
      want: { at: 'later', time: new Date('2024-05-01T12:04:00Z') },
    },
    {
      name: 'a pod whose toleration has run out goes now',
      tolerations: [tol({ key: 'node.kubernetes.io/unreachable', tolerationSeconds: 30 })],
      taints: [unreachable()],
      want: { at: 'now' },
    },
    {
      name: 'a taint without timeAdded counts from now',
      tolerations: [tol({ key: 'node.kubernetes.io/unreachable', tolerationSeconds: 10 })],
      taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }],
      want: { at: 'later', time: new Date('2024-05-01T12:00:10Z') },
    },
    {
      name: 'the earliest deadline among several taints wins',
      tolerations: [
        tol({ key: 'node.kubernetes.io/unreachable', tolerationSeconds: 300 }),
        tol({ key: 'example.com/maintenance', tolerationSeconds: 120 }),
      ],
      taints: [
        unreachable(),
        { key: 'example.com/maintenance', effect: 'NoExecute', timeAdded: '2024-05-01T12:00:00Z' },
      ],
      want: { at: 'later', time: new Date('2024-05-01T12:02:00Z') },
    },
    {
      name: 'one untolerated taint among tolerated ones evicts at once',
      tolerations: [tol({ key: 'node.kubernetes.io/unreachable', tolerationSeconds: 300 })],
      taints: [unreachable(), { key: 'example.com/other', effect: 'NoExecute' }],
      want: { at: 'now' },
    },
  ];
  for (const c of cases) it(c.name, () => expect(evictionFor(c.tolerations, c.taints, now)).toEqual(c.want));
});
