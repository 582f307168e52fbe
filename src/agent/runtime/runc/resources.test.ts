import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  containerCgroupValues,
  milliCPUToQuota,
  milliCPUToShares,
  oomScoreAdj,
  podCgroupParent,
  podCgroupValues,
  qosClass,
  sharesToWeight,
} from './resources.js';

const c = (name: string, requests?: Record<string, string>, limits?: Record<string, string>): Container => ({
  name,
  resources: { requests, limits },
});
const pod = (
  containers: Container[],
  initContainers: Container[] = [],
  extra: Partial<NonNullable<Pod['spec']>> = {},
): Pod => ({
  metadata: { uid: 'u' },
  spec: { ...extra, containers, initContainers },
});

describe('qosClass', () => {
  const cases: Array<{ name: string; pod: Pod; want: string }> = [
    { name: 'no requests or limits anywhere is BestEffort', pod: pod([c('a'), c('b')]), want: 'BestEffort' },
    {
      name: 'limits equal to requests for cpu and memory in every container is Guaranteed',
      pod: pod([c('a', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })]),
      want: 'Guaranteed',
    },
    {
      name: 'limits alone imply equal requests: Guaranteed',
      pod: pod([c('a', undefined, { cpu: '500m', memory: '64Mi' })]),
      want: 'Guaranteed',
    },
    {
      name: 'a request below its limit is Burstable',
      pod: pod([c('a', { cpu: '250m' }, { cpu: '500m', memory: '64Mi' })]),
      want: 'Burstable',
    },
    {
      name: 'one container without limits makes the pod Burstable',
      pod: pod([c('a', { cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' }), c('b', { cpu: '100m' })]),
      want: 'Burstable',
    },
    {
      name: 'init containers count too',
      pod: pod([c('a', undefined, { cpu: '1', memory: '1Gi' })], [c('i', { cpu: '100m' })]),
      want: 'Burstable',
    },
  ];
  for (const t of cases) it(t.name, () => expect(qosClass(t.pod)).toBe(t.want));
});

describe('cgroup arithmetic', () => {
  it('places pods as the kubelet’s cgroupfs driver does', () => {
    expect(podCgroupParent('u1', 'Guaranteed')).toBe('/kubepods/podu1');
    expect(podCgroupParent('u1', 'Burstable')).toBe('/kubepods/burstable/podu1');
    expect(podCgroupParent('u1', 'BestEffort', '/test')).toBe('/test/besteffort/podu1');
  });

  it('converts milli-CPUs to shares and quota like the kubelet', () => {
    expect(milliCPUToShares(0)).toBe(2);
    expect(milliCPUToShares(1)).toBe(2);
    expect(milliCPUToShares(250)).toBe(256);
    expect(milliCPUToShares(1000)).toBe(1024);
    expect(milliCPUToQuota(500)).toBe(50_000);
    expect(milliCPUToQuota(5)).toBe(1000);
    expect(sharesToWeight(2)).toBe(1);
    expect(sharesToWeight(1024)).toBe(39);
    expect(sharesToWeight(262_144)).toBe(10_000);
  });

  it('gives a container its shares from requests, quota and memory from limits', () => {
    expect(containerCgroupValues(c('a', { cpu: '250m' }, { cpu: '0.5', memory: '64Mi' }))).toEqual({
      cpuShares: 256,
      cpuQuotaUs: 50_000,
      cpuPeriodUs: 100_000,
      memoryLimitBytes: 64 * 1024 * 1024,
    });
    expect(containerCgroupValues(c('b'), 64)).toEqual({ cpuShares: 2, pidsLimit: 64 });
  });

  it('limits a pod only in what every container limits, taking the larger of init and app sums', () => {
    const p = pod(
      [c('a', { cpu: '100m' }, { cpu: '200m', memory: '10Mi' }), c('b', { cpu: '100m' }, { memory: '20Mi' })],
      [c('i', { cpu: '500m' }, { cpu: '1', memory: '5Mi' })],
    );
    // cpu requests: max(100m + 100m, 500m); cpu is not limited in b; memory: max(30Mi, 5Mi).
    expect(podCgroupValues(p)).toEqual({ cpuShares: 512, memoryLimitBytes: 30 * 1024 * 1024 });
  });
});

describe('oomScoreAdj', () => {
  const capacity = 1000 * 1024 * 1024;
  it('is -997 for Guaranteed and node-critical pods, 1000 for BestEffort', () => {
    const g = pod([c('a', undefined, { cpu: '1', memory: '1Gi' })]);
    expect(oomScoreAdj(g, g.spec!.containers[0], capacity)).toBe(-997);
    const be = pod([c('a')]);
    expect(oomScoreAdj(be, be.spec!.containers[0], capacity)).toBe(1000);
    const critical = pod([c('a')], [], { priorityClassName: 'system-node-critical' });
    expect(oomScoreAdj(critical, critical.spec!.containers[0], capacity)).toBe(-997);
  });
  it('scales Burstable by the memory request, between 3 and 999', () => {
    const p = pod([
      c('a', { memory: `${250 * 1024 * 1024}` }),
      c('b', { cpu: '1' }),
      c('big', { memory: '2000Mi' }),
    ]);
    expect(oomScoreAdj(p, p.spec!.containers[0], capacity)).toBe(750);
    expect(oomScoreAdj(p, p.spec!.containers[1], capacity)).toBe(999);
    expect(oomScoreAdj(p, p.spec!.containers[2], capacity)).toBe(3);
  });
});
