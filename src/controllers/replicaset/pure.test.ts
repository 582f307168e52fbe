/**
 * The ReplicaSet controller's pure parts: expectations, slow-start batches, deletion ranking,
 * claiming, status and the event budget.
 */
import { describe, expect, it } from 'vitest';
import type { EventRecorder } from '../../client/events.js';
import type { Clock } from '../../client/types.js';
import { slowStartBatch } from './batch.js';
import { planClaims } from './claim.js';
import { BudgetedRecorder } from './event-budget.js';
import { Expectations } from './expectations.js';
import { isPodAvailable, type PodObj, podsToDelete } from './pods.js';
import { calculateStatus, nextAvailableInMs } from './status.js';
import { replicaSet } from './testkit.js';

function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => new Date(now), after: () => () => {}, advance: (ms) => (now += ms) };
}

interface PodOpts {
  node?: string;
  phase?: string;
  ready?: boolean;
  readySince?: string;
  created?: string;
  labels?: Record<string, string>;
  owner?: string;
}

function pod(name: string, o: PodOpts = {}): PodObj {
  return {
    metadata: {
      name,
      namespace: 'default',
      labels: o.labels ?? { app: 'web' },
      creationTimestamp: o.created ?? '2024-01-01T00:00:00Z',
      ...(o.owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: o.owner, controller: true },
            ],
          }
        : {}),
    },
    spec: { containers: [], ...(o.node ? { nodeName: o.node } : {}) },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: o.ready === false ? 'False' : 'True',
          lastTransitionTime: o.readySince ?? '2024-01-01T00:00:00Z',
        },
      ],
    },
  };
}

describe('Expectations', () => {
  it('holds an owner until every create was observed', () => {
    const e = new Expectations(manualClock());
    e.expectCreations('ns/a', 2);
    expect(e.satisfied('ns/a')).toBe(false);
    e.creationObserved('ns/a');
    expect(e.satisfied('ns/a')).toBe(false);
    e.creationObserved('ns/a');
    expect(e.satisfied('ns/a')).toBe(true);
  });

  it('counts each deleted pod once however often its deletion is seen', () => {
    const e = new Expectations(manualClock());
    e.expectDeletions('ns/a', ['ns/p1', 'ns/p2']);
    e.deletionObserved('ns/a', 'ns/p1');
    e.deletionObserved('ns/a', 'ns/p1');
    expect(e.pending('ns/a')).toEqual([0, 1]);
    e.deletionObserved('ns/a', 'ns/p2');
    expect(e.satisfied('ns/a')).toBe(true);
  });

  it('gives up waiting after the TTL', () => {
    const clock = manualClock();
    const e = new Expectations(clock, 1000);
    e.expectCreations('ns/a', 5);
    clock.advance(1001);
    expect(e.satisfied('ns/a')).toBe(true);
  });
});

describe('slowStartBatch', () => {
  it('runs batches of 1, 2, 4, ... until the count is reached', async () => {
    const sizes: number[] = [];
    let inBatch = 0;
    const result = await slowStartBatch(10, 1, async () => {
      inBatch++;
      await Promise.resolve();
      if (inBatch > 0) sizes.push(inBatch);
      inBatch = 0;
    });
    expect(result).toEqual({ successes: 10 });
    expect(sizes).toEqual([1, 2, 4, 3]);
  });

  it('stops after the first batch with a failure', async () => {
    let calls = 0;
    const result = await slowStartBatch(100, 1, async () => {
      calls++;
      if (calls === 3) throw new Error('quota');
    });
    expect(calls).toBe(3);
    expect(result.successes).toBe(2);
    expect((result.error as Error).message).toBe('quota');
  });
});

describe('podsToDelete', () => {
  const cases = [
    {
      name: 'an unscheduled pod goes before a scheduled one',
      pods: [pod('bound', { node: 'n1' }), pod('unbound')],
      want: 'unbound',
    },
    {
      name: 'a Pending pod goes before a Running one',
      pods: [pod('run', { node: 'n' }), pod('pend', { node: 'n', phase: 'Pending' })],
      want: 'pend',
    },
    {
      name: 'a not-ready pod goes before a ready one',
      pods: [pod('ready', { node: 'n' }), pod('unready', { node: 'n', ready: false })],
      want: 'unready',
    },
    {
      name: 'the pod ready for less time goes first',
      pods: [
        pod('long', { node: 'n', readySince: '2024-01-01T00:00:00Z' }),
        pod('short', { node: 'n', readySince: '2024-01-02T00:00:00Z' }),
      ],
      want: 'short',
    },
    {
      name: 'the newer pod goes first when all else is equal',
      pods: [
        pod('older', { node: 'n', created: '2024-01-01T00:00:00Z' }),
        pod('newer', { node: 'n', created: '2024-01-03T00:00:00Z' }),
      ],
      want: 'newer',
    },
  ];
  for (const c of cases)
    it(c.name, () => expect(podsToDelete(c.pods, 1).map((p) => p.metadata.name)).toEqual([c.want]));
});

describe('planClaims', () => {
  const owner = {
    ...replicaSet('web', 1, { app: 'web' }),
    metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  };
  it('keeps matching owned pods, adopts matching orphans, releases owned pods that stopped matching', () => {
    const plan = planClaims(owner, owner.spec?.selector, [
      pod('mine', { owner: 'u1' }),
      pod('orphan'),
      pod('moved', { owner: 'u1', labels: { app: 'other' } }),
      pod('theirs', { owner: 'u2' }),
      pod('stranger', { labels: { app: 'other' } }),
    ]);
    expect(plan.owned.map((p) => p.metadata.name)).toEqual(['mine']);
    expect(plan.adopt.map((p) => p.metadata.name)).toEqual(['orphan']);
    expect(plan.release.map((p) => p.metadata.name)).toEqual(['moved']);
  });

  it('neither adopts nor releases while the owner is being deleted', () => {
    const deleting = { ...owner, metadata: { ...owner.metadata, deletionTimestamp: '2024-01-01T00:00:00Z' } };
    const plan = planClaims(deleting, owner.spec?.selector, [
      pod('orphan'),
      pod('moved', { owner: 'u1', labels: { app: 'x' } }),
    ]);
    expect(plan.adopt).toEqual([]);
    expect(plan.release).toEqual([]);
  });
});

describe('ReplicaSet status', () => {
  const now = new Date('2024-01-01T00:00:10Z');
  it('counts ready, available (minReadySeconds) and fully labeled pods', () => {
    const base = replicaSet('web', 3, { app: 'web' });
    const rs = {
      ...base,
      metadata: { ...base.metadata, generation: 4 },
      spec: { ...base.spec!, minReadySeconds: 5 },
    };
    const pods = [
      pod('a', { readySince: '2024-01-01T00:00:00Z' }),
      pod('b', { readySince: '2024-01-01T00:00:08Z' }),
      pod('c', { ready: false, labels: { app: 'web', extra: '1' } }),
    ];
    const status = calculateStatus(rs, pods, undefined, now);
    expect(status).toEqual({
      replicas: 3,
      fullyLabeledReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: 4,
    });
    expect(nextAvailableInMs(rs, pods, now)).toBe(3001);
    expect(isPodAvailable(pods[1], 5, new Date('2024-01-01T00:00:13Z'))).toBe(true);
  });

  it('sets ReplicaFailure on a failed create and clears it after', () => {
    const rs = replicaSet('web', 3, { app: 'web' });
    const failed = calculateStatus(rs, [], { reason: 'FailedCreate', message: 'quota exceeded' }, now);
    expect(failed.conditions).toEqual([
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: 'quota exceeded',
        lastTransitionTime: '2024-01-01T00:00:10Z',
      },
    ]);
    const cleared = calculateStatus({ ...rs, status: failed }, [], undefined, now);
    expect(cleared.conditions).toBeUndefined();
  });
});

describe('BudgetedRecorder', () => {
  it('lets 25 events per object through, then one per five minutes', () => {
    const clock = manualClock();
    const seen: string[] = [];
    const inner: EventRecorder = { record: (_o, _t, _r, m) => void seen.push(m) };
    const rec = new BudgetedRecorder(inner, clock);
    const obj = { metadata: { uid: 'u1', name: 'web', namespace: 'default' } };
    for (let i = 0; i < 30; i++) rec.record(obj, 'Normal', 'SuccessfulCreate', `pod ${i}`);
    expect(seen).toHaveLength(25);
    clock.advance(5 * 60 * 1000);
    rec.record(obj, 'Normal', 'SuccessfulCreate', 'later');
    rec.record(obj, 'Normal', 'SuccessfulCreate', 'too soon');
    expect(seen.at(-1)).toBe('later');
    expect(seen).toHaveLength(26);
  });
});
