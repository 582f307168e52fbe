/** Deployment status and the Progressing/Available conditions, with an explicit clock. */
import { describe, expect, it } from 'vitest';
import type { ReplicaSetObj } from '../replicaset/index.js';
import {
  calculateStatus,
  condition,
  deadlineRecheckMs,
  getCondition,
  setCondition,
  updatePaused,
  updateProgressing,
} from './conditions.js';
import { replicaSetsToCleanUp, setNewReplicaSetAnnotations } from './revisions.js';
import type { DeploymentObj } from './rollout.js';

const t0 = new Date('2024-05-01T10:00:00Z');
const later = (s: number) => new Date(t0.getTime() + s * 1000);

function deploy(
  replicas: number,
  status: DeploymentObj['status'] = {},
  extra: Record<string, unknown> = {},
): DeploymentObj {
  return {
    metadata: { name: 'web', namespace: 'default', generation: 2 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: {},
      progressDeadlineSeconds: 60,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      ...extra,
    },
    status,
  };
}

function rs(name: string, spec: number, replicas: number, available: number, revision = '1'): ReplicaSetObj {
  return {
    metadata: {
      name,
      namespace: 'default',
      generation: 1,
      annotations: { 'deployment.kubernetes.io/revision': revision },
    },
    spec: { replicas: spec, selector: {} },
    status: { replicas, readyReplicas: available, availableReplicas: available, observedGeneration: 1 },
  };
}

describe('calculateStatus', () => {
  it('sums ReplicaSets and reports minimum availability', () => {
    const newRS = rs('new', 2, 2, 1);
    const s = calculateStatus(deploy(3), newRS, [newRS, rs('old', 2, 2, 2)], t0);
    expect(s).toMatchObject({
      observedGeneration: 2,
      replicas: 4,
      updatedReplicas: 2,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 1,
    });
    expect(getCondition(s, 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
  });

  it('reports missing availability below replicas - maxUnavailable', () => {
    const newRS = rs('new', 3, 3, 1);
    const s = calculateStatus(deploy(3), newRS, [newRS], t0);
    expect(getCondition(s, 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });
  });
});

describe('Progressing', () => {
  const cases = [
    {
      name: 'complete when every replica is updated and available',
      d: deploy(2, { replicas: 2, updatedReplicas: 1 }),
      sets: [rs('new', 2, 2, 2)],
      now: t0,
      want: {
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: 'ReplicaSet "new" has successfully progressed.',
      },
    },
    {
      name: 'progressing when more replicas are updated than before',
      d: deploy(3, { replicas: 3, updatedReplicas: 1 }),
      sets: [rs('new', 2, 2, 0)],
      now: t0,
      want: { status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet "new" is progressing.' },
    },
    {
      name: 'timed out when nothing moved for progressDeadlineSeconds',
      d: deploy(3, {
        replicas: 1,
        updatedReplicas: 1,
        conditions: [condition('Progressing', 'True', 'ReplicaSetUpdated', 'x', t0)],
      }),
      sets: [rs('new', 1, 1, 0)],
      now: later(61),
      want: {
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "new" has timed out progressing.',
      },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const newRS = c.sets[0];
      const s = calculateStatus(c.d, newRS, c.sets, c.now);
      updateProgressing(c.d, s, newRS, c.now);
      expect(getCondition(s, 'Progressing')).toMatchObject(c.want);
    });
  }

  it('waits for the deadline, then re-checks it', () => {
    const d = deploy(3, {
      replicas: 1,
      updatedReplicas: 1,
      conditions: [condition('Progressing', 'True', 'ReplicaSetUpdated', 'x', t0)],
    });
    const s = calculateStatus(d, rs('new', 1, 1, 0), [rs('new', 1, 1, 0)], later(30));
    updateProgressing(d, s, rs('new', 1, 1, 0), later(30));
    expect(getCondition(s, 'Progressing')?.reason).toBe('ReplicaSetUpdated');
    expect(deadlineRecheckMs(d, s, later(30))).toBe(31_000);
  });

  it('marks paused and resumed deployments', () => {
    const status = {};
    updatePaused(deploy(1, {}, { paused: true }), status, t0);
    expect(getCondition(status, 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
      message: 'Deployment is paused',
    });
    updatePaused(deploy(1), status, t0);
    expect(getCondition(status, 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentResumed',
    });
  });

  it('keeps lastTransitionTime while the status stays the same', () => {
    const status = { conditions: [condition('Available', 'True', 'A', 'a', t0)] };
    setCondition(status, condition('Available', 'True', 'B', 'b', later(5)));
    expect(getCondition(status, 'Available')).toMatchObject({
      reason: 'B',
      lastTransitionTime: '2024-05-01T10:00:00Z',
      lastUpdateTime: '2024-05-01T10:00:05Z',
    });
  });
});

describe('revisions', () => {
  it('re-using an old ReplicaSet raises its revision and records the old one', () => {
    const old = rs('old', 0, 0, 0, '1');
    const d = deploy(1);
    d.metadata.annotations = {
      'kubernetes.io/change-cause': 'undo',
      'deployment.kubernetes.io/revision': '2',
    };
    expect(setNewReplicaSetAnnotations(d, old, 3)).toBe(true);
    expect(old.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '3',
      'deployment.kubernetes.io/revision-history': '1',
      'kubernetes.io/change-cause': 'undo',
    });
    expect(setNewReplicaSetAnnotations(d, old, 3)).toBe(false);
  });

  it('cleans up the oldest scaled-down ReplicaSets beyond revisionHistoryLimit', () => {
    const d = deploy(1, {}, { revisionHistoryLimit: 1 });
    const sets = [rs('r3', 0, 0, 0, '3'), rs('r1', 0, 0, 0, '1'), rs('r2', 1, 1, 1, '2')];
    expect(replicaSetsToCleanUp(d, sets).map((s) => s.metadata.name)).toEqual(['r1']);
  });
});
