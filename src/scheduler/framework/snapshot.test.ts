import type { Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { describe, expect, it } from 'vitest';
import { PodInfo } from './pod-info.js';
import { node, pod, snapshotOf } from './testing.js';

/** The pod with some metadata replaced (kubernetes-types objects are read-only). */
const withMeta = (p: Pod, meta: ObjectMeta): Pod => ({ ...p, metadata: { ...p.metadata, ...meta } });

describe('Snapshot.refreshPod', () => {
  const placed = () => {
    const p = withMeta(pod('web').req({ cpu: '1' }).label('app', 'web').on('n1').build(), { generation: 1 });
    const snap = snapshotOf([node('n1').cap({ cpu: '4', memory: '8Gi', pods: '10' }).build()]);
    snap.setPod(new PodInfo(p));
    return { p, snap };
  };

  it('keeps the PodInfo and swaps in the newer object when only status changed', () => {
    const { p, snap } = placed();
    const info = snap.nodeOfPod('default/web')?.pods[0];
    const reported: Pod = { ...p, status: { phase: 'Running', startTime: '2024-01-01T00:00:00Z' } };
    expect(snap.refreshPod(reported)).toBe(true);
    expect(snap.nodeOfPod('default/web')?.pods[0]).toBe(info);
    expect(info?.pod.status?.startTime).toBe('2024-01-01T00:00:00Z');
  });

  it('refuses when anything the plugins read changed, so the caller rebuilds', () => {
    const changes: ObjectMeta[] = [
      { labels: { app: 'other' } },
      { generation: 2 },
      { uid: 'another-incarnation' },
      { deletionTimestamp: '2024-01-01T00:00:00Z' },
    ];
    for (const change of changes) {
      const { p, snap } = placed();
      expect(snap.refreshPod(withMeta(p, change))).toBe(false);
    }
  });

  it('refuses for pods it does not hold or only assumed', () => {
    const { snap } = placed();
    const other = withMeta(pod('db').on('n1').build(), { generation: 1 });
    expect(snap.refreshPod(other)).toBe(false);
    const n1 = snap.node('n1');
    if (n1) snap.assume(new PodInfo(other), n1);
    expect(snap.refreshPod(other)).toBe(false);
  });
});
