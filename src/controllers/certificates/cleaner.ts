/**
 * The CSR cleaner (kube-controller-manager's "csrcleaner"): a CertificateSigningRequest is a
 * request, not a record, so it is deleted once done with. Approved, denied and failed requests go
 * an hour after that decision, pending ones a day after they were made, and any whose issued
 * certificate has expired. It looks at start and then every hour.
 */
import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { isReason } from '../../api/errors.js';
import type { Controller, ControllerContext } from '../manager.js';
import type { CSR } from './csr-loop.js';

const HOUR_MS = 60 * 60 * 1000;
/** How often the cleaner looks. */
export const CLEANER_INTERVAL_MS = HOUR_MS;
const DECIDED_TTL_MS = HOUR_MS;
const PENDING_TTL_MS = 24 * HOUR_MS;

const olderThan = (stamp: string | undefined, ms: number, now: Date) =>
  stamp !== undefined && now.getTime() - Date.parse(stamp) > ms;

/** Why the cleaner deletes this CSR now, or undefined to keep it. */
export function cleanupReason(csr: CertificateSigningRequest, now: Date): string | undefined {
  const issued = csr.status?.certificate;
  if (issued) {
    try {
      const cert = new X509Certificate(Buffer.from(issued, 'base64'));
      if (Date.parse(cert.validTo) < now.getTime()) return 'its certificate has expired';
    } catch {
      // Not a certificate we can read: the signer's business, not the cleaner's.
    }
  }
  const conditions = csr.status?.conditions ?? [];
  for (const type of ['Approved', 'Denied', 'Failed']) {
    const c = conditions.find((x) => x.type === type);
    if (c && olderThan(c.lastUpdateTime ?? c.lastTransitionTime, DECIDED_TTL_MS, now))
      return `${type.toLowerCase()} more than an hour ago`;
  }
  const decided = conditions.some((c) => c.type === 'Approved' || c.type === 'Denied');
  if (!decided && olderThan(csr.metadata?.creationTimestamp, PENDING_TTL_MS, now))
    return 'pending for more than a day';
  return undefined;
}

async function cleanOnce(ctx: ControllerContext, list: () => CSR[]): Promise<void> {
  const api = ctx.client.resource<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
  const now = ctx.clock.now();
  for (const csr of list()) {
    if (!cleanupReason(csr, now)) continue;
    await api.delete('', csr.metadata.name!).catch((err) => {
      if (!isReason(err, 'NotFound')) throw err;
    });
  }
}

/** The cleaning controller. */
export const csrCleanerController: Controller = {
  name: 'csrcleaner',
  async run(ctx: ControllerContext): Promise<void> {
    const csrs = ctx.informers.for<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
    await csrs.hasSynced();
    while (!ctx.signal.aborted) {
      await cleanOnce(ctx, () => csrs.list()).catch(() => {});
      await new Promise<void>((resolve) => {
        const cancel = ctx.clock.after(CLEANER_INTERVAL_MS, resolve);
        ctx.signal.addEventListener(
          'abort',
          () => {
            cancel();
            resolve();
          },
          { once: true },
        );
      });
    }
  },
};
