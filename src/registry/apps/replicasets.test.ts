import { describe, expect, it } from 'vitest';
import { replicaSetStrategy as s } from './replicasets.js';
import { copy, create, messages, object, podTemplate, TEST_NOW, update } from './testkit.js';

const rs = () =>
  object('apps/v1', 'ReplicaSet', 'web-5d8f', {
    selector: { matchLabels: { app: 'web' } },
    template: podTemplate({ app: 'web' }),
  });

describe('replicasets', () => {
  it('defaults replicas to 1 and starts with replicas 0 in status', () => {
    const { obj, errors } = create(s, rs());
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({ replicas: 1 });
    expect(obj.status).toEqual({ replicas: 0 });
  });

  it('reports template labels the selector does not match', () => {
    const bad = rs();
    bad.spec = { ...(bad.spec as object), template: podTemplate({ app: 'api' }) };
    expect(messages(create(s, bad).errors)).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`',
    ]);
  });

  it('forbids changing the selector', () => {
    const old = create(s, rs()).obj;
    const next = copy(old);
    (next.spec as Record<string, unknown>).selector = { matchLabels: { app: 'web' }, matchExpressions: [] };
    expect(update(s, next, old)).toEqual([]);
    (next.spec as Record<string, unknown>).selector = {
      matchExpressions: [{ key: 'app', operator: 'Exists' }],
    };
    expect(messages(update(s, next, old))[0]).toMatch(
      /^spec\.selector: Invalid value: .*: field is immutable$/,
    );
  });

  it('renders DESIRED CURRENT READY and the wide cells', () => {
    const { obj } = create(s, rs());
    obj.status = { replicas: 1, readyReplicas: 0 };
    expect(s.row?.(obj, TEST_NOW)).toEqual(['web-5d8f', 1, 1, 0, '60m', 'web', 'nginx:1.27', 'app=web']);
    expect(s.fieldSelectors?.['status.replicas'](obj)).toBe('1');
  });
});
