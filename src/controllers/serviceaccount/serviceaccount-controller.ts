/**
 * Service accounts controller (Kubernetes' serviceaccounts-controller): every active namespace
 * has a "default" ServiceAccount, created when the namespace appears and re-created if deleted.
 * Keys are namespace names; reconcile reads the namespace and the account from informers.
 */
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Controller, ControllerContext } from '../manager.js';

/** The account every namespace gets. */
export const defaultServiceAccountName = 'default';

/** True when a namespace should have the default account: it exists and is not terminating. */
export function wantsDefaultAccount(ns: KObject | undefined): boolean {
  if (!ns || ns.metadata.deletionTimestamp) return false;
  return (ns.status as { phase?: string } | undefined)?.phase !== 'Terminating';
}

/** The ServiceAccount controller. */
export const serviceAccountController: Controller = {
  name: 'serviceaccount',
  async run(ctx: ControllerContext): Promise<void> {
    const queue = new WorkQueue(ctx.clock);
    ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
    const namespaces = ctx.informers.for('', 'v1', 'namespaces');
    const accounts = ctx.informers.for('', 'v1', 'serviceaccounts');
    namespaces.addHandlers({
      onAdd: (ns) => queue.add(ns.metadata.name!),
      onUpdate: (_old, ns) => queue.add(ns.metadata.name!),
    });
    accounts.addHandlers({
      onDelete: (sa) => {
        if (sa.metadata.name === defaultServiceAccountName) queue.add(sa.metadata.namespace!);
      },
    });
    await Promise.all([namespaces.hasSynced(), accounts.hasSynced()]);
    const sas = ctx.client.resource('', 'v1', 'serviceaccounts');
    await runWorkers(queue, 2, async (name) => {
      if (!wantsDefaultAccount(namespaces.get(name))) return;
      if (accounts.get(`${name}/${defaultServiceAccountName}`)) return;
      const sa = {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: defaultServiceAccountName, namespace: name },
      };
      await sas.create(name, sa).catch((err) => {
        // Already there (our informer lags) or the namespace began terminating: nothing to do.
        if (isReason(err, 'AlreadyExists') || isReason(err, 'Forbidden') || isReason(err, 'NotFound')) return;
        throw err;
      });
    });
  },
};
