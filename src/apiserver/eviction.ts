/**
 * pods/eviction: a delete that respects PodDisruptionBudgets, as `kubectl drain` uses it. An
 * eviction a budget allows is recorded in that budget's status (disruptionsAllowed - 1 and the
 * pod in disruptedPods) in the same optimistic-concurrency write that checks it, so parallel
 * evictions cannot overdraw a budget; one it forbids gets 429, which drain retries.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { ApiError, errors, isReason } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { labelSelectorMatches } from '../registry/common/selector.js';
import { type Call, dryRun, readObject } from './call.js';
import { sendJSON } from './http.js';

interface BudgetStatus {
  disruptionsAllowed?: number;
  observedGeneration?: number;
  disruptedPods?: Record<string, string>;
}

function tooMany(message: string, cause?: string): ApiError {
  return new ApiError(
    429,
    'TooManyRequests',
    message,
    cause ? { causes: [{ reason: 'DisruptionBudget', message: cause }] } : undefined,
  );
}

/** Pods that are not running (or already going) may go without asking a budget, as in Kubernetes. */
function ignoresBudgets(pod: KObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return (
    phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp
  );
}

function budgetsFor(call: Call, pod: KObject): KObject[] {
  const pdbs = call.ctx.lookup('policy', 'poddisruptionbudgets');
  if (!pdbs) return [];
  const labels = pod.metadata.labels ?? {};
  return pdbs.cache
    .listPrefix(`${pdbs.prefix}${pod.metadata.namespace}/`)
    .map((c) => c.obj)
    .filter((pdb) => {
      const selector = (pdb.spec as { selector?: LabelSelector } | undefined)?.selector;
      // An empty selector on a policy/v1 budget selects every pod in the namespace.
      return labelSelectorMatches(selector ?? {}, labels);
    });
}

/** Takes one disruption from the budget, or throws 429 when it has none to give. */
async function takeDisruption(call: Call, pdb: KObject, podName: string, isDryRun: boolean): Promise<void> {
  const pdbs = call.ctx.lookup('policy', 'poddisruptionbudgets')!;
  const rs = call.ctx.storeFor(pdbs);
  await rs.update(
    pdb.metadata.namespace!,
    pdb.metadata.name!,
    (current) => {
      const status = (current.status ?? {}) as BudgetStatus;
      if ((status.observedGeneration ?? 0) < (current.metadata.generation ?? 0)) {
        throw tooMany(
          "Cannot evict pod as it would violate the pod's disruption budget.",
          `The disruption budget ${current.metadata.name} is still being processed by the server.`,
        );
      }
      if ((status.disruptionsAllowed ?? 0) <= 0) {
        throw tooMany(
          "Cannot evict pod as it would violate the pod's disruption budget.",
          `The disruption budget ${current.metadata.name} needs more healthy pods to allow eviction`,
        );
      }
      current.status = {
        ...status,
        disruptionsAllowed: (status.disruptionsAllowed ?? 0) - 1,
        disruptedPods: {
          ...(status.disruptedPods ?? {}),
          [podName]: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        },
      };
      // Written only if the budget is unchanged since we checked it; a concurrent eviction makes
      // the store refuse the write and this check re-runs on the new state, never overdrawing.
      return current;
    },
    { subresource: 'status', dryRun: isDryRun, patch: true },
  );
}

export async function eviction(call: Call): Promise<void> {
  const { info } = call;
  if (info.verb !== 'create') throw errors.methodNotAllowed(info.verb);
  const { obj } = await readObject(call, 'Ignore');
  const opts =
    (obj as { deleteOptions?: { gracePeriodSeconds?: number; dryRun?: string[] } }).deleteOptions ?? {};
  const isDryRun = dryRun(call.params) || (opts.dryRun ?? []).includes('All');
  const pod = (await call.rs.getLatest(info.namespace, info.name)).obj;
  if (!ignoresBudgets(pod)) {
    const budgets = budgetsFor(call, pod);
    if (budgets.length > 1) {
      throw errors.internal(
        'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      );
    }
    if (budgets.length === 1) {
      try {
        await takeDisruption(call, budgets[0], info.name, isDryRun);
      } catch (err) {
        if (isReason(err, 'Conflict'))
          throw tooMany('the disruption budget changed meanwhile; retry the eviction');
        throw err;
      }
    }
  }
  await call.rs.delete(info.namespace, info.name, {
    dryRun: isDryRun,
    gracePeriodSeconds: opts.gracePeriodSeconds,
  });
  sendJSON(call.res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
