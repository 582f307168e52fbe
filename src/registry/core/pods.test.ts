import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { clone } from '../common/meta.js';
import { podsStrategy as strategy } from './pods.js';
import { contextWith } from './testing.js';

function pod(resources?: Record<string, unknown>): KObject {
  return {
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources }] },
  };
}

function created(obj: KObject): KObject {
  strategy.defaults!(obj);
  strategy.prepareForCreate!(obj, contextWith());
  return obj;
}

describe('pod create', () => {
  it('starts Pending with a QoS class and the admission defaults', () => {
    const p = created(pod({ limits: { cpu: '1', memory: '1Gi' } })) as unknown as Pod;
    expect(p.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
    expect(p.spec?.serviceAccountName).toBe('default');
    expect(p.spec?.priority).toBe(0);
    expect(p.spec?.containers[0].resources?.requests).toEqual({ cpu: '1', memory: '1Gi' });
    expect(p.spec?.tolerations?.map((t) => t.key)).toEqual([
      'node.kubernetes.io/not-ready',
      'node.kubernetes.io/unreachable',
    ]);
  });

  it('is valid after defaulting', () => {
    expect(strategy.validate!(created(pod()), contextWith())).toEqual([]);
  });
});

describe('pod update', () => {
  const base = created(pod());
  const cases: Array<{ name: string; change: (p: any) => void; fields: string[] }> = [
    {
      name: 'changing an image is allowed',
      change: (p) => (p.spec.containers[0].image = 'nginx:1.28'),
      fields: [],
    },
    {
      name: 'adding a toleration is allowed',
      change: (p) => p.spec.tolerations.push({ key: 'k', operator: 'Exists' }),
      fields: [],
    },
    {
      name: 'setting activeDeadlineSeconds is allowed',
      change: (p) => (p.spec.activeDeadlineSeconds = 60),
      fields: [],
    },
    {
      name: 'changing the restart policy is forbidden',
      change: (p) => (p.spec.restartPolicy = 'Never'),
      fields: ['spec'],
    },
    {
      name: 'adding a container is forbidden',
      change: (p) => p.spec.containers.push({ name: 'b', image: 'x' }),
      fields: ['spec'],
    },
    { name: 'removing a toleration is forbidden', change: (p) => p.spec.tolerations.pop(), fields: ['spec'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const next = clone(base);
      c.change(next);
      expect(strategy.validateUpdate!(next, base, contextWith()).map((e) => e.field)).toEqual(c.fields);
    });
  }
});

describe('pod field selectors and row', () => {
  it('extracts node name and phase', () => {
    const p = created(pod());
    (p.spec as any).nodeName = 'n1';
    expect(strategy.fieldSelectors!['spec.nodeName'](p)).toBe('n1');
    expect(strategy.fieldSelectors!['status.phase'](p)).toBe('Pending');
    expect(strategy.fieldSelectors!['spec.hostNetwork'](p)).toBe('false');
  });

  it('prints the wide row with <none> placeholders', () => {
    const p = created(pod());
    p.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
    expect(strategy.row!(p, new Date('2024-01-01T00:00:10Z'))).toEqual([
      'p',
      '0/1',
      'Pending',
      '0',
      '10s',
      '<none>',
      '<none>',
      '<none>',
      '<none>',
    ]);
  });
});
