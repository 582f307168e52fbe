/**
 * The disruption controller: keeps each PodDisruptionBudget's status (expected, desired and
 * currently healthy pods, disruptions allowed, the DisruptionAllowed condition) current as its
 * pods come, go and change readiness. The eviction subresource reads disruptionsAllowed.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget, PodDisruptionBudgetStatus } from 'kubernetes-types/policy/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { keyOf } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { labelSelectorMatches } from '../../registry/common/selector.js';
import type { Controller, ControllerContext } from '../manager.js';
import { budgetStatus, failSafeStatus, needsScale } from './budget.js';
import { expectedScale } from './scale.js';

type PdbObject = PodDisruptionBudget & KObject;
type PodObject = Pod & KObject;

const selectsPod = (pdb: PdbObject, pod: PodObject, labels = pod.metadata.labels) =>
  pdb.metadata.namespace === pod.metadata.namespace && labelSelectorMatches(pdb.spec?.selector, labels);

/** The disruption controller. */
export const disruptionController: Controller = {
  name: 'disruption',
  async run(ctx: ControllerContext): Promise<void> {
    const queue = new WorkQueue(ctx.clock);
    ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
    const events = ctx.events('controllermanager');
    const pdbs = ctx.informers.for<PdbObject>('policy', 'v1', 'poddisruptionbudgets');
    const pods = ctx.informers.for<PodObject>('', 'v1', 'pods');
    const enqueueFor = (pod: PodObject, old?: PodObject) => {
      for (const pdb of pdbs.list()) {
        if (selectsPod(pdb, pod) || (old && selectsPod(pdb, old, old.metadata.labels))) queue.add(keyOf(pdb));
      }
    };
    pdbs.addHandlers({ onAdd: (p) => queue.add(keyOf(p)), onUpdate: (_o, p) => queue.add(keyOf(p)) });
    pods.addHandlers({
      onAdd: (p) => enqueueFor(p),
      onUpdate: (o, p) => enqueueFor(p, o),
      onDelete: (p) => enqueueFor(p),
    });
    await Promise.all([pdbs.hasSynced(), pods.hasSynced()]);
    const api = ctx.client.resource<PdbObject>('policy', 'v1', 'poddisruptionbudgets');

    await runWorkers(queue, 2, async (key) => {
      const pdb = pdbs.get(key);
      if (!pdb) return;
      const now = ctx.clock.now();
      const matching = pods.list().filter((p) => selectsPod(pdb, p));
      if (matching.length === 0) events.record(pdb, 'Normal', 'NoPods', 'No matching pods found');
      let status: PodDisruptionBudgetStatus;
      try {
        const scale =
          needsScale(pdb) && matching.length > 0 ? await expectedScale(ctx.client, matching) : undefined;
        const computed = budgetStatus(pdb, matching, now, scale);
        status = computed.status;
        if (computed.recheckAt) queue.addAfter(key, computed.recheckAt.getTime() - now.getTime());
      } catch (err) {
        if (err instanceof Error && err.name === 'ApiError') throw err;
        const message = `Failed to calculate the number of expected pods: ${(err as Error).message}`;
        events.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', message);
        status = failSafeStatus(pdb, (err as Error).message, now);
      }
      if (deepEqual(status, pdb.status)) return;
      const next = cloneJSON(pdb) as KObject;
      next.status = status;
      await api.updateStatus(pdb.metadata.namespace!, next as PdbObject).catch((err) => {
        if (!isReason(err, 'NotFound')) throw err;
      });
    });
  },
};
