import { describe, expect, it } from 'vitest';
import { patchMetaFor } from './patch-meta-from-schema.js';

describe('patchMetaFor', () => {
  const deployment = patchMetaFor('apps', 'v1', 'Deployment')!;
  const podSpec = deployment.field('spec')?.field('template')?.field('spec');
  const container = podSpec?.field('containers')?.items();

  const cases = [
    {
      name: 'deployment containers merge by name',
      meta: podSpec?.field('containers'),
      strategy: 'merge',
      key: 'name',
    },
    {
      name: 'init containers merge by name',
      meta: podSpec?.field('initContainers'),
      strategy: 'merge',
      key: 'name',
    },
    {
      name: 'volumes merge by name and retain keys',
      meta: podSpec?.field('volumes'),
      strategy: 'merge,retainKeys',
      key: 'name',
    },
    {
      name: 'container ports merge by containerPort',
      meta: container?.field('ports'),
      strategy: 'merge',
      key: 'containerPort',
    },
    { name: 'env merges by name', meta: container?.field('env'), strategy: 'merge', key: 'name' },
    {
      name: 'volume mounts merge by mountPath',
      meta: container?.field('volumeMounts'),
      strategy: 'merge',
      key: 'mountPath',
    },
    {
      name: 'tolerations are replaced whole',
      meta: podSpec?.field('tolerations'),
      strategy: undefined,
      key: undefined,
    },
    {
      name: 'the deployment strategy retains keys',
      meta: deployment.field('spec')?.field('strategy'),
      strategy: 'retainKeys',
      key: undefined,
    },
    {
      name: 'finalizers merge as a set of strings',
      meta: deployment.field('metadata')?.field('finalizers'),
      strategy: 'merge',
      key: undefined,
    },
    {
      name: 'owner references merge by uid',
      meta: deployment.field('metadata')?.field('ownerReferences'),
      strategy: 'merge',
      key: 'uid',
    },
    {
      name: 'deployment conditions merge by type',
      meta: deployment.field('status')?.field('conditions'),
      strategy: 'merge',
      key: 'type',
    },
    {
      name: 'service ports merge by port',
      meta: patchMetaFor('', 'v1', 'Service')?.field('spec')?.field('ports'),
      strategy: 'merge',
      key: 'port',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(c.meta).toBeDefined();
      expect(c.meta?.patchStrategy).toBe(c.strategy);
      expect(c.meta?.patchMergeKey).toBe(c.key);
    });
  }

  it('map values are reachable through values()', () => {
    const limits = container?.field('resources')?.field('limits');
    expect(limits?.values()).toBeDefined();
    expect(limits?.items()).toBeUndefined();
  });

  it('unknown fields have no metadata', () => {
    expect(deployment.field('spec')?.field('replicass')).toBeUndefined();
  });

  it('returns the same node for repeated lookups', () => {
    expect(patchMetaFor('apps', 'v1', 'Deployment')).toBe(deployment);
    expect(deployment.field('spec')).toBe(deployment.field('spec'));
  });

  it('has nothing for kinds without a schema', () => {
    expect(patchMetaFor('stable.example.com', 'v1', 'CronTab')).toBeUndefined();
  });
});
