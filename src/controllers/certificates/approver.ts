/**
 * The CSR approver (kube-controller-manager's "csrapproving", sarapprove.go): approves kubelet
 * client certificate requests whose requestor may have them. Kubernetes asks a
 * SubjectAccessReview for `certificatesigningrequests/selfnodeclient` (a node renewing its own
 * certificate) or `/nodeclient` (a bootstrap token joining a node); skiff has no RBAC yet, so the
 * default bindings kubeadm creates stand in: system:nodes may renew their own, system:bootstrappers
 * may request any node's, system:masters anything. Everything else waits for a human.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { type CertificateRequest, parseCSR } from '../../registry/certificates/csr.js';
import {
  approvalState,
  KUBELET_CLIENT_SIGNER,
  kubeletClientProblem,
} from '../../registry/certificates/helpers.js';
import type { Controller, ControllerContext } from '../manager.js';
import { runCSRLoop } from './csr-loop.js';

/** The condition reason of an automatic approval. */
export const AUTO_APPROVED_REASON = 'AutoApproved';

interface Recognizer {
  /** The subresource Kubernetes' SubjectAccessReview checks. */
  permission: 'selfnodeclient' | 'nodeclient';
  recognize(csr: CertificateSigningRequest, req: CertificateRequest): boolean;
  message: string;
}

const isNodeClientCert = (csr: CertificateSigningRequest, req: CertificateRequest) =>
  csr.spec.signerName === KUBELET_CLIENT_SIGNER && !kubeletClientProblem(req, csr.spec.usages ?? []);

/** In Kubernetes' order: a node's own renewal first, then any node's client certificate. */
const recognizers: Recognizer[] = [
  {
    permission: 'selfnodeclient',
    recognize: (csr, req) => csr.spec.username === req.commonName && isNodeClientCert(csr, req),
    message: 'Auto approving self kubelet client certificate after SubjectAccessReview.',
  },
  {
    permission: 'nodeclient',
    recognize: isNodeClientCert,
    message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
  },
];

/**
 * Stands in for the SubjectAccessReview: the permissions kubeadm's default ClusterRoleBindings
 * grant (system:certificates.k8s.io:certificatesigningrequests:nodeclient to bootstrappers,
 * :selfnodeclient to nodes), and system:masters' unlimited access.
 */
function authorized(groups: string[], permission: Recognizer['permission']): boolean {
  if (groups.includes('system:masters')) return true;
  if (permission === 'nodeclient') return groups.includes('system:bootstrappers');
  return groups.includes('system:nodes');
}

/** What the approver does with a CSR: the approval message, or undefined to leave it alone. */
export function approvalDecision(csr: CertificateSigningRequest): string | undefined {
  if (csr.status?.certificate) return undefined;
  const { approved, denied } = approvalState(csr);
  if (approved || denied) return undefined;
  let req: CertificateRequest;
  try {
    req = parseCSR(Buffer.from(csr.spec?.request ?? '', 'base64'));
  } catch {
    return undefined;
  }
  for (const r of recognizers) {
    if (r.recognize(csr, req) && authorized(csr.spec.groups ?? [], r.permission)) return r.message;
  }
  return undefined;
}

/** The approving controller. */
export const csrApprovingController: Controller = {
  name: 'csrapproving',
  run(ctx: ControllerContext): Promise<void> {
    return runCSRLoop(ctx, async (csr, api) => {
      const message = approvalDecision(csr);
      if (!message) return;
      const conditions = [
        ...(csr.status?.conditions ?? []),
        { type: 'Approved', status: 'True', reason: AUTO_APPROVED_REASON, message },
      ];
      // Pinned to the version decided on: a conflict re-queues and decides again.
      await api.patch(
        '',
        csr.metadata.name!,
        'merge',
        { metadata: { resourceVersion: csr.metadata.resourceVersion }, status: { conditions } },
        'approval',
      );
    });
  },
};
