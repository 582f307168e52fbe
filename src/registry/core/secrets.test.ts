import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { secretsStrategy as strategy } from './secrets.js';
import { contextWith } from './testing.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(fields: Record<string, unknown>, annotations?: Record<string, string>): KObject {
  return { metadata: { name: 's', namespace: 'default', annotations }, ...fields };
}

function prepare(obj: KObject): KObject {
  strategy.defaults!(obj);
  strategy.prepareForCreate!(obj, contextWith());
  return obj;
}

describe('secret stringData', () => {
  it('is merged into data as base64 and removed on create', () => {
    const s = prepare(secret({ data: { a: b64('x') }, stringData: { b: 'hello' } }));
    expect(s.data).toEqual({ a: b64('x'), b: b64('hello') });
    expect(s.stringData).toBeUndefined();
    expect(s.type).toBe('Opaque');
  });

  it('wins over data for the same key, also on update', () => {
    const old = prepare(secret({ data: { a: b64('old') } }));
    const next = secret({ data: { a: b64('old') }, stringData: { a: 'new' }, type: 'Opaque' });
    strategy.prepareForUpdate!(next, old, contextWith());
    expect(next.data).toEqual({ a: b64('new') });
  });
});

describe('secret validation', () => {
  const cases: Array<{ name: string; obj: KObject; errors: Array<[string, string]> }> = [
    {
      name: 'an Opaque secret with valid keys is valid',
      obj: secret({ data: { 'a.key_1': b64('v') } }),
      errors: [],
    },
    {
      name: 'data keys must be config keys',
      obj: secret({ data: { 'a/b': b64('v') } }),
      errors: [['data[a/b]', 'FieldValueInvalid']],
    },
    {
      name: 'data values must be base64',
      obj: secret({ data: { a: 'not base64!' } }),
      errors: [['data[a]', 'FieldValueInvalid']],
    },
    {
      name: 'a dockerconfigjson secret needs .dockerconfigjson',
      obj: secret({ type: 'kubernetes.io/dockerconfigjson', data: {} }),
      errors: [['data[.dockerconfigjson]', 'FieldValueRequired']],
    },
    {
      name: 'a dockerconfigjson secret must hold JSON',
      obj: secret({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{nope') } }),
      errors: [['data[.dockerconfigjson]', 'FieldValueInvalid']],
    },
    {
      name: 'a TLS secret needs a certificate and a key',
      obj: secret({ type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } }),
      errors: [['data[tls.key]', 'FieldValueRequired']],
    },
    {
      name: 'a service-account token secret needs the account annotation',
      obj: secret({ type: 'kubernetes.io/service-account-token', data: {} }),
      errors: [['metadata.annotations[kubernetes.io/service-account.name]', 'FieldValueRequired']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const obj = prepare(c.obj);
      expect(strategy.validate!(obj, contextWith()).map((e) => [e.field, e.type])).toEqual(c.errors);
    });
  }

  it('refuses to change the type', () => {
    const old = prepare(secret({ data: {} }));
    const next = prepare(secret({ type: 'kubernetes.io/tls', data: {} }));
    expect(strategy.validateUpdate!(next, old, contextWith())).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'type',
        message: 'Invalid value: "kubernetes.io/tls": field is immutable',
      },
    ]);
  });

  it('refuses data changes once immutable is set', () => {
    const old = prepare(secret({ immutable: true, data: { a: b64('1') } }));
    const next = prepare(secret({ immutable: true, data: { a: b64('2') } }));
    expect(strategy.validateUpdate!(next, old, contextWith()).map((e) => [e.field, e.type])).toEqual([
      ['data', 'FieldValueForbidden'],
    ]);
  });

  it('prints NAME TYPE DATA AGE', () => {
    const s = prepare(secret({ data: { a: b64('1'), b: b64('2') } }));
    s.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
    expect(strategy.row!(s, new Date('2024-01-01T00:00:30Z'))).toEqual(['s', 'Opaque', 2, '30s']);
  });
});
