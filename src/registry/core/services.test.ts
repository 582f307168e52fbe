import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { servicesStrategy as strategy } from './services.js';
import { contextWith } from './testing.js';

function svc(name: string, spec: Record<string, unknown> = {}, namespace = 'default'): KObject {
  return { metadata: { name, namespace }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec } };
}

/** Create through the strategy as the API server would: defaults, prepare, validate. */
function create(obj: KObject, existing: KObject[] = []): KObject {
  const ctx = contextWith({ services: existing });
  strategy.defaults!(obj);
  strategy.prepareForCreate!(obj, ctx);
  const errs = strategy.validate!(obj, ctx);
  if (errs.length) throw new Error(JSON.stringify(errs));
  return obj;
}

function causeOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError)
      return `${e.reason}: ${e.details?.causes?.[0].field}: ${e.details?.causes?.[0].message}`;
    throw e;
  }
  return 'no error';
}

describe('service defaults', () => {
  it('fills type, affinity, protocol, targetPort, families and traffic policy', () => {
    const s = create(svc('web'));
    expect(s.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
    });
  });

  it('sets externalTrafficPolicy only for NodePort and LoadBalancer', () => {
    expect((create(svc('np', { type: 'NodePort' })).spec as any).externalTrafficPolicy).toBe('Cluster');
    expect((create(svc('ci')).spec as any).externalTrafficPolicy).toBeUndefined();
  });
});

describe('ClusterIP allocation', () => {
  it('allocates distinct addresses, skipping the API and DNS addresses', () => {
    const existing: KObject[] = [];
    const ips: string[] = [];
    for (let i = 0; i < 10; i++) {
      const s = create(svc(`s${i}`), existing);
      existing.push(s);
      ips.push((s.spec as any).clusterIP);
    }
    expect(new Set(ips).size).toBe(10);
    expect(ips).not.toContain('10.43.0.1');
    expect(ips).not.toContain('10.43.0.10');
    expect(ips[0]).toBe('10.43.0.2');
    expect((existing[0].spec as any).clusterIPs).toEqual(['10.43.0.2']);
  });

  it('gives the kubernetes service in default the first address', () => {
    expect((create(svc('kubernetes')).spec as any).clusterIP).toBe('10.43.0.1');
  });

  it('honours a requested free address such as the DNS one', () => {
    expect((create(svc('kube-dns', { clusterIP: '10.43.0.10' })).spec as any).clusterIPs).toEqual([
      '10.43.0.10',
    ]);
  });

  it('refuses a requested address that is taken', () => {
    const taken = create(svc('a', { clusterIP: '10.43.0.50' }));
    expect(causeOf(() => create(svc('b', { clusterIP: '10.43.0.50' }), [taken]))).toBe(
      'Invalid: spec.clusterIPs: Invalid value: ["10.43.0.50"]: failed to allocate IP 10.43.0.50: provided IP is already allocated',
    );
  });

  it('refuses a requested address outside the service CIDR', () => {
    expect(causeOf(() => create(svc('b', { clusterIP: '10.0.0.5' })))).toMatch(/is not in the valid range/);
  });

  it('leaves headless services without an address', () => {
    expect((create(svc('h', { clusterIP: 'None' })).spec as any).clusterIPs).toEqual(['None']);
  });
});

describe('NodePort allocation', () => {
  it('allocates distinct ports in range for every port of the service', () => {
    const a = create(
      svc('a', {
        type: 'NodePort',
        ports: [
          { name: 'http', port: 80 },
          { name: 'https', port: 443 },
        ],
      }),
    );
    const b = create(svc('b', { type: 'NodePort' }), [a]);
    const ports = [...(a.spec as any).ports, ...(b.spec as any).ports].map((p: any) => p.nodePort);
    expect(new Set(ports).size).toBe(3);
    for (const p of ports) expect(p >= 30000 && p <= 32767).toBe(true);
  });

  it('refuses a requested port that another service holds', () => {
    const a = create(svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    expect(
      causeOf(() => create(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }), [a])),
    ).toBe('Invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated');
  });

  it('refuses a requested port outside the range', () => {
    expect(
      causeOf(() => create(svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] }))),
    ).toMatch(/provided port is not in the valid range. The range of valid ports is 30000-32767/);
  });
});

describe('service updates', () => {
  it('keeps the allocated clusterIP and nodePorts when the new body omits them', () => {
    const old = create(svc('a', { type: 'NodePort' }));
    const next = svc('a', { type: 'NodePort' });
    const ctx = contextWith({ services: [old] });
    strategy.prepareForUpdate!(next, old, ctx);
    expect((next.spec as any).clusterIP).toBe((old.spec as any).clusterIP);
    expect((next.spec as any).ports[0].nodePort).toBe((old.spec as any).ports[0].nodePort);
    expect(strategy.validateUpdate!(next, old, ctx)).toEqual([]);
  });

  it('refuses to change the clusterIP once set', () => {
    const old = create(svc('a'));
    const next = svc('a', { clusterIP: '10.43.0.99' });
    const ctx = contextWith({ services: [old] });
    strategy.prepareForUpdate!(next, old, ctx);
    expect(strategy.validateUpdate!(next, old, ctx)).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.clusterIPs[0]',
        message: 'Invalid value: "10.43.0.99": may not change once set',
      },
    ]);
  });

  it('drops node ports when the type changes back to ClusterIP', () => {
    const old = create(svc('a', { type: 'NodePort' }));
    const next = svc('a', { type: 'ClusterIP' });
    strategy.prepareForUpdate!(next, old, contextWith({ services: [old] }));
    expect((next.spec as any).ports[0].nodePort).toBeUndefined();
  });
});

describe('service validation and row', () => {
  const cases: Array<{ name: string; spec: Record<string, unknown>; field: string; type: string }> = [
    {
      name: 'an unknown type is not supported',
      spec: { type: 'Magic' },
      field: 'spec.type',
      type: 'FieldValueNotSupported',
    },
    {
      name: 'two ports need names',
      spec: { ports: [{ port: 80 }, { name: 'b', port: 81 }] },
      field: 'spec.ports[0].name',
      type: 'FieldValueRequired',
    },
    {
      name: 'a nodePort on a ClusterIP service is forbidden',
      spec: { ports: [{ port: 80, nodePort: 30001 }] },
      field: 'spec.ports[0].nodePort',
      type: 'FieldValueForbidden',
    },
    { name: 'a service needs ports', spec: { ports: [] }, field: 'spec.ports', type: 'FieldValueRequired' },
    {
      name: 'ExternalName needs a name',
      spec: { type: 'ExternalName' },
      field: 'spec.externalName',
      type: 'FieldValueRequired',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const obj = svc('x', c.spec);
      strategy.defaults!(obj);
      const errs = strategy.validate!(obj, contextWith());
      expect(errs.map((e) => [e.field, e.type])).toContainEqual([c.field, c.type]);
    });
  }

  it('prints the kubectl row', () => {
    const s = create(svc('web', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }));
    s.metadata.creationTimestamp = '2024-01-01T00:00:00Z';
    expect(strategy.row!(s, new Date('2024-01-01T00:05:00Z'))).toEqual([
      'web',
      'NodePort',
      '10.43.0.2',
      '<none>',
      '80:30080/TCP',
      '5m',
      'app=web',
    ]);
  });

  it('uses DNS-1123 labels for names', () => {
    expect(strategy.validateName!('my.svc')).toHaveLength(1);
  });
});
