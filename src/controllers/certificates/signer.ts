/**
 * The CSR signer (kube-controller-manager's "csrsigning"): issues approved requests for the
 * API server client signers with the cluster CA and writes status.certificate. A request the
 * signer cannot honour (a kubelet certificate for a non-node subject, a client certificate
 * asking for server auth) gets a Failed condition instead, as Kubernetes does; denied, failed
 * and unapproved requests are never signed. The CA comes from a provider called per signing,
 * so the server passes its PKI and tests their own.
 */
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KeyPairPem } from '../../apiserver/auth/pki.js';
import { type CertificateRequest, parseCSR } from '../../registry/certificates/csr.js';
import {
  API_SERVER_CLIENT_SIGNER,
  apiServerClientProblem,
  hasTrueCondition,
  isApproved,
  KUBELET_CLIENT_SIGNER,
  kubeletClientProblem,
} from '../../registry/certificates/helpers.js';
import type { Controller, ControllerContext } from '../manager.js';
import { type CSR, runCSRLoop } from './csr-loop.js';

/** kube-controller-manager's --cluster-signing-duration default: one year. */
export const DEFAULT_SIGNING_DURATION_SECONDS = 365 * 24 * 3600;
/** Requested durations below this are raised to it (twice the backdate). */
const MIN_DURATION_SECONDS = 600;

/** The signers this controller serves and the check each makes of a request. */
const signers: Record<string, (req: CertificateRequest, usages: string[]) => string | undefined> = {
  [KUBELET_CLIENT_SIGNER]: kubeletClientProblem,
  [API_SERVER_CLIENT_SIGNER]: (_req, usages) => apiServerClientProblem(usages),
};

export type SigningDecision =
  | { action: 'skip' }
  | { action: 'fail'; message: string }
  | { action: 'sign'; request: CertificateRequest; ttlSeconds: number };

/** Kubernetes' signer.duration: the requested lifetime within [10 minutes, the maximum]. */
export function certificateTTL(expirationSeconds: number | undefined, maxSeconds: number): number {
  if (expirationSeconds === undefined || expirationSeconds === null) return maxSeconds;
  if (expirationSeconds > maxSeconds) return maxSeconds;
  return Math.max(expirationSeconds, MIN_DURATION_SECONDS);
}

/** What the signer does with a CSR (pure, for tests and the controller alike). */
export function signingDecision(
  csr: CertificateSigningRequest,
  maxSeconds = DEFAULT_SIGNING_DURATION_SECONDS,
): SigningDecision {
  if (!isApproved(csr) || hasTrueCondition(csr, 'Failed') || csr.status?.certificate)
    return { action: 'skip' };
  const check = signers[csr.spec?.signerName ?? ''];
  if (!check) return { action: 'skip' };
  let request: CertificateRequest;
  try {
    request = parseCSR(Buffer.from(csr.spec.request, 'base64'));
  } catch (err) {
    return {
      action: 'fail',
      message: `unable to parse csr "${csr.metadata?.name}": ${(err as Error).message}`,
    };
  }
  const problem = check(request, csr.spec.usages ?? []);
  if (problem) return { action: 'fail', message: problem };
  return { action: 'sign', request, ttlSeconds: certificateTTL(csr.spec.expirationSeconds, maxSeconds) };
}

export interface SigningOptions {
  /** Longest lifetime issued (kube's --cluster-signing-duration); default one year. */
  maxDurationSeconds?: number;
}

/** The signing controller; `ca()` yields the cluster CA's certificate and key. */
export function csrSigningController(
  ca: () => KeyPairPem | Promise<KeyPairPem>,
  options: SigningOptions = {},
): Controller {
  const maxSeconds = options.maxDurationSeconds ?? DEFAULT_SIGNING_DURATION_SECONDS;
  return {
    name: 'csrsigning',
    run(ctx: ControllerContext): Promise<void> {
      return runCSRLoop(ctx, async (csr, api) => {
        const decision = signingDecision(csr, maxSeconds);
        if (decision.action === 'skip') return;
        const next = cloneJSON(csr) as CSR;
        next.status ??= {};
        if (decision.action === 'fail') {
          next.status.conditions = [
            ...(next.status.conditions ?? []),
            {
              type: 'Failed',
              status: 'True',
              reason: 'SignerValidationFailure',
              message: decision.message,
              lastUpdateTime: ctx.clock
                .now()
                .toISOString()
                .replace(/\.\d+Z$/, 'Z'),
            },
          ];
        } else {
          const { signCertificate } = await import('./sign.js');
          const pem = await signCertificate(await ca(), decision.request, {
            usages: csr.spec.usages ?? [],
            ttlMs: decision.ttlSeconds * 1000,
            now: ctx.clock.now(),
          });
          next.status.certificate = Buffer.from(pem).toString('base64');
        }
        await api.updateStatus('', next);
      });
    },
  };
}
