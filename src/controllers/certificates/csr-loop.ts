/**
 * The loop both CSR controllers run: one informer, a work queue of CSR names, one worker (a
 * CSR's decisions must not race), and a handler given the cached CSR and the API. A CSR deleted
 * while being handled (NotFound) is simply done.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { ResourceClient } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { ControllerContext } from '../manager.js';

export type CSR = CertificateSigningRequest & KObject;

export async function runCSRLoop(
  ctx: ControllerContext,
  handle: (csr: CSR, api: ResourceClient<CSR>) => Promise<void>,
): Promise<void> {
  const queue = new WorkQueue(ctx.clock);
  ctx.signal.addEventListener('abort', () => queue.shutDown(), { once: true });
  const csrs = ctx.informers.for<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
  const wake = (c: CSR) => queue.add(c.metadata.name!);
  csrs.addHandlers({ onAdd: wake, onUpdate: (_o, c) => wake(c) });
  await csrs.hasSynced();
  const api = ctx.client.resource<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
  await runWorkers(queue, 1, async (name) => {
    const csr = csrs.get(name);
    if (!csr) return;
    try {
      await handle(csr, api);
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
    }
  });
}
