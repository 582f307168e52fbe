/** CertificateSigningRequest controllers: automatic approval of kubelet client requests, and signing. */
export { AUTO_APPROVED_REASON, approvalDecision, csrApprovingController } from './approver.js';
export {
  certificateTTL,
  csrSigningController,
  DEFAULT_SIGNING_DURATION_SECONDS,
  type SigningDecision,
  type SigningOptions,
  signingDecision,
} from './signer.js';
