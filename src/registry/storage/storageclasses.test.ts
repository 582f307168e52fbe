import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { copy, create, messages, TEST_NOW, update } from '../apps/testkit.js';
import { storageClassStrategy as s } from './storageclasses.js';

const sc = (extra: Record<string, unknown> = {}, annotations: Record<string, string> = {}): KObject => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name: 'local-path', annotations },
  provisioner: 'rancher.io/local-path',
  ...extra,
});

describe('storageclasses', () => {
  it('defaults reclaimPolicy and volumeBindingMode', () => {
    const { obj, errors } = create(s, sc());
    expect(errors).toEqual([]);
    expect(obj).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
  });

  const invalid = [
    { name: 'a provisioner is required', obj: sc({ provisioner: '' }), want: 'provisioner: Required value' },
    {
      name: 'Recycle is not a StorageClass reclaim policy',
      obj: sc({ reclaimPolicy: 'Recycle' }),
      want: 'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"',
    },
    {
      name: 'an unknown binding mode is not supported',
      obj: sc({ volumeBindingMode: 'Later' }),
      want: 'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, c.obj).errors)).toEqual([c.want]);
    });
  }

  it('forbids changing provisioner, parameters, reclaimPolicy and binding mode', () => {
    const old = create(s, sc({ parameters: { type: 'ssd' } })).obj;
    const next = copy(old);
    Object.assign(next, {
      provisioner: 'other.io/x',
      parameters: { type: 'hdd' },
      reclaimPolicy: 'Retain',
      volumeBindingMode: 'WaitForFirstConsumer',
    });
    expect(messages(update(s, next, old))).toEqual([
      'parameters: Forbidden: updates to parameters are forbidden.',
      'provisioner: Forbidden: updates to provisioner are forbidden.',
      'reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.',
      'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable',
    ]);
    const expandable = copy(old);
    expandable.allowVolumeExpansion = true;
    expect(update(s, expandable, old)).toEqual([]);
  });

  it('marks the default class in the NAME cell', () => {
    const { obj } = create(
      s,
      sc(
        { volumeBindingMode: 'WaitForFirstConsumer' },
        { 'storageclass.kubernetes.io/is-default-class': 'true' },
      ),
    );
    expect(s.row?.(obj, TEST_NOW)).toEqual([
      'local-path (default)',
      'rancher.io/local-path',
      'Delete',
      'WaitForFirstConsumer',
      false,
      '60m',
    ]);
  });
});
