import { describe, expect, it } from 'vitest';
import { statefulSetStrategy as s } from './statefulsets.js';
import { copy, create, messages, object, podTemplate, TEST_NOW, update } from './testkit.js';

function sts(spec: Record<string, unknown> = {}) {
  return object('apps/v1', 'StatefulSet', 'db', {
    serviceName: 'db',
    selector: { matchLabels: { app: 'db' } },
    template: podTemplate({ app: 'db' }),
    volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }],
    ...spec,
  });
}

describe('statefulsets', () => {
  it('fills Kubernetes defaults', () => {
    const { obj, errors } = create(s, sts());
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 10,
      volumeClaimTemplates: [{ spec: { volumeMode: 'Filesystem' } }],
    });
    expect(obj.status).toEqual({ replicas: 0, availableReplicas: 0 });
  });

  const cases = [
    {
      name: 'an unknown pod management policy is invalid',
      spec: { podManagementPolicy: 'Random' },
      want: `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`,
    },
    {
      name: 'a negative partition is invalid',
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } },
      want: 'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0',
    },
    {
      name: 'OnDelete forbids rollingUpdate',
      spec: { updateStrategy: { type: 'OnDelete', rollingUpdate: {} } },
      want: `spec.updateStrategy.rollingUpdate: Invalid value: {}: only allowed for updateStrategy 'RollingUpdate'`,
    },
    {
      name: 'an unknown retention policy is not supported',
      spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } },
      want: 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(messages(create(s, sts(c.spec)).errors)).toContain(c.want);
    });
  }

  it('allows replicas, template and updateStrategy to change', () => {
    const old = create(s, sts()).obj;
    const next = copy(old);
    Object.assign(next.spec as object, {
      replicas: 3,
      template: podTemplate({ app: 'db', rev: '2' }),
      updateStrategy: { type: 'OnDelete' },
      minReadySeconds: 5,
    });
    expect(update(s, next, old)).toEqual([]);
  });

  it('forbids changing any other field', () => {
    const old = create(s, sts()).obj;
    const next = copy(old);
    (next.spec as Record<string, unknown>).serviceName = 'db-headless';
    expect(messages(update(s, next, old))).toEqual([
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    ]);
  });

  it('renders READY as ready/desired', () => {
    const { obj } = create(s, sts({ replicas: 3 }));
    obj.status = { replicas: 3, readyReplicas: 1 };
    expect(s.row?.(obj, TEST_NOW)).toEqual(['db', '1/3', '60m', 'web', 'nginx:1.27']);
    expect(s.scale?.statusReplicas(obj)).toBe(3);
  });
});
