/**
 * The scheduler as a controller the manager runs while this server leads: it wires the node,
 * pod, PriorityClass, PodDisruptionBudget and Namespace informers into a Scheduler and runs its
 * loop until leadership (ctx.signal) ends.
 */
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import type { KObject } from '../api/object.js';
import type { Controller, ControllerContext } from '../controllers/manager.js';
import { Scheduler, schedulerName } from './scheduler.js';

export { Scheduler, schedulerName } from './scheduler.js';

type K<T> = T & KObject;

/** Starts informers and the scheduling loop; returns when ctx.signal aborts. */
async function runScheduler(ctx: ControllerContext): Promise<void> {
  const s = new Scheduler({ client: ctx.client, clock: ctx.clock, events: ctx.events(schedulerName) });
  ctx.signal.addEventListener('abort', () => s.stop(), { once: true });
  const classes = ctx.informers.for<K<PriorityClass>>('scheduling.k8s.io', 'v1', 'priorityclasses');
  classes.addHandlers({
    onAdd: (pc) => s.onPriorityClass(pc),
    onUpdate: (_, pc) => s.onPriorityClass(pc),
    onDelete: (pc) => s.onPriorityClass(pc, true),
  });
  const budgets = ctx.informers.for<K<PodDisruptionBudget>>('policy', 'v1', 'poddisruptionbudgets');
  budgets.addHandlers({
    onAdd: (b) => s.onBudget(b),
    onUpdate: (_, b) => s.onBudget(b),
    onDelete: (b) => s.onBudget(b, true),
  });
  const namespaces = ctx.informers.for('', 'v1', 'namespaces');
  namespaces.addHandlers({
    onAdd: (ns) => s.onNamespace(ns),
    onUpdate: (_, ns) => s.onNamespace(ns),
    onDelete: (ns) => s.onNamespace(ns, true),
  });
  const nodes = ctx.informers.for<K<Node>>('', 'v1', 'nodes');
  nodes.addHandlers({
    onAdd: (n) => s.onNodeAdd(n),
    onUpdate: (o, n) => s.onNodeUpdate(o, n),
    onDelete: (n) => s.onNodeDelete(n),
  });
  // Pods are resolved against PriorityClasses, so those must be known before the first pod.
  await Promise.all([classes.hasSynced(), nodes.hasSynced()]);
  if (ctx.signal.aborted) return;
  const pods = ctx.informers.for<K<Pod>>('', 'v1', 'pods');
  pods.addHandlers({
    onAdd: (p) => s.onPodAdd(p),
    onUpdate: (o, p) => s.onPodUpdate(o, p),
    onDelete: (p) => s.onPodDelete(p),
  });
  await pods.hasSynced();
  if (ctx.signal.aborted) return;
  await s.run();
}

/** kube-scheduler's job inside skiff: places pods with schedulerName default-scheduler (or none). */
export const schedulerController: Controller = {
  name: 'scheduler',
  run: runScheduler,
};
