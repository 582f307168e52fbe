import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { copy, create, messages, TEST_NOW, update } from '../apps/testkit.js';
import { endpointSliceStrategy as s } from './endpointslices.js';

function slice(fields: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'web-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.42.0.5'], conditions: { ready: true } }],
    ports: [{ name: 'http', port: 80 }],
    ...fields,
  };
}

describe('endpointslices', () => {
  it('defaults port protocol to TCP', () => {
    const { obj, errors } = create(s, slice());
    expect(errors).toEqual([]);
    expect(obj.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
  });

  const invalid = [
    {
      name: 'addressType is required',
      fields: { addressType: undefined },
      want: 'addressType: Required value',
    },
    {
      name: 'an unknown addressType is not supported',
      fields: { addressType: 'IPX' },
      want: 'addressType: Unsupported value: "IPX": supported values: "FQDN", "IPv4", "IPv6"',
    },
    {
      name: 'addresses must match the address type',
      fields: { addressType: 'IPv6' },
      want: 'endpoints[0].addresses[0]: Invalid value: "10.42.0.5": must be a valid IPv6 address',
    },
    {
      name: 'an endpoint needs an address',
      fields: { endpoints: [{ addresses: [] }] },
      want: 'endpoints[0].addresses: Required value: must contain at least 1 address',
    },
    {
      name: 'port names must be unique',
      fields: {
        ports: [
          { name: 'http', port: 80 },
          { name: 'http', port: 81 },
        ],
      },
      want: 'ports[1].name: Duplicate value: "http"',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, slice(c.fields)).errors)).toContain(c.want);
    });
  }

  it('keeps addressType immutable', () => {
    const old = create(s, slice()).obj;
    const next = copy(old);
    next.addressType = 'FQDN';
    next.endpoints = [{ addresses: ['web.example.com'] }];
    expect(messages(update(s, next, old))).toEqual([
      'addressType: Invalid value: "FQDN": field is immutable',
    ]);
  });

  it('renders ports and endpoints with kubectl truncation', () => {
    const { obj } = create(
      s,
      slice({
        endpoints: [{ addresses: ['10.42.0.5', '10.42.0.6'] }, { addresses: ['10.42.0.7', '10.42.0.8'] }],
        ports: [{ name: 'http', port: 80 }, { name: 'metrics' }],
      }),
    );
    expect(s.row?.(obj, TEST_NOW)).toEqual([
      'web-abc12',
      'IPv4',
      '80,metrics',
      '10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...',
      '60m',
    ]);
    expect(s.row?.(create(s, slice({ endpoints: [], ports: [] })).obj, TEST_NOW).slice(2, 4)).toEqual([
      '<unset>',
      '<unset>',
    ]);
  });
});
