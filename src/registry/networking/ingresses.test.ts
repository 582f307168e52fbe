import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { create, messages, object, TEST_NOW, testContext } from '../apps/testkit.js';
import { ingressStrategy as s } from './ingresses.js';

const backend = { service: { name: 'web', port: { number: 80 } } };

function ingress(spec: Record<string, unknown> = {}): KObject {
  return object('networking.k8s.io/v1', 'Ingress', 'web', {
    rules: [{ host: 'example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }],
    ...spec,
  });
}

function withPath(path: Record<string, unknown>): KObject {
  return ingress({ rules: [{ http: { paths: [{ backend, ...path }] } }] });
}

describe('ingresses', () => {
  it('accepts a valid ingress and starts with an empty load balancer status', () => {
    const { obj, errors } = create(s, ingress({ tls: [{ hosts: ['example.com'], secretName: 'tls' }] }));
    expect(errors).toEqual([]);
    expect(obj.status).toEqual({ loadBalancer: {} });
  });

  const invalid: Array<{ name: string; obj: KObject; want: string }> = [
    {
      name: 'pathType is required',
      obj: withPath({ path: '/' }),
      want: 'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified',
    },
    {
      name: 'an unknown pathType is not supported',
      obj: withPath({ path: '/', pathType: 'Regex' }),
      want: 'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"',
    },
    {
      name: 'Prefix paths must be absolute',
      obj: withPath({ path: 'api', pathType: 'Prefix' }),
      want: 'spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path',
    },
    {
      name: 'Exact paths may not contain //',
      obj: withPath({ path: '/a//b', pathType: 'Exact' }),
      want: 'spec.rules[0].http.paths[0].path: Invalid value: "/a//b": must not contain \'//\'',
    },
    {
      name: 'a backend needs a port',
      obj: withPath({ path: '/', pathType: 'Prefix', backend: { service: { name: 'web' } } }),
      want: 'spec.rules[0].http.paths[0].backend: Required value: port name or number is required',
    },
    {
      name: 'a backend service name must be a DNS-1035 label',
      obj: withPath({
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: '1web', port: { number: 80 } } },
      }),
      want: "spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    },
    {
      name: 'a backend port number must be in range',
      obj: withPath({
        path: '/',
        pathType: 'Prefix',
        backend: { service: { name: 'web', port: { number: 70000 } } },
      }),
      want: 'spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive',
    },
    {
      name: 'hosts may not be IP addresses',
      obj: ingress({ rules: [{ host: '10.0.0.1' }] }),
      want: 'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address',
    },
    {
      name: 'rules or a default backend are required',
      obj: ingress({ rules: [] }),
      want: 'spec: Invalid value: []: either `defaultBackend` or `rules` must be specified',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, c.obj).errors)).toContain(c.want);
    });
  }

  it('accepts wildcard hosts and named ports', () => {
    const named = { service: { name: 'web', port: { name: 'http' } } };
    const obj = ingress({
      rules: [
        { host: '*.example.com', http: { paths: [{ path: '/', pathType: 'Prefix', backend: named }] } },
      ],
    });
    expect(create(s, obj).errors).toEqual([]);
  });

  it('assigns the newest default IngressClass to an ingress without a class', () => {
    const cls = (name: string, created: string, isDefault: boolean): KObject => ({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: {
        name,
        creationTimestamp: created,
        annotations: isDefault ? { 'ingressclass.kubernetes.io/is-default-class': 'true' } : {},
      },
      spec: { controller: 'k8s.io/ingress-nginx' },
    });
    const ctx = testContext({
      'networking.k8s.io/ingressclasses': [
        cls('old', '2024-01-01T00:00:00Z', true),
        cls('new', '2024-03-01T00:00:00Z', true),
        cls('other', '2024-04-01T00:00:00Z', false),
      ],
    });
    expect((create(s, ingress(), ctx).obj.spec as { ingressClassName?: string }).ingressClassName).toBe(
      'new',
    );
    const explicit = create(s, ingress({ ingressClassName: 'other' }), ctx).obj;
    expect((explicit.spec as { ingressClassName?: string }).ingressClassName).toBe('other');
  });

  it('renders the row kubectl shows', () => {
    const obj = ingress({
      ingressClassName: 'nginx',
      tls: [{ hosts: ['example.com'] }],
      rules: ['a.io', 'b.io', '', 'c.io', 'd.io'].map((host) => (host ? { host } : {})),
    });
    const { obj: stored } = create(s, obj);
    stored.status = { loadBalancer: { ingress: [{ ip: '192.168.1.20' }, { ip: '192.168.1.10' }] } };
    expect(s.row?.(stored, TEST_NOW)).toEqual([
      'web',
      'nginx',
      'a.io,b.io,c.io + 2 more...',
      '192.168.1.10,...',
      '80, 443',
      '60m',
    ]);
    const plain = create(
      s,
      ingress({ rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] }),
    ).obj;
    expect(s.row?.(plain, TEST_NOW)).toEqual(['web', '<none>', '*', '', '80', '60m']);
  });
});
