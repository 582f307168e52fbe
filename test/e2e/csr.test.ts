/**
 * CertificateSigningRequests and node TLS bootstrap with the real kubectl: a request made with
 * openssl and created with kubectl is listed with Kubernetes' columns, `kubectl certificate
 * approve` gets it signed by the cluster CA (and the certificate then logs kubectl in), `deny`
 * does not; bad requests answer 422; and a node's bootstrap (nodeCredential with the node token)
 * yields a system:node:<name> certificate that the API sees as that node. The API server runs in
 * this process with every controller, as `skiff server` wires them (the CSR signer gets the
 * server's CA); kubectl runs as a child process.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeCredential } from '../../src/agent/node/credential.js';
import { kubeconfigFor } from '../../src/apiserver/kubeconfig.js';
import { defaultServerConfig, type RunningServer, startServer } from '../../src/apiserver/server.js';
import { opensslRequest } from '../../src/registry/certificates/testing.js';
import { eventually, kubectlAsync } from '../support/kube.js';

let server: RunningServer;
let dataDir: string;
let work: string;
const admin = () => ({ kubeconfig: join(dataDir, 'kubeconfig.yaml') });

async function kubectl(args: string[], as = admin()): Promise<string> {
  const res = await kubectlAsync(as, args, 60_000);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res.stdout;
}

/** A CSR manifest for a PEM request, written to a file for `kubectl create -f`. */
function manifest(name: string, pem: string, spec: Record<string, unknown>): string {
  const file = join(work, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name },
      spec: { request: Buffer.from(pem).toString('base64'), ...spec },
    }),
  );
  return file;
}

const jsonpath = (name: string, path: string, as = admin()) =>
  kubectl(['get', 'csr', name, '-o', `jsonpath={${path}}`], as);

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'skiff-csr-e2e-'));
  work = mkdtempSync(join(tmpdir(), 'skiff-csr-work-'));
  server = await startServer({ ...defaultServerConfig(dataDir), port: 0, bindAddress: '127.0.0.1' });
});

afterAll(async () => {
  try {
    await server?.close();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
});

describe('kubectl and CertificateSigningRequests', () => {
  it('lists a new request as Pending with its signer, requestor and duration', async () => {
    const { csr } = opensslRequest('/CN=alice/O=devs');
    await kubectl([
      'create',
      '-f',
      manifest('alice', csr, {
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['client auth'],
        expirationSeconds: 86400,
      }),
    ]);
    const table = await kubectl(['get', 'csr']);
    const [header, row] = table.trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual([
      'NAME',
      'AGE',
      'SIGNERNAME',
      'REQUESTOR',
      'REQUESTEDDURATION',
      'CONDITION',
    ]);
    expect(row.split(/\s+/)).toEqual([
      'alice',
      expect.stringMatching(/^\d+s$/),
      'kubernetes.io/kube-apiserver-client',
      'admin',
      '24h',
      'Pending',
    ]);
    expect(await jsonpath('alice', '.spec.groups')).toBe('["system:masters","system:authenticated"]');
  });

  it('approve gets the request signed, and the certificate logs kubectl in as its subject', async () => {
    const { csr, key } = opensslRequest('/CN=alice/O=devs');
    await kubectl([
      'create',
      '-f',
      manifest('alice2', csr, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }),
    ]);
    expect(await kubectl(['certificate', 'approve', 'alice2'])).toBe(
      'certificatesigningrequest.certificates.k8s.io/alice2 approved\n',
    );
    const encoded = await eventually(
      () => jsonpath('alice2', '.status.certificate'),
      15_000,
      'the certificate',
    );
    const certPem = Buffer.from(encoded, 'base64').toString('utf8');
    const cert = new X509Certificate(certPem);
    expect(cert.subject.split('\n')).toEqual(['CN=alice', 'O=devs']);
    expect(cert.checkIssued(new X509Certificate(server.pki.ca.cert))).toBe(true);
    const lifetimeDays = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(lifetimeDays).toBe(365);
    expect(await jsonpath('alice2', '.status.conditions[0].reason')).toBe('KubectlApprove');
    expect((await kubectl(['get', 'csr', 'alice2', '--no-headers'])).trim()).toMatch(/\sApproved,Issued$/);
    // openssl agrees the chain holds.
    writeFileSync(join(work, 'alice.crt'), certPem);
    writeFileSync(join(work, 'ca.crt'), server.pki.ca.cert);
    const verify = spawnSync(
      'openssl',
      ['verify', '-CAfile', join(work, 'ca.crt'), join(work, 'alice.crt')],
      {
        encoding: 'utf8',
      },
    );
    expect(verify.stdout.trim()).toBe(`${join(work, 'alice.crt')}: OK`);

    // With the issued certificate kubectl is alice: a request she files names her.
    const aliceConfig = join(work, 'alice.kubeconfig');
    writeFileSync(aliceConfig, kubeconfigFor(server.url, { ...server.pki, admin: { cert: certPem, key } }));
    const probe = opensslRequest('/CN=probe').csr;
    await kubectl(
      [
        'create',
        '-f',
        manifest('alice-probe', probe, { signerName: 'example.com/x', usages: ['client auth'] }),
      ],
      { kubeconfig: aliceConfig },
    );
    expect(await jsonpath('alice-probe', '.spec.username')).toBe('alice');
    expect(await jsonpath('alice-probe', '.spec.groups')).toBe('["devs","system:authenticated"]');
  });

  it('deny leaves the request unsigned, and a denied request cannot be approved', async () => {
    const { csr } = opensslRequest('/CN=mallory');
    await kubectl([
      'create',
      '-f',
      manifest('mallory', csr, {
        signerName: 'kubernetes.io/kube-apiserver-client',
        usages: ['client auth'],
      }),
    ]);
    expect(await kubectl(['certificate', 'deny', 'mallory'])).toBe(
      'certificatesigningrequest.certificates.k8s.io/mallory denied\n',
    );
    // An approved request filed after it is signed; by then the signer has seen the denied one.
    const { csr: other } = opensslRequest('/CN=bob');
    await kubectl([
      'create',
      '-f',
      manifest('bob', other, { signerName: 'kubernetes.io/kube-apiserver-client', usages: ['client auth'] }),
    ]);
    await kubectl(['certificate', 'approve', 'bob']);
    await eventually(() => jsonpath('bob', '.status.certificate'), 15_000, "bob's certificate");
    expect(await jsonpath('mallory', '.status.certificate')).toBe('');
    expect((await kubectl(['get', 'csr', 'mallory', '--no-headers'])).trim()).toMatch(/\sDenied$/);
    expect(await jsonpath('mallory', '.status.conditions[0].reason')).toBe('KubectlDeny');
    const res = await kubectlAsync(admin(), ['certificate', 'approve', 'mallory']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('certificate signing request "mallory" is already Denied');
  });

  it('refuses a request that is not a signed CSR, and one without a signer', async () => {
    let res = await kubectlAsync(admin(), [
      'create',
      '-f',
      manifest('junk', 'not a csr', { signerName: 'example.com/x', usages: ['client auth'] }),
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('spec.request: Invalid value: []byte{0x6e, 0x6f, 0x74');
    expect(res.stderr).toContain('PEM block type must be CERTIFICATE REQUEST');
    res = await kubectlAsync(admin(), [
      'create',
      '-f',
      manifest('nosigner', opensslRequest('/CN=x').csr, { usages: ['client auth'] }),
    ]);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('spec.signerName: Required value');
  });
});

describe('node TLS bootstrap', () => {
  const nodeName = `boot-${process.pid}`;
  let nodeConfig: string;

  it('the node token gets an auto-approved system:node certificate', async () => {
    const token = readFileSync(join(dataDir, 'node-token'), 'utf8').trim();
    const pair = await nodeCredential({
      serverURL: server.url,
      token,
      ca: readFileSync(join(dataDir, 'tls', 'ca.crt')),
      nodeName,
      dir: join(work, 'node-pki'),
    });
    const cert = new X509Certificate(pair.cert);
    expect(cert.subject.split('\n').sort()).toEqual([`CN=system:node:${nodeName}`, 'O=system:nodes']);
    const list = JSON.parse(await kubectl(['get', 'csr', '-o', 'json'])) as {
      items: Array<{
        metadata: { name: string };
        spec: { username: string; signerName: string; groups: string[] };
        status: { conditions?: Array<{ type: string; reason: string; message: string }> };
      }>;
    };
    const boot = list.items.filter((c) => c.spec.username === 'system:node-bootstrap');
    expect(boot).toHaveLength(1);
    expect(boot[0].spec.signerName).toBe('kubernetes.io/kube-apiserver-client-kubelet');
    expect(boot[0].spec.groups).toEqual(['system:bootstrappers', 'system:nodes', 'system:authenticated']);
    expect(boot[0].status.conditions?.[0]).toMatchObject({
      type: 'Approved',
      reason: 'AutoApproved',
      message: 'Auto approving kubelet client certificate after SubjectAccessReview.',
    });
    const row = (await kubectl(['get', 'csr', boot[0].metadata.name, '--no-headers'])).trim().split(/\s+/);
    expect(row.slice(2)).toEqual([
      'kubernetes.io/kube-apiserver-client-kubelet',
      'system:node-bootstrap',
      '<none>',
      'Approved,Issued',
    ]);
    nodeConfig = join(work, 'node.kubeconfig');
    writeFileSync(nodeConfig, kubeconfigFor(server.url, { ...server.pki, admin: pair }));
  });

  it('the API sees the node’s certificate as system:node:<name>, and approves its own renewal', async () => {
    // A renewal filed with the node's own certificate: the requestor is the node itself.
    const renewal = opensslRequest(`/CN=system:node:${nodeName}/O=system:nodes`).csr;
    await kubectl(
      [
        'create',
        '-f',
        manifest('renewal', renewal, {
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: ['digital signature', 'client auth'],
        }),
      ],
      { kubeconfig: nodeConfig },
    );
    expect(await jsonpath('renewal', '.spec.username', { kubeconfig: nodeConfig })).toBe(
      `system:node:${nodeName}`,
    );
    expect(await jsonpath('renewal', '.spec.groups')).toBe('["system:nodes","system:authenticated"]');
    await eventually(() => jsonpath('renewal', '.status.certificate'), 15_000, 'the renewed certificate');
    expect(await jsonpath('renewal', '.status.conditions[0].message')).toBe(
      'Auto approving self kubelet client certificate after SubjectAccessReview.',
    );
    // A node may not have another node's certificate approved for it.
    const other = opensslRequest('/CN=system:node:someone-else/O=system:nodes').csr;
    await kubectl(
      [
        'create',
        '-f',
        manifest('not-mine', other, {
          signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
          usages: ['digital signature', 'client auth'],
        }),
      ],
      { kubeconfig: nodeConfig },
    );
    await new Promise((r) => setTimeout(r, 1000));
    expect((await kubectl(['get', 'csr', 'not-mine', '--no-headers'])).trim()).toMatch(/\sPending$/);
  });
});
