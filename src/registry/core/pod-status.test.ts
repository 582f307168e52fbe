import type { Container, ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { podCells, podQOSClass } from './pod-status.js';

/** Fluent pod fixture: containers with resources, then container statuses. */
class PodBuilder {
  private p: Pod = { metadata: { name: 'p' }, spec: { containers: [] }, status: { phase: 'Pending' } };
  container(name: string, resources?: Container['resources']): this {
    this.p.spec!.containers.push({ name, image: 'x', resources });
    return this;
  }
  init(name: string, restartPolicy?: string): this {
    this.p.spec!.initContainers = [
      ...(this.p.spec!.initContainers ?? []),
      { name, image: 'x', restartPolicy },
    ];
    return this;
  }
  phase(phase: string): this {
    (this.p.status as { phase?: string }).phase = phase;
    return this;
  }
  status(...cs: ContainerStatus[]): this {
    (this.p.status as { containerStatuses?: ContainerStatus[] }).containerStatuses = cs;
    return this;
  }
  initStatus(...cs: ContainerStatus[]): this {
    (this.p.status as { initContainerStatuses?: ContainerStatus[] }).initContainerStatuses = cs;
    return this;
  }
  deleting(): this {
    (this.p.metadata as { deletionTimestamp?: string }).deletionTimestamp = '2024-01-01T00:00:00Z';
    return this;
  }
  build(): Pod {
    return this.p;
  }
}
const pod = () => new PodBuilder();

function cs(
  name: string,
  state: ContainerStatus['state'],
  extra: Partial<ContainerStatus> = {},
): ContainerStatus {
  return { name, image: 'x', imageID: '', ready: false, restartCount: 0, state, ...extra };
}

describe('podQOSClass', () => {
  const cases: Array<{ name: string; pod: Pod; qos: string }> = [
    { name: 'no requests or limits is BestEffort', pod: pod().container('a').build(), qos: 'BestEffort' },
    {
      name: 'equal cpu and memory requests and limits is Guaranteed',
      pod: pod()
        .container('a', {
          requests: { cpu: '500m', memory: '128Mi' },
          limits: { cpu: '0.5', memory: '128Mi' },
        })
        .build(),
      qos: 'Guaranteed',
    },
    {
      name: 'a request without a limit is Burstable',
      pod: pod()
        .container('a', { requests: { cpu: '100m' } })
        .build(),
      qos: 'Burstable',
    },
    {
      name: 'limits on cpu only are Burstable',
      pod: pod()
        .container('a', { requests: { cpu: '1' }, limits: { cpu: '1' } })
        .build(),
      qos: 'Burstable',
    },
    {
      name: 'one guaranteed container beside a best-effort one is Burstable',
      pod: pod()
        .container('a', { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })
        .container('b')
        .build(),
      qos: 'Burstable',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(podQOSClass(c.pod)).toBe(c.qos);
    });
  }
});

describe('podCells', () => {
  const now = new Date('2024-01-01T00:10:00Z');
  const cases: Array<{ name: string; pod: Pod; ready: string; status: string; restarts?: string }> = [
    {
      name: 'an unscheduled pod is Pending',
      pod: pod().container('a').build(),
      ready: '0/1',
      status: 'Pending',
    },
    {
      name: 'a pulling container shows ContainerCreating',
      pod: pod()
        .container('a')
        .status(cs('a', { waiting: { reason: 'ContainerCreating' } }))
        .build(),
      ready: '0/1',
      status: 'ContainerCreating',
    },
    {
      name: 'a ready running container is Running',
      pod: pod()
        .phase('Running')
        .container('a')
        .status(cs('a', { running: { startedAt: '2024-01-01T00:00:00Z' } }, { ready: true }))
        .build(),
      ready: '1/1',
      status: 'Running',
    },
    {
      name: 'a crash-looping container shows CrashLoopBackOff with its restarts',
      pod: pod()
        .phase('Running')
        .container('a')
        .status(
          cs(
            'a',
            { waiting: { reason: 'CrashLoopBackOff' } },
            {
              restartCount: 4,
              lastState: { terminated: { exitCode: 1, finishedAt: '2024-01-01T00:05:00Z' } },
            },
          ),
        )
        .build(),
      ready: '0/1',
      status: 'CrashLoopBackOff',
      restarts: '4 (5m ago)',
    },
    {
      name: 'a finished container shows Completed',
      pod: pod()
        .phase('Succeeded')
        .container('a')
        .status(cs('a', { terminated: { exitCode: 0, reason: 'Completed' } }))
        .build(),
      ready: '0/1',
      status: 'Completed',
    },
    {
      name: 'a killed container without a reason shows its signal',
      pod: pod()
        .phase('Failed')
        .container('a')
        .status(cs('a', { terminated: { exitCode: 137, signal: 9 } }))
        .build(),
      ready: '0/1',
      status: 'Signal:9',
    },
    {
      name: 'a pod waiting on its first init container shows Init:0/2',
      pod: pod()
        .init('i1')
        .init('i2')
        .container('a')
        .initStatus(cs('i1', { running: {} }))
        .build(),
      ready: '0/1',
      status: 'Init:0/2',
    },
    {
      name: 'a failing init container shows Init:Error',
      pod: pod()
        .init('i1')
        .container('a')
        .initStatus(cs('i1', { terminated: { exitCode: 1, reason: 'Error' } }))
        .build(),
      ready: '0/1',
      status: 'Init:Error',
    },
    {
      name: 'a deleted running pod shows Terminating',
      pod: pod()
        .phase('Running')
        .container('a')
        .deleting()
        .status(cs('a', { running: {} }, { ready: true }))
        .build(),
      ready: '1/1',
      status: 'Terminating',
    },
    {
      name: 'a sidecar init container counts toward READY',
      pod: pod()
        .phase('Running')
        .init('proxy', 'Always')
        .container('a')
        .initStatus(cs('proxy', { running: {} }, { ready: true, started: true }))
        .status(cs('a', { running: {} }, { ready: true }))
        .build(),
      ready: '2/2',
      status: 'Running',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const cells = podCells(c.pod, now);
      expect(cells.ready).toBe(c.ready);
      expect(cells.status).toBe(c.status);
      expect(cells.restarts).toBe(c.restarts ?? '0');
    });
  }
});
