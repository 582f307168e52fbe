import { describe, expect, it } from 'vitest';
import { daemonSetStrategy as s } from './daemonsets.js';
import { copy, create, messages, object, podTemplate, TEST_NOW, update } from './testkit.js';

function ds(spec: Record<string, unknown> = {}) {
  return object('apps/v1', 'DaemonSet', 'agent', {
    selector: { matchLabels: { app: 'agent' } },
    template: podTemplate({ app: 'agent' }),
    ...spec,
  });
}

describe('daemonsets', () => {
  it('defaults a RollingUpdate of one unavailable pod and no surge', () => {
    const { obj, errors } = create(s, ds());
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    });
    expect(obj.status).toEqual({
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    });
  });

  const cases = [
    {
      name: 'surge and unavailability may not both be set',
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } } },
      want: 'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    },
    {
      name: 'surge and unavailability may not both be zero',
      spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 0 } } },
      want: 'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
    },
    {
      name: 'an unknown update strategy is not supported',
      spec: { updateStrategy: { type: 'Rolling' } },
      want: 'spec.updateStrategy.type: Unsupported value: "Rolling": supported values: "RollingUpdate", "OnDelete"',
    },
    {
      name: 'an empty selector is invalid',
      spec: { selector: { matchLabels: {} } },
      want: 'spec.selector: Invalid value: {"matchLabels":{}}: empty selector is invalid for daemonset',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(messages(create(s, ds(c.spec)).errors)).toContain(c.want);
    });
  }

  it('accepts OnDelete without rollingUpdate', () => {
    expect(create(s, ds({ updateStrategy: { type: 'OnDelete' } })).errors).toEqual([]);
  });

  it('forbids changing the selector', () => {
    const old = create(s, ds()).obj;
    const next = copy(old);
    (next.spec as Record<string, unknown>).selector = { matchLabels: { app: 'agent', v: '2' } };
    (next.spec as Record<string, unknown>).template = podTemplate({ app: 'agent', v: '2' });
    expect(messages(update(s, next, old))).toEqual([
      'spec.selector: Invalid value: {"matchLabels":{"app":"agent","v":"2"}}: field is immutable',
    ]);
  });

  it('renders the node selector column', () => {
    const tpl = podTemplate({ app: 'agent' }) as { spec: Record<string, unknown> };
    tpl.spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
    const { obj } = create(s, ds({ template: tpl }));
    obj.status = {
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 2,
      updatedNumberScheduled: 3,
      numberAvailable: 2,
    };
    expect(s.row?.(obj, TEST_NOW)).toEqual([
      'agent',
      3,
      3,
      2,
      3,
      2,
      'kubernetes.io/os=linux',
      '60m',
      'web',
      'nginx:1.27',
      'app=agent',
    ]);
  });
});
