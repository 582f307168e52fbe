/** Table tests of Endpoints subset building and target port resolution. */
import { describe, expect, it } from 'vitest';
import { resolveTargetPort } from './pods.js';
import { buildSubsets } from './subsets.js';
import { pod, service } from './testing.js';

const http = { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' };

describe('resolveTargetPort', () => {
  const p = pod('a').build();
  const cases = [
    { name: 'a numeric targetPort is used as it is', sp: { port: 80, targetPort: 9000 }, want: 9000 },
    {
      name: 'a named targetPort resolves to the container port',
      sp: { port: 80, targetPort: 'http' },
      want: 8080,
    },
    { name: 'an unknown name does not resolve', sp: { port: 80, targetPort: 'grpc' }, want: undefined },
    {
      name: 'a name of another protocol does not resolve',
      sp: { port: 80, targetPort: 'http', protocol: 'UDP' },
      want: undefined,
    },
    { name: 'no targetPort means the service port', sp: { port: 80 }, want: 80 },
  ];
  for (const c of cases) it(c.name, () => expect(resolveTargetPort(p, c.sp)).toBe(c.want));
});

describe('buildSubsets', () => {
  it('puts ready pods in addresses and unready ones in notReadyAddresses, sorted by IP', () => {
    const got = buildSubsets(service([http]), [
      pod('b').ip('10.42.0.10').ready().build(),
      pod('a').ip('10.42.0.9').ready().build(),
      pod('c').ip('10.42.0.11').build(),
    ]);
    expect(got).toEqual([
      {
        addresses: [
          {
            ip: '10.42.0.9',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
          },
          {
            ip: '10.42.0.10',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' },
          },
        ],
        notReadyAddresses: [
          {
            ip: '10.42.0.11',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c' },
          },
        ],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  const cases = [
    { name: 'pods without an IP are skipped', pods: [pod('a').ready().build()], want: 0 },
    {
      name: 'terminating pods are skipped',
      pods: [pod('a').ip('10.0.0.1').ready().terminating().build()],
      want: 0,
    },
    {
      name: 'finished pods are skipped',
      pods: [pod('a').ip('10.0.0.1').phase('Succeeded').build()],
      want: 0,
    },
    {
      name: 'pods whose named port does not resolve are skipped',
      pods: [
        pod('a')
          .ip('10.0.0.1')
          .ready()
          .containerPorts([{ name: 'web', containerPort: 1 }])
          .build(),
      ],
      want: 0,
    },
  ];
  for (const c of cases) it(c.name, () => expect(buildSubsets(service([http]), c.pods).length).toBe(c.want));

  it('groups pods by the ports their named targetPort resolves to', () => {
    const got = buildSubsets(service([http]), [
      pod('a').ip('10.0.0.1').ready().build(),
      pod('b')
        .ip('10.0.0.2')
        .ready()
        .containerPorts([{ name: 'http', containerPort: 9090 }])
        .build(),
    ]);
    expect(got.map((s) => [s.ports?.[0].port, s.addresses?.map((a) => a.ip)])).toEqual([
      [8080, ['10.0.0.1']],
      [9090, ['10.0.0.2']],
    ]);
  });

  it('publishes unready pods as ready when the service asks', () => {
    const got = buildSubsets(service([http], { publishNotReadyAddresses: true }), [
      pod('a').ip('10.0.0.1').build(),
    ]);
    expect(got[0].addresses?.map((a) => a.ip)).toEqual(['10.0.0.1']);
    expect(got[0].notReadyAddresses).toBeUndefined();
  });

  it('lists addresses without ports for a headless service without ports, with hostnames', () => {
    const got = buildSubsets(service([], { clusterIP: 'None' }), [
      pod('a').ip('10.0.0.1').ready().hostname('a', 'web').build(),
    ]);
    expect(got).toEqual([
      {
        addresses: [
          {
            ip: '10.0.0.1',
            hostname: 'a',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
          },
        ],
      },
    ]);
  });
});
