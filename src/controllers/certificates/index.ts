/** CertificateSigningRequest controllers: automatic approval of kubelet client requests, signing, cleanup. */
export { AUTO_APPROVED_REASON, approvalDecision, csrApprovingController } from './approver.js';
export { CLEANER_INTERVAL_MS, cleanupReason, csrCleanerController } from './cleaner.js';
export {
  certificateTTL,
  csrSigningController,
  DEFAULT_SIGNING_DURATION_SECONDS,
  type SigningDecision,
  type SigningOptions,
  signingDecision,
} from './signer.js';
