import { X509Certificate } from 'node:crypto';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import { API_SERVER_CLIENT_SIGNER, KUBELET_CLIENT_SIGNER } from '../../registry/certificates/helpers.js';
import { csrObject, opensslRequest } from '../../registry/certificates/testing.js';
import { csrApprovingController } from './approver.js';
import {
  certificateTTL,
  csrSigningController,
  DEFAULT_SIGNING_DURATION_SECONDS,
  signingDecision,
} from './signer.js';

type CSR = CertificateSigningRequest & KObject;

let nodeReq: string;
let userReq: string;
beforeAll(() => {
  nodeReq = opensslRequest('/CN=system:node:n1/O=system:nodes').csr;
  userReq = opensslRequest('/CN=alice/O=devs/O=ops').csr;
});

const withConditions = (c: CSR, ...types: string[]): CSR => ({
  ...c,
  status: { conditions: types.map((type) => ({ type, status: 'True' })) },
});

describe('signingDecision', () => {
  const kubelet = () =>
    csrObject('k', nodeReq, {
      signerName: KUBELET_CLIENT_SIGNER,
      usages: ['digital signature', 'client auth'],
    });
  const client = () =>
    csrObject('c', userReq, { signerName: API_SERVER_CLIENT_SIGNER, usages: ['client auth'] });
  const cases: Array<{ name: string; csr: () => CSR; want: string }> = [
    { name: 'a pending request is not signed', csr: kubelet, want: 'skip' },
    {
      name: 'an approved kubelet request is signed',
      csr: () => withConditions(kubelet(), 'Approved'),
      want: 'sign',
    },
    {
      name: 'an approved client request is signed',
      csr: () => withConditions(client(), 'Approved'),
      want: 'sign',
    },
    { name: 'a denied request is not signed', csr: () => withConditions(client(), 'Denied'), want: 'skip' },
    {
      name: 'a failed request is not signed again',
      csr: () => withConditions(client(), 'Approved', 'Failed'),
      want: 'skip',
    },
    {
      name: 'an issued request is not signed again',
      csr: () => {
        const c = withConditions(client(), 'Approved');
        c.status!.certificate = 'AAAA';
        return c;
      },
      want: 'skip',
    },
    {
      name: 'another signer’s request is left to it',
      csr: () => withConditions(csrObject('x', userReq, { signerName: 'example.com/mine' }), 'Approved'),
      want: 'skip',
    },
    {
      name: 'a kubelet request for a non-node subject fails',
      csr: () =>
        withConditions(
          csrObject('k', userReq, {
            signerName: KUBELET_CLIENT_SIGNER,
            usages: ['digital signature', 'client auth'],
          }),
          'Approved',
        ),
      want: 'fail: subject organization is not system:nodes',
    },
    {
      name: 'a client request asking for server auth fails',
      csr: () => {
        const c = withConditions(client(), 'Approved');
        c.spec.usages = ['client auth', 'server auth'];
        return c;
      },
      want: 'fail: invalid usage for client certificate: server auth',
    },
    {
      name: 'a client request without client auth fails',
      csr: () => {
        const c = withConditions(client(), 'Approved');
        c.spec.usages = ['digital signature'];
        return c;
      },
      want: 'fail: missing required usage for client certificate: client auth',
    },
  ];
  it.each(cases)('$name', ({ csr, want }) => {
    const d = signingDecision(csr());
    expect(d.action === 'fail' ? `fail: ${d.message}` : d.action).toBe(want);
  });

  it('honours the requested duration within ten minutes and the maximum', () => {
    expect(certificateTTL(undefined, DEFAULT_SIGNING_DURATION_SECONDS)).toBe(365 * 24 * 3600);
    expect(certificateTTL(3600, DEFAULT_SIGNING_DURATION_SECONDS)).toBe(3600);
    expect(certificateTTL(10 * 365 * 24 * 3600, DEFAULT_SIGNING_DURATION_SECONDS)).toBe(365 * 24 * 3600);
    expect(certificateTTL(60, 3600)).toBe(600);
  });
});

describe('csr controllers on a real API server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer([csrApprovingController, csrSigningController(() => t.server.pki.ca)]);
  });
  afterAll(async () => {
    await t?.close();
  });
  const api = () => t.client.resource<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');

  async function issued(name: string): Promise<CSR> {
    const found = await waitFor(
      async () => {
        const c = await api().get('', name);
        return c.status?.certificate ? c : undefined;
      },
      10_000,
      `certificate of ${name}`,
    );
    return found!;
  }

  it('signs an approved client request with the cluster CA for the requested duration', async () => {
    await api().create('', csrObject('alice', userReq, { expirationSeconds: 7200 }));
    await api().patch(
      '',
      'alice',
      'merge',
      {
        status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }] },
      },
      'approval',
    );
    const csr = await issued('alice');
    const cert = new X509Certificate(Buffer.from(csr.status!.certificate!, 'base64'));
    const ca = new X509Certificate(t.server.pki.ca.cert);
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject.split('\n')).toEqual(['CN=alice', 'O=devs', 'O=ops']);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.ca).toBe(false);
    // Short-lived (under 8 h): the start is backdated 5 minutes, the end is two hours from now.
    const lifetime = Date.parse(cert.validTo) - Date.parse(cert.validFrom);
    expect(lifetime).toBe(7200_000 + 300_000);
    expect(Math.abs(Date.parse(cert.validFrom) - (Date.now() - 300_000))).toBeLessThan(10_000);
    expect(csr.status?.conditions?.map((c) => c.type)).toEqual(['Approved']);
  });

  it('approves a bootstrapper’s kubelet client request and signs it for a year', async () => {
    const body = csrObject('node-n1', nodeReq, {
      signerName: KUBELET_CLIENT_SIGNER,
      usages: ['digital signature', 'client auth'],
      username: 'forged',
    });
    // As an HTTP create by the node token's user (the in-process client carries no user).
    const served = t.server.lookup('certificates.k8s.io', 'certificatesigningrequests')!;
    await t.server.storeFor(served).create('', body, {
      user: { name: 'system:node-bootstrap', groups: ['system:bootstrappers', 'system:authenticated'] },
    });
    const csr = await issued('node-n1');
    expect(csr.spec.username).toBe('system:node-bootstrap');
    expect(csr.status?.conditions).toEqual([
      expect.objectContaining({
        type: 'Approved',
        status: 'True',
        reason: 'AutoApproved',
        message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
      }),
    ]);
    const cert = new X509Certificate(Buffer.from(csr.status!.certificate!, 'base64'));
    expect(cert.subject.split('\n')).toEqual(['CN=system:node:n1', 'O=system:nodes']);
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBe(365);
    // The spec is immutable: an update cannot change the requestor.
    const next = structuredClone(csr);
    next.spec.username = 'someone-else';
    expect((await api().update('', next)).spec.username).toBe('system:node-bootstrap');
  });

  it('marks a request its signer refuses as Failed and issues nothing', async () => {
    await api().create('', csrObject('bad', userReq, { usages: ['client auth', 'server auth'] }));
    await api().patch(
      '',
      'bad',
      'merge',
      {
        status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }] },
      },
      'approval',
    );
    const csr = await waitFor(async () => {
      const c = await api().get('', 'bad');
      return c.status?.conditions?.some((x) => x.type === 'Failed') ? c : undefined;
    });
    const failed = csr!.status?.conditions?.find((c) => c.type === 'Failed');
    expect(failed).toMatchObject({
      status: 'True',
      reason: 'SignerValidationFailure',
      message: 'invalid usage for client certificate: server auth',
    });
    expect(csr!.status?.certificate).toBeUndefined();
  });

  it('does not sign a denied request', async () => {
    await api().create('', csrObject('denied', userReq));
    await api().patch(
      '',
      'denied',
      'merge',
      {
        status: { conditions: [{ type: 'Denied', status: 'True', reason: 'Test', message: 'no' }] },
      },
      'approval',
    );
    // A later request approved by hand is signed: by then the denied one had its chance too.
    await api().create('', csrObject('later', userReq));
    await api().patch(
      '',
      'later',
      'merge',
      {
        status: { conditions: [{ type: 'Approved', status: 'True', reason: 'Test', message: 'ok' }] },
      },
      'approval',
    );
    await issued('later');
    const denied = await api().get('', 'denied');
    expect(denied.status?.certificate).toBeUndefined();
    expect(denied.status?.conditions?.map((c) => c.type)).toEqual(['Denied']);
  });
});
