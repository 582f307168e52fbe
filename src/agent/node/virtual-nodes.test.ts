/** Virtual node configurations: names, pod CIDRs carved from the cluster CIDR, loopback addresses. */
import { describe, expect, it } from 'vitest';
import { blockBitsFor, parseCIDR } from './cidr.js';
import { loopbackIP, virtualNodes } from './virtual-nodes.js';

describe('virtual nodes', () => {
  it('names nodes from the prefix and gives each a /24 of the cluster CIDR', () => {
    const nodes = virtualNodes({ count: 3, prefix: 'sim-', labels: { zone: 'a' } });
    expect(nodes.map((n) => [n.name, n.podCIDR, n.internalIP])).toEqual([
      ['sim-0', '10.42.0.0/24', '127.1.0.1'],
      ['sim-1', '10.42.1.0/24', '127.1.0.2'],
      ['sim-2', '10.42.2.0/24', '127.1.0.3'],
    ]);
    expect(nodes[0]).toMatchObject({
      labels: { zone: 'a' },
      virtual: true,
      capacity: { cpu: '8', memory: '32Gi', pods: '110' },
    });
  });

  const sizes = [
    { name: '256 nodes fit /24s in a /16', count: 256, bits: 24 },
    { name: '1,000 nodes get /26s', count: 1000, bits: 26 },
    { name: '5,000 nodes get /29s', count: 5000, bits: 29 },
  ];
  for (const s of sizes) {
    it(s.name, () => {
      expect(blockBitsFor(parseCIDR('10.42.0.0/16'), s.count, 24)).toBe(s.bits);
    });
  }

  it('keeps /24s for 5,000 nodes in a wider cluster CIDR, all distinct', () => {
    const nodes = virtualNodes({ count: 5000, clusterCIDR: '10.64.0.0/10' });
    expect(nodes[4999].podCIDR).toBe('10.83.135.0/24');
    expect(new Set(nodes.map((n) => n.podCIDR)).size).toBe(5000);
    expect(nodes[4999].internalIP).toBe(loopbackIP(4999));
    expect(nodes[4999].internalIP.startsWith('127.')).toBe(true);
  });

  it('refuses more nodes than the range can number', () => {
    expect(() => virtualNodes({ count: 20_000, clusterCIDR: '10.42.0.0/24' })).toThrow(/cannot hold/);
  });

  it('overrides capacity keys it is given and keeps the others', () => {
    const [n] = virtualNodes({ count: 1, capacity: { cpu: '2' } });
    expect(n.capacity).toMatchObject({ cpu: '2', memory: '32Gi' });
  });
});
