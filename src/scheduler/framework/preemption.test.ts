import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { defaultProfile } from '../plugins/index.js';
import { Framework } from './cycle.js';
import { PodInfo } from './pod-info.js';
import { type DisruptionBudget, notEligibleNever, type PreemptionResult, preempt } from './preemption.js';
import { compileLabelSelector } from './selectors.js';
import type { Snapshot } from './snapshot.js';
import { node, pod, snapshotOf } from './testing.js';

const fw = new Framework(defaultProfile(), () => 0);

function run(p: Pod, snap: Snapshot, budgets: DisruptionBudget[] = []): PreemptionResult {
  const info = new PodInfo(p);
  const r = fw.schedule(info, snap);
  if (r.ok) throw new Error('the pod fits; nothing to preempt');
  return preempt(fw, info, snap, r.diagnosis, budgets, '', () => 0);
}

const victimsOf = (r: PreemptionResult) =>
  'candidate' in r ? [r.candidate.node.name, r.candidate.victims.map((v) => v.name)] : r.message;
const small = (name: string, n: string, priority: number, cpu = '1') =>
  pod(name).req({ cpu }).priority(priority).on(n).build();
const budget = (allowed: number, labels: Record<string, string>): DisruptionBudget => ({
  namespace: 'default',
  selector: compileLabelSelector({ matchLabels: labels }),
  allowed,
  disrupted: new Set(),
});

describe('preemption victim selection', () => {
  const two = () => [node('n1').cap({ cpu: '2' }).build(), node('n2').cap({ cpu: '2' }).build()];

  const cases = [
    {
      name: 'evicts only as many pods as needed, the least important (newest) first',
      nodes: [node('n1').cap({ cpu: '2' }).build()],
      existing: [small('a', 'n1', 1), small('b', 'n1', 1)],
      pod: pod().req({ cpu: '1' }).priority(10).build(),
      want: ['n1', ['b']],
    },
    {
      name: 'prefers the node needing fewer victims',
      nodes: two(),
      existing: [small('a', 'n1', 1), small('b', 'n1', 1), small('c', 'n2', 1, '2')],
      pod: pod().req({ cpu: '2' }).priority(10).build(),
      want: ['n2', ['c']],
    },
    {
      name: 'prefers the node whose most important victim has the lowest priority',
      nodes: two(),
      existing: [small('a', 'n1', 5, '2'), small('b', 'n2', 3, '2')],
      pod: pod().req({ cpu: '2' }).priority(10).build(),
      want: ['n2', ['b']],
    },
    {
      name: 'never evicts pods of equal or higher priority',
      nodes: two(),
      existing: [small('a', 'n1', 10, '2'), small('b', 'n2', 20, '2')],
      pod: pod().req({ cpu: '2' }).priority(10).build(),
      want: 'preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    },
    {
      name: 'skips nodes where removing pods cannot help',
      nodes: [
        node('n1').cap({ cpu: '2' }).taint('k', 'v', 'NoSchedule').build(),
        node('n2').cap({ cpu: '1' }).build(),
      ],
      existing: [small('a', 'n1', 1, '2'), small('b', 'n2', 1)],
      pod: pod().req({ cpu: '2' }).priority(10).build(),
      want: 'preemption: 0/2 nodes are available: 1 Insufficient cpu, 1 Preemption is not helpful for scheduling.',
    },
  ];
  it.each(cases)('$name', ({ nodes, existing, pod: p, want }) => {
    expect(victimsOf(run(p, snapshotOf(nodes, existing)))).toEqual(want);
  });

  it('prefers victims whose PodDisruptionBudget allows the disruption', () => {
    const snap = snapshotOf(two(), [
      pod('guarded').label('app', 'db').req({ cpu: '2' }).priority(1).on('n1').build(),
      pod('free').label('app', 'batch').req({ cpu: '2' }).priority(1).on('n2').build(),
    ]);
    const r = run(pod().req({ cpu: '2' }).priority(10).build(), snap, [budget(0, { app: 'db' })]);
    expect(victimsOf(r)).toEqual(['n2', ['free']]);
  });

  it('evicts a protected pod when nothing else helps, and counts the violation', () => {
    const snap = snapshotOf(
      [node('n1').cap({ cpu: '2' }).build()],
      [pod('guarded').label('app', 'db').req({ cpu: '2' }).priority(1).on('n1').build()],
    );
    const r = run(pod().req({ cpu: '2' }).priority(10).build(), snap, [budget(0, { app: 'db' })]);
    expect('candidate' in r && r.candidate.pdbViolations).toBe(1);
  });

  it('a pod with preemptionPolicy Never does not preempt', () => {
    const snap = snapshotOf([node('n1').cap({ cpu: '2' }).build()], [small('a', 'n1', 1, '2')]);
    const r = run(pod().req({ cpu: '2' }).priority(10).preemptionPolicy('Never').build(), snap);
    expect(victimsOf(r)).toBe(`preemption: ${notEligibleNever}`);
  });

  it('leaves the snapshot as it found it', () => {
    const snap = snapshotOf(two(), [small('a', 'n1', 1), small('b', 'n1', 1), small('c', 'n2', 1, '2')]);
    run(pod().req({ cpu: '1' }).priority(10).build(), snap);
    expect(
      snap
        .node('n1')!
        .pods.map((p) => p.name)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(snap.node('n1')!.reqCpu).toBe(2000);
  });
});
