import { describe, expect, it } from 'vitest';
import { create, messages, object, TEST_NOW } from '../apps/testkit.js';
import { networkPolicyStrategy as s } from './networkpolicies.js';

const policy = (spec: Record<string, unknown>) =>
  object('networking.k8s.io/v1', 'NetworkPolicy', 'deny', spec);

describe('networkpolicies', () => {
  it('defaults policyTypes from the rules present and port protocols to TCP', () => {
    const { obj, errors } = create(
      s,
      policy({
        podSelector: { matchLabels: { app: 'db' } },
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 5432 }] }],
        egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }] }],
      }),
    );
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ protocol: 'TCP' }] }],
    });
    expect(s.row?.(obj, TEST_NOW)).toEqual(['deny', 'app=db', '60m']);
  });

  it('defaults to Ingress only and prints an empty selector as <none>', () => {
    const { obj } = create(s, policy({ podSelector: {} }));
    expect(obj.spec).toMatchObject({ policyTypes: ['Ingress'] });
    expect(s.row?.(obj, TEST_NOW)[1]).toBe('<none>');
  });

  const invalid = [
    {
      name: 'a peer must name something',
      spec: { podSelector: {}, ingress: [{ from: [{}] }] },
      want: 'spec.ingress[0].from[0]: Required value: must specify a peer',
    },
    {
      name: 'ipBlock may not be combined with selectors',
      spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] },
      want: 'spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer',
    },
    {
      name: 'an ipBlock needs a valid CIDR',
      spec: { podSelector: {}, egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/33' } }] }] },
      want: 'spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    },
    {
      name: 'endPort needs a numeric port below it',
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 8080, endPort: 8000 }] }] },
      want: 'spec.ingress[0].ports[0].endPort: Invalid value: 8000: must be greater than or equal to `port`',
    },
    {
      name: 'an unknown protocol is not supported',
      spec: { podSelector: {}, ingress: [{ ports: [{ port: 53, protocol: 'ICMP' }] }] },
      want: 'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, policy(c.spec)).errors)).toContain(c.want);
    });
  }
});
