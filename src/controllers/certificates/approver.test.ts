import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { KUBELET_CLIENT_SIGNER } from '../../registry/certificates/helpers.js';
import { csrObject, opensslRequest } from '../../registry/certificates/testing.js';
import { approvalDecision } from './approver.js';

const BOOTSTRAP = ['system:bootstrappers', 'system:nodes', 'system:authenticated'];
const NODE = ['system:nodes', 'system:authenticated'];
const SELF = 'Auto approving self kubelet client certificate after SubjectAccessReview.';
const OTHER = 'Auto approving kubelet client certificate after SubjectAccessReview.';

let nodeReq: string;
let nodeWithSAN: string;
let notNodes: string;
let plainUser: string;
beforeAll(() => {
  nodeReq = opensslRequest('/CN=system:node:n1/O=system:nodes').csr;
  nodeWithSAN = opensslRequest('/CN=system:node:n1/O=system:nodes', { san: 'DNS:n1' }).csr;
  notNodes = opensslRequest('/CN=system:node:n1/O=system:masters').csr;
  plainUser = opensslRequest('/CN=alice/O=devs').csr;
});

interface Case {
  name: string;
  csr: () => CertificateSigningRequest;
  want: string | undefined;
}

/** A kubelet client request from `username` in `groups`. */
function kubelet(
  pem: () => string,
  username: string,
  groups: string[],
  spec: Partial<CertificateSigningRequest['spec']> = {},
): () => CertificateSigningRequest {
  return () =>
    csrObject('c', pem(), {
      signerName: KUBELET_CLIENT_SIGNER,
      usages: ['digital signature', 'client auth'],
      username,
      groups,
      ...spec,
    });
}

const cases: Case[] = [
  {
    name: 'a bootstrap token asking for a node certificate is approved',
    csr: kubelet(() => nodeReq, 'system:node-bootstrap', BOOTSTRAP),
    want: OTHER,
  },
  {
    name: 'a node renewing its own certificate is approved as self',
    csr: kubelet(() => nodeReq, 'system:node:n1', NODE),
    want: SELF,
  },
  {
    name: 'RSA usages (with key encipherment) are accepted too',
    csr: kubelet(() => nodeReq, 'system:node:n1', NODE, {
      usages: ['digital signature', 'key encipherment', 'client auth'],
    }),
    want: SELF,
  },
  {
    name: 'a node asking for another node’s certificate waits for a human',
    csr: kubelet(() => nodeReq, 'system:node:n2', NODE),
    want: undefined,
  },
  {
    name: 'a cluster admin’s kubelet request is approved',
    csr: kubelet(() => nodeReq, 'admin', ['system:masters', 'system:authenticated']),
    want: OTHER,
  },
  {
    name: 'an ordinary user’s kubelet request waits',
    csr: kubelet(() => nodeReq, 'alice', ['devs', 'system:authenticated']),
    want: undefined,
  },
  {
    name: 'a subject outside system:nodes is not a kubelet certificate',
    csr: kubelet(() => notNodes, 'system:node-bootstrap', BOOTSTRAP),
    want: undefined,
  },
  {
    name: 'subjectAltNames are not allowed in a kubelet client certificate',
    csr: kubelet(() => nodeWithSAN, 'system:node-bootstrap', BOOTSTRAP),
    want: undefined,
  },
  {
    name: 'server auth is not a kubelet client usage',
    csr: kubelet(() => nodeReq, 'system:node-bootstrap', BOOTSTRAP, {
      usages: ['digital signature', 'client auth', 'server auth'],
    }),
    want: undefined,
  },
  {
    name: 'another signer is never auto-approved',
    csr: kubelet(() => nodeReq, 'system:node-bootstrap', BOOTSTRAP, {
      signerName: 'kubernetes.io/kube-apiserver-client',
    }),
    want: undefined,
  },
  {
    name: 'a non-node subject for the kubelet signer waits',
    csr: kubelet(() => plainUser, 'system:node-bootstrap', BOOTSTRAP),
    want: undefined,
  },
  {
    name: 'an already denied request is left alone',
    csr: () => {
      const c = kubelet(() => nodeReq, 'system:node-bootstrap', BOOTSTRAP)();
      c.status = { conditions: [{ type: 'Denied', status: 'True', reason: 'KubectlDeny' }] };
      return c;
    },
    want: undefined,
  },
  {
    name: 'an already approved request is not approved twice',
    csr: () => {
      const c = kubelet(() => nodeReq, 'system:node-bootstrap', BOOTSTRAP)();
      c.status = { conditions: [{ type: 'Approved', status: 'True', reason: 'AutoApproved' }] };
      return c;
    },
    want: undefined,
  },
];

describe('approvalDecision', () => {
  it.each(cases)('$name', ({ csr, want }) => {
    expect(approvalDecision(csr())).toBe(want);
  });
});
