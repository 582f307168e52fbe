import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { deploymentStrategy as s } from './deployments.js';
import { copy, create, messages, object, podTemplate, TEST_NOW, update } from './testkit.js';

function deployment(spec: Record<string, unknown> = {}): KObject {
  return object('apps/v1', 'Deployment', 'web', {
    selector: { matchLabels: { app: 'web' } },
    template: podTemplate({ app: 'web' }),
    ...spec,
  });
}

describe('deployments', () => {
  it('fills Kubernetes defaults and clears status on create', () => {
    const { obj, errors } = create(s, { ...deployment(), status: { replicas: 9 } });
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template: { spec: { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' } },
    });
    expect(obj.status).toEqual({});
  });

  it('leaves rollingUpdate out for the Recreate strategy', () => {
    const { obj, errors } = create(s, deployment({ strategy: { type: 'Recreate' } }));
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({ strategy: { type: 'Recreate' } });
    expect((obj.spec as { strategy: object }).strategy).not.toHaveProperty('rollingUpdate');
  });

  const invalid: Array<{ name: string; spec: Record<string, unknown>; want: string }> = [
    {
      name: 'a missing selector is required',
      spec: { selector: undefined },
      want: 'spec.selector: Required value',
    },
    {
      name: 'an empty selector is invalid',
      spec: { selector: {} },
      want: 'spec.selector: Invalid value: {}: empty selector is invalid for deployment',
    },
    {
      name: 'template labels must match the selector',
      spec: { template: podTemplate({ app: 'other' }) },
      want: 'spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    },
    {
      name: 'negative replicas are invalid',
      spec: { replicas: -1 },
      want: 'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    },
    {
      name: 'pods of a deployment must restart Always',
      spec: { template: podTemplate({ app: 'web' }, 'Never') },
      want: 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    },
    {
      name: 'an unknown strategy type is not supported',
      spec: { strategy: { type: 'BlueGreen' } },
      want: 'spec.strategy.type: Unsupported value: "BlueGreen": supported values: "Recreate", "RollingUpdate"',
    },
    {
      name: 'Recreate forbids rollingUpdate',
      spec: { strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } },
      want: "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    },
    {
      name: 'maxSurge and maxUnavailable may not both be zero',
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '0%' } } },
      want: 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0',
    },
    {
      name: 'maxUnavailable above 100% is invalid',
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%' } } },
      want: 'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    },
    {
      name: 'a malformed percentage is invalid',
      spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 'half' } } },
      want: "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    },
    {
      name: 'the progress deadline must exceed minReadySeconds',
      spec: { minReadySeconds: 700 },
      want: 'spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, deployment(c.spec)).errors)).toContain(c.want);
    });
  }

  it('reports a changed selector as immutable on update', () => {
    const old = create(s, deployment()).obj;
    const next = copy(old);
    next.spec = {
      ...(next.spec as object),
      selector: { matchLabels: { app: 'web', tier: 'fe' } },
      template: podTemplate({ app: 'web', tier: 'fe' }),
    };
    expect(messages(update(s, next, old))).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"fe"}}: field is immutable',
    ]);
  });

  it('accepts an update that only scales', () => {
    const old = create(s, deployment()).obj;
    const next = copy(old);
    (next.spec as { replicas: number }).replicas = 5;
    expect(update(s, next, old)).toEqual([]);
  });

  it('maps the scale subresource onto replicas and the selector', () => {
    const { obj } = create(s, deployment({ replicas: 3 }));
    obj.status = { replicas: 2 };
    expect(s.scale?.specReplicas(obj)).toBe(3);
    expect(s.scale?.statusReplicas(obj)).toBe(2);
    expect(s.scale?.selector(obj)).toBe('app=web');
    s.scale?.setSpecReplicas(obj, 7);
    expect((obj.spec as { replicas: number }).replicas).toBe(7);
  });

  it('renders the row kubectl shows', () => {
    const { obj } = create(s, deployment({ replicas: 3 }));
    obj.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    expect(s.columns?.map((c) => c.name)).toEqual([
      'Name',
      'Ready',
      'Up-to-date',
      'Available',
      'Age',
      'Containers',
      'Images',
      'Selector',
    ]);
    expect(s.row?.(obj, TEST_NOW)).toEqual(['web', '2/3', 3, 2, '60m', 'web', 'nginx:1.27', 'app=web']);
  });
});
