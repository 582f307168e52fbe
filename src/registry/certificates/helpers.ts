/**
 * What Kubernetes' certificates API helpers (pkg/apis/certificates/helpers.go) decide about a
 * CertificateSigningRequest: its well-known signer names, key usages, approval state, and the
 * shape a kubelet client certificate request must have. Shared by the registry strategy, the
 * approving and signing controllers, and the agent that files the request.
 */
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
} from 'kubernetes-types/certificates/v1.js';
import type { CertificateRequest } from './csr.js';

/** Client certificates kubelets use to reach the API server (auto-approvable). */
export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
/** Client certificates for any user of the API server (never auto-approved). */
export const API_SERVER_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
/** Serving certificates of kubelets. */
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
/** v1beta1's default signer; refused by certificates/v1. */
export const LEGACY_UNKNOWN_SIGNER = 'kubernetes.io/legacy-unknown';

/** Every KeyUsage certificates/v1 accepts, sorted as Kubernetes lists them in errors. */
export const VALID_USAGES = [
  'any',
  'cert sign',
  'client auth',
  'code signing',
  'content commitment',
  'crl sign',
  'data encipherment',
  'decipher only',
  'digital signature',
  'email protection',
  'encipher only',
  'ipsec end system',
  'ipsec tunnel',
  'ipsec user',
  'key agreement',
  'key encipherment',
  'microsoft sgc',
  'netscape sgc',
  'ocsp signing',
  's/mime',
  'server auth',
  'signing',
  'timestamping',
];

const KUBELET_CLIENT_USAGES = ['client auth', 'digital signature', 'key encipherment'];
const KUBELET_CLIENT_USAGES_NO_RSA = ['client auth', 'digital signature'];

function sameSet(a: string[], b: string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((v) => y.has(v));
}

/**
 * Kubernetes' ValidateKubeletClientCSR: O=system:nodes only, CN=system:node:<name>, no SANs,
 * usages exactly {digital signature, client auth} (plus key encipherment for RSA keys).
 * Returns the reason it is not one, or undefined when it is.
 */
export function kubeletClientProblem(req: CertificateRequest, usages: string[]): string | undefined {
  if (req.organizations.length !== 1 || req.organizations[0] !== 'system:nodes')
    return 'subject organization is not system:nodes';
  if (req.dnsNames.length > 0) return 'DNS subjectAltNames are not allowed';
  if (req.emailAddresses.length > 0) return 'Email subjectAltNames are not allowed';
  if (req.ipAddresses.length > 0) return 'IP subjectAltNames are not allowed';
  if (req.uris.length > 0) return 'URI subjectAltNames are not allowed';
  if (!req.commonName.startsWith('system:node:'))
    return 'subject common name does not begin with system:node:';
  if (!sameSet(usages, KUBELET_CLIENT_USAGES) && !sameSet(usages, KUBELET_CLIENT_USAGES_NO_RSA))
    return `usages did not match [${KUBELET_CLIENT_USAGES.join(' ')}]`;
  return undefined;
}

/** Kubernetes' validAPIServerClientUsages: client auth required, only signature usages beside it. */
export function apiServerClientProblem(usages: string[]): string | undefined {
  let clientAuth = false;
  for (const u of usages) {
    if (u === 'client auth') clientAuth = true;
    else if (u !== 'digital signature' && u !== 'key encipherment')
      return `invalid usage for client certificate: ${u}`;
  }
  return clientAuth ? undefined : 'missing required usage for client certificate: client auth';
}

/** The first condition of a type, if any. */
export function conditionOf(
  csr: CertificateSigningRequest,
  type: string,
): CertificateSigningRequestCondition | undefined {
  return csr.status?.conditions?.find((c) => c.type === type);
}

/** Kubernetes' GetCertApprovalCondition: is there an Approved or a Denied condition? */
export function approvalState(csr: CertificateSigningRequest): { approved: boolean; denied: boolean } {
  let approved = false;
  let denied = false;
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Approved') approved = true;
    if (c.type === 'Denied') denied = true;
  }
  return { approved, denied };
}

/** Kubernetes' IsCertificateRequestApproved: approved and not denied. */
export function isApproved(csr: CertificateSigningRequest): boolean {
  const { approved, denied } = approvalState(csr);
  return approved && !denied;
}

/** A condition of this type with status True is present (Failed, for the signer). */
export function hasTrueCondition(csr: CertificateSigningRequest, type: string): boolean {
  return (csr.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}
