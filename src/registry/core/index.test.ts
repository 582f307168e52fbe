import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { endpointsStrategy, formatEndpoints } from './endpoints.js';
import { eventsStrategy } from './events.js';
import { coreStrategies } from './index.js';
import { limitRangesStrategy } from './limitranges.js';
import { namespacesStrategy } from './namespaces.js';
import { nodesStrategy } from './nodes.js';
import { persistentVolumeClaimsStrategy } from './persistentvolumeclaims.js';
import { replicationControllersStrategy } from './replicationcontrollers.js';
import { resourceQuotasStrategy } from './resourcequotas.js';
import { contextWith } from './testing.js';

const now = new Date('2024-01-01T01:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: 'default',
  creationTimestamp: '2024-01-01T00:00:00Z',
  ...extra,
});

describe('coreStrategies', () => {
  it('lists each resource once with the expected short names', () => {
    const byResource = new Map(coreStrategies.map((s) => [s.resource, s]));
    expect(byResource.size).toBe(coreStrategies.length);
    const shorts: Record<string, string[]> = {
      pods: ['po'],
      services: ['svc'],
      namespaces: ['ns'],
      configmaps: ['cm'],
      endpoints: ['ep'],
      nodes: ['no'],
      events: ['ev'],
      serviceaccounts: ['sa'],
      limitranges: ['limits'],
      resourcequotas: ['quota'],
      persistentvolumes: ['pv'],
      persistentvolumeclaims: ['pvc'],
    };
    for (const [resource, names] of Object.entries(shorts))
      expect(byResource.get(resource)?.shortNames).toEqual(names);
    expect(
      coreStrategies
        .filter((s) => !s.namespaced)
        .map((s) => s.resource)
        .sort(),
    ).toEqual(['namespaces', 'nodes', 'persistentvolumes']);
  });

  for (const s of coreStrategies) {
    it(`${s.resource} prints one cell per column for a bare object`, () => {
      const obj: KObject = { metadata: meta('x') };
      expect(s.row!(obj, now)).toHaveLength(s.columns!.length);
      expect(s.group).toBe('');
      expect(s.version).toBe('v1');
    });
  }
});

describe('namespaces', () => {
  it('get the kubernetes finalizer, Active phase and the name label', () => {
    const ns: KObject = { metadata: { name: 'team-a' } };
    namespacesStrategy.defaults!(ns);
    namespacesStrategy.prepareForCreate!(ns, contextWith());
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(namespacesStrategy.validateName!('team.a')).toHaveLength(1);
  });
});

describe('nodes', () => {
  const node = (ready: string | undefined, extra: Record<string, unknown> = {}): KObject => ({
    metadata: meta('n1', {
      labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/master': '' },
    }),
    spec: extra,
    status: {
      conditions: ready ? [{ type: 'Ready', status: ready }] : [],
      nodeInfo: { kubeletVersion: 'v1.32.0-skiff' },
      addresses: [{ type: 'InternalIP', address: '192.168.1.5' }],
    },
  });
  const cases: Array<[string, KObject, string]> = [
    ['a ready node is Ready', node('True'), 'Ready'],
    ['a node with Ready=False is NotReady', node('False'), 'NotReady'],
    ['a node without a Ready condition is Unknown', node(undefined), 'Unknown'],
    [
      'a cordoned node adds SchedulingDisabled',
      node('True', { unschedulable: true }),
      'Ready,SchedulingDisabled',
    ],
  ];
  for (const [name, obj, status] of cases) {
    it(name, () => {
      const row = nodesStrategy.row!(obj, now);
      expect(row.slice(0, 6)).toEqual([
        'n1',
        status,
        'control-plane,master',
        '60m',
        'v1.32.0-skiff',
        '192.168.1.5',
      ]);
    });
  }

  it('refuse to change a set podCIDR', () => {
    const old = node('True', { podCIDR: '10.42.0.0/24' });
    const next = node('True', { podCIDR: '10.42.1.0/24' });
    nodesStrategy.defaults!(old);
    nodesStrategy.defaults!(next);
    expect(nodesStrategy.validateUpdate!(next, old, contextWith()).map((e) => e.field)).toEqual([
      'spec.podCIDRs',
    ]);
  });
});

describe('endpoints', () => {
  it('print up to three addresses then how many more', () => {
    const ep = {
      metadata: meta('web'),
      subsets: [
        {
          addresses: ['10.42.0.5', '10.42.0.6', '10.42.0.7', '10.42.0.8'].map((ip) => ({ ip })),
          ports: [{ port: 80 }],
        },
      ],
    };
    expect(formatEndpoints(ep)).toBe('10.42.0.5:80,10.42.0.6:80,10.42.0.7:80 + 1 more...');
    expect(formatEndpoints({ metadata: {} })).toBe('<none>');
  });

  it('reject an address that is not an IP', () => {
    const ep: KObject = {
      metadata: meta('web'),
      subsets: [{ addresses: [{ ip: 'nope' }], ports: [{ port: 80 }] }],
    };
    expect(endpointsStrategy.validate!(ep, contextWith()).map((e) => e.field)).toEqual([
      'subsets[0].addresses[0].ip',
    ]);
  });
});

describe('events', () => {
  const ev: KObject = {
    metadata: meta('web.17a'),
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default', uid: 'u1' },
    reason: 'Scheduled',
    type: 'Normal',
    message: 'Successfully assigned default/web to n1 ',
    source: { component: 'default-scheduler' },
    firstTimestamp: '2024-01-01T00:58:00Z',
    lastTimestamp: '2024-01-01T00:59:00Z',
    count: 2,
  };

  it('print LAST SEEN TYPE REASON OBJECT ... MESSAGE', () => {
    expect(eventsStrategy.row!(ev, now)).toEqual([
      '60s',
      'Normal',
      'Scheduled',
      'pod/web',
      '',
      'default-scheduler',
      'Successfully assigned default/web to n1',
      '2m',
      2,
      'web.17a',
    ]);
  });

  it('select by involved object', () => {
    expect(eventsStrategy.fieldSelectors!['involvedObject.name'](ev)).toBe('web');
    expect(eventsStrategy.fieldSelectors!['involvedObject.uid'](ev)).toBe('u1');
    expect(eventsStrategy.fieldSelectors!.source(ev)).toBe('default-scheduler');
  });

  it('must live in the involved object namespace', () => {
    const other = { ...ev, metadata: { ...ev.metadata, namespace: 'kube-system' } };
    expect(eventsStrategy.validate!(other, contextWith()).map((e) => e.field)).toEqual([
      'involvedObject.namespace',
    ]);
  });
});

describe('limit ranges, quotas, claims and RCs', () => {
  it('limit ranges default defaultRequest from default', () => {
    const lr: KObject = {
      metadata: meta('l'),
      spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] },
    };
    limitRangesStrategy.defaults!(lr);
    expect((lr.spec as any).limits[0].defaultRequest).toEqual({ cpu: '500m' });
    expect(limitRangesStrategy.validate!(lr, contextWith())).toEqual([]);
  });

  it('limit ranges reject min above max', () => {
    const lr: KObject = {
      metadata: meta('l'),
      spec: { limits: [{ type: 'Pod', min: { cpu: '2' }, max: { cpu: '1' } }] },
    };
    expect(limitRangesStrategy.validate!(lr, contextWith()).map((e) => e.field)).toEqual([
      'spec.limits[0].min[cpu]',
    ]);
  });

  it('quotas print used/hard split into requests and limits', () => {
    const q: KObject = {
      metadata: meta('q'),
      spec: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '4Gi' } },
      status: { hard: { pods: '10', 'requests.cpu': '2', 'limits.memory': '4Gi' }, used: { pods: '3' } },
    };
    expect(resourceQuotasStrategy.row!(q, now)).toEqual([
      'q',
      '60m',
      'pods: 3/10, requests.cpu: 0/2',
      'limits.memory: 0/4Gi',
    ]);
  });

  it('claims may grow storage but not change access modes', () => {
    const claim = (storage: string, modes: string[]): KObject => ({
      metadata: meta('c'),
      spec: { accessModes: modes, resources: { requests: { storage } } },
    });
    const old = claim('1Gi', ['ReadWriteOnce']);
    expect(persistentVolumeClaimsStrategy.validate!(old, contextWith())).toEqual([]);
    expect(
      persistentVolumeClaimsStrategy.validateUpdate!(claim('2Gi', ['ReadWriteOnce']), old, contextWith()),
    ).toEqual([]);
    expect(
      persistentVolumeClaimsStrategy.validateUpdate!(claim('1Gi', ['ReadWriteMany']), old, contextWith()).map(
        (e) => e.field,
      ),
    ).toEqual(['spec']);
  });

  it('replication controllers default their selector from the template and scale', () => {
    const rc: KObject = {
      metadata: meta('rc'),
      spec: {
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x' }] } },
      },
    };
    replicationControllersStrategy.defaults!(rc);
    expect(replicationControllersStrategy.validate!(rc, contextWith())).toEqual([]);
    expect(replicationControllersStrategy.scale!.selector(rc)).toBe('app=web');
    replicationControllersStrategy.scale!.setSpecReplicas(rc, 3);
    expect(replicationControllersStrategy.scale!.specReplicas(rc)).toBe(3);
  });
});
