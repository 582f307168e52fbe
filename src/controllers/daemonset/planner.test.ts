import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { planDaemonSet } from './planner.js';

const now = new Date('2025-01-01T00:10:00Z');
const nodes = (...names: string[]): Node[] =>
  names.map((name) => ({ metadata: { name, labels: {} }, spec: {} }));

function ds(
  strategy: DaemonSet['spec'] extends infer S
    ? S extends { updateStrategy?: infer U }
      ? U
      : never
    : never = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
): DaemonSet {
  return {
    metadata: { name: 'agent', namespace: 'default', generation: 2 },
    spec: {
      selector: { matchLabels: { app: 'a' } },
      template: { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      updateStrategy: strategy,
    },
  };
}

let seq = 0;
function pod(node: string, hash: string, state: 'ready' | 'pending' | 'failed' = 'ready'): Pod {
  seq++;
  return {
    metadata: {
      name: `agent-${seq}`,
      labels: { app: 'a', 'controller-revision-hash': hash },
      creationTimestamp: new Date(now.getTime() - 60_000 + seq).toISOString(),
    },
    spec: { nodeName: node, containers: [] },
    status: {
      phase: state === 'failed' ? 'Failed' : state === 'ready' ? 'Running' : 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: state === 'ready' ? 'True' : 'False',
          lastTransitionTime: '2025-01-01T00:00:00Z',
        },
      ],
    },
  };
}

describe('DaemonSet planning', () => {
  it('creates a pod on every node that has none', () => {
    const plan = planDaemonSet(ds(), nodes('a', 'b', 'c'), [pod('b', 'h1')], 'h1', now);
    expect(plan.create).toEqual(['a', 'c']);
    expect(plan.deletes).toEqual([]);
    expect(plan.status).toMatchObject({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 1,
      numberReady: 1,
      updatedNumberScheduled: 1,
      numberMisscheduled: 0,
      observedGeneration: 2,
    });
  });

  it('deletes pods of vanished nodes, failed pods and duplicates', () => {
    const keep = pod('a', 'h1');
    const dup = pod('a', 'h1');
    const gone = pod('zz', 'h1');
    const failed = pod('b', 'h1', 'failed');
    const plan = planDaemonSet(ds(), nodes('a', 'b'), [keep, dup, gone, failed], 'h1', now);
    expect(plan.deletes.map((d) => [d.pod, d.reason])).toEqual([
      [gone, 'node-gone'],
      [dup, 'duplicate'],
      [failed, 'failed'],
    ]);
    expect(plan.create).toEqual(['b']);
  });

  it('replaces at most maxUnavailable available old pods at a time', () => {
    const pods = [pod('a', 'old'), pod('b', 'old'), pod('c', 'old')];
    const plan = planDaemonSet(ds(), nodes('a', 'b', 'c'), pods, 'new', now);
    expect(plan.deletes.map((d) => d.pod.spec?.nodeName)).toEqual(['a']);
    expect(plan.status.updatedNumberScheduled).toBe(0);
  });

  it('waits while an updated pod is not yet available', () => {
    const pods = [pod('a', 'new', 'pending'), pod('b', 'old'), pod('c', 'old')];
    const plan = planDaemonSet(ds(), nodes('a', 'b', 'c'), pods, 'new', now);
    expect(plan.deletes).toEqual([]);
    expect(plan.status).toMatchObject({
      updatedNumberScheduled: 1,
      numberAvailable: 2,
      numberUnavailable: 1,
    });
  });

  it('replaces unavailable old pods without spending the budget', () => {
    const pods = [pod('a', 'old', 'pending'), pod('b', 'old'), pod('c', 'old')];
    const plan = planDaemonSet(
      ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 2 } }),
      nodes('a', 'b', 'c'),
      pods,
      'new',
      now,
    );
    expect(plan.deletes.map((d) => d.pod.spec?.nodeName)).toEqual(['a', 'b']);
  });

  it('scales a percentage budget against the desired count, rounding up', () => {
    const pods = ['a', 'b', 'c', 'd', 'e'].map((n) => pod(n, 'old'));
    const plan = planDaemonSet(
      ds({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '30%' } }),
      nodes('a', 'b', 'c', 'd', 'e'),
      pods,
      'new',
      now,
    );
    expect(plan.deletes).toHaveLength(2);
  });

  it('surges a new pod beside the old one, then deletes the old one once the new is available', () => {
    const strategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } };
    const first = planDaemonSet(
      ds(strategy),
      nodes('a', 'b'),
      [pod('a', 'old'), pod('b', 'old')],
      'new',
      now,
    );
    expect(first.create).toEqual(['a']);
    expect(first.deletes).toEqual([]);
    const old = pod('a', 'old');
    const second = planDaemonSet(
      ds(strategy),
      nodes('a', 'b'),
      [old, pod('a', 'new'), pod('b', 'old')],
      'new',
      now,
    );
    expect(second.deletes.map((d) => d.pod)).toEqual([old]);
    expect(second.create).toEqual(['b']);
  });

  it('leaves old pods alone under OnDelete', () => {
    const plan = planDaemonSet(ds({ type: 'OnDelete' }), nodes('a'), [pod('a', 'old')], 'new', now);
    expect(plan.deletes).toEqual([]);
    expect(plan.create).toEqual([]);
  });

  it('counts pods on nodes the daemon no longer belongs on as misscheduled and deletes them', () => {
    const d = ds();
    (d.spec as { template: { spec: { nodeSelector?: Record<string, string> } } }).template.spec.nodeSelector =
      { role: 'edge' };
    const plan = planDaemonSet(d, nodes('a'), [pod('a', 'h1')], 'h1', now);
    expect(plan.status).toMatchObject({ desiredNumberScheduled: 0, numberMisscheduled: 1 });
    expect(plan.deletes.map((x) => x.reason)).toEqual(['misscheduled']);
  });

  it('asks to look again when a ready pod becomes available after minReadySeconds', () => {
    const d = ds();
    (d.spec as { minReadySeconds?: number }).minReadySeconds = 900;
    const plan = planDaemonSet(d, nodes('a'), [pod('a', 'h1')], 'h1', now);
    expect(plan.status.numberAvailable).toBe(0);
    expect(plan.requeueMs).toBe(5 * 60_000);
  });
});
