import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/in-process-server.js';
import type { KObject } from '../../api/object.js';
import { makeCA, makeLeaf } from '../../apiserver/auth/pki-generate.js';
import { httpClient } from '../../client/http.js';
import { csrApprovingController, csrSigningController } from '../../controllers/certificates/index.js';
import { opensslRequest } from '../../registry/certificates/testing.js';
import { credentialProblem, nodeCredential } from './credential.js';

type CSR = CertificateSigningRequest & KObject;

let t: TestServer;
let token: string;
let dir: string;
const node = `cred-${process.pid}`;

beforeAll(async () => {
  t = await startTestServer([csrApprovingController, csrSigningController(() => t.server.pki.ca)]);
  token = readFileSync(join(t.dataDir, 'node-token'), 'utf8').trim();
});
afterAll(async () => {
  await t?.close();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-cred-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const options = (extra: Partial<Parameters<typeof nodeCredential>[0]> = {}) => ({
  serverURL: t.server.url,
  token,
  ca: t.server.pki.ca.cert,
  nodeName: node,
  dir,
  timeoutMs: 15_000,
  ...extra,
});

const csrs = (server = t) =>
  server.client.resource<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
/** Requests the node token filed so far. */
const bootstrapRequests = async () =>
  (await csrs().list('')).items.filter((c) => c.spec.username === 'system:node-bootstrap').length;

describe('nodeCredential', () => {
  it('trades the join token for a system:node certificate, stored 0600, and reuses it', async () => {
    const before = await bootstrapRequests();
    const pair = await nodeCredential(options());
    const cert = new X509Certificate(pair.cert);
    expect(cert.subject.split('\n').sort()).toEqual([`CN=system:node:${node}`, 'O=system:nodes']);
    expect(cert.checkIssued(new X509Certificate(t.server.pki.ca.cert))).toBe(true);
    for (const f of ['kubelet-client.crt', 'kubelet-client.key']) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    expect(readFileSync(join(dir, 'kubelet-client.crt'), 'utf8')).toBe(pair.cert);
    expect(await bootstrapRequests()).toBe(before + 1);

    // The certificate authenticates as the node: a CSR filed with it names the node as requestor.
    const client = httpClient({
      server: t.server.url,
      ca: t.server.pki.ca.cert,
      cert: pair.cert,
      key: pair.key,
    });
    try {
      const api = client.resource<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
      const probe = await api.create('', {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name: `whoami-${node}` },
        spec: {
          request: Buffer.from(opensslRequest('/CN=probe').csr).toString('base64'),
          signerName: 'example.com/probe',
          usages: ['client auth'],
        },
      });
      expect(probe.spec.username).toBe(`system:node:${node}`);
      expect(probe.spec.groups).toEqual(['system:nodes', 'system:authenticated']);
    } finally {
      client.close();
    }

    // A restart finds the stored pair good and files nothing.
    const again = await nodeCredential(options());
    expect(again).toEqual(pair);
    expect(await bootstrapRequests()).toBe(before + 1);
  });

  it('replaces a stored certificate once it has expired', async () => {
    const first = await nodeCredential(options({ expirationSeconds: 600 }));
    const validTo = Date.parse(new X509Certificate(first.cert).validTo);
    const logs: string[] = [];
    const second = await nodeCredential(
      options({ now: () => new Date(validTo + 1000), log: (l) => logs.push(l) }),
    );
    expect(second.cert).not.toBe(first.cert);
    expect(second.key).not.toBe(first.key);
    expect(logs[0]).toMatch(/^node certificate in .* is expired at .*: requesting a new one$/);
    expect(readFileSync(join(dir, 'kubelet-client.crt'), 'utf8')).toBe(second.cert);
  });

  it('replaces a certificate from another CA or for another node', async () => {
    const otherCA = await makeCA();
    const foreign = await makeLeaf(otherCA, {
      subject: `CN=system:node:${node}, O=system:nodes`,
      usage: 'client',
    });
    expect(credentialProblem(foreign, t.server.pki.ca.cert, node, new Date())).toBe(
      'not signed by the cluster CA',
    );
    const wrongNode = await makeLeaf(t.server.pki.ca, {
      subject: 'CN=system:node:other, O=system:nodes',
      usage: 'client',
    });
    expect(credentialProblem(wrongNode, t.server.pki.ca.cert, node, new Date())).toBe(
      `issued to "CN=system:node:other, O=system:nodes", not system:node:${node}`,
    );
    expect(credentialProblem({ cert: wrongNode.cert, key: foreign.key }, t.server.pki.ca.cert, 'other')).toBe(
      'the key does not match the certificate',
    );
    writeFileSync(join(dir, 'kubelet-client.crt'), foreign.cert);
    writeFileSync(join(dir, 'kubelet-client.key'), foreign.key);
    const pair = await nodeCredential(options());
    expect(credentialProblem(pair, t.server.pki.ca.cert, node, new Date())).toBeUndefined();
  });

  it('says so when the request is denied', async () => {
    // A server that only signs: nobody approves, so a human's denial arrives first.
    const manual = await startTestServer([csrSigningController(() => manual.server.pki.ca)]);
    try {
      const deny = (async () => {
        for (let i = 0; i < 400; i++) {
          const [pending] = (await csrs(manual).list('')).items;
          if (pending) {
            await csrs(manual).patch(
              '',
              pending.metadata.name!,
              'merge',
              {
                status: {
                  conditions: [{ type: 'Denied', status: 'True', reason: 'Test', message: 'not you' }],
                },
              },
              'approval',
            );
            return;
          }
          await new Promise((r) => setTimeout(r, 25));
        }
      })();
      const manualToken = readFileSync(join(manual.dataDir, 'node-token'), 'utf8').trim();
      await expect(
        nodeCredential(
          options({ serverURL: manual.server.url, token: manualToken, ca: manual.server.pki.ca.cert }),
        ),
      ).rejects.toThrow('certificate signing request is denied, reason: Test, message: not you');
      await deny;
    } finally {
      await manual.close();
    }
  });

  it('gives up with a clear error when nobody answers', async () => {
    await expect(
      nodeCredential(options({ serverURL: 'https://127.0.0.1:1', timeoutMs: 1500 })),
    ).rejects.toThrow(/^cannot create certificate signing request: /);
  });
});
