import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support/in-process-server.js';
import { defaultServerConfig, type RunningServer, startServer } from '../../apiserver/server.js';
import { csrObject, opensslRequest } from '../../registry/certificates/testing.js';
import { cleanupReason, csrCleanerController } from './cleaner.js';
import type { CSR } from './csr-loop.js';

const created = '2026-11-27T00:00:00Z';
const at = (iso: string) => new Date(iso);
const csr = (status?: CertificateSigningRequest['status']): CertificateSigningRequest => ({
  metadata: { name: 'c', creationTimestamp: created },
  spec: { request: '', signerName: 'kubernetes.io/kube-apiserver-client' },
  status,
});
const decided = (type: string, when: string) =>
  csr({ conditions: [{ type, status: 'True', lastUpdateTime: when, lastTransitionTime: when }] });

/** A one-day self-signed certificate, base64 of its PEM as status.certificate holds it. */
function oneDayCertificate(): string {
  const pem = execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      '/dev/null',
    ].concat(['-days', '1', '-subj', '/CN=short-lived']),
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return pem.toString('base64');
}

describe('cleanupReason (the CSR cleaner)', () => {
  it('keeps decided requests for an hour after the decision, then deletes them', () => {
    for (const type of ['Approved', 'Denied', 'Failed']) {
      const c = decided(type, '2026-11-27T10:00:00Z');
      expect(cleanupReason(c, at('2026-11-27T10:59:00Z'))).toBeUndefined();
      expect(cleanupReason(c, at('2026-11-27T11:01:00Z'))).toBe(
        `${type.toLowerCase()} more than an hour ago`,
      );
    }
  });

  it('keeps a pending request for a day after it was made', () => {
    expect(cleanupReason(csr(), at('2026-11-27T23:00:00Z'))).toBeUndefined();
    expect(cleanupReason(csr(), at('2026-11-28T00:01:00Z'))).toBe('pending for more than a day');
  });

  it('deletes a request whose issued certificate has expired', () => {
    const certificate = oneDayCertificate();
    const issued = csr({ certificate });
    expect(cleanupReason(issued, new Date())).toBeUndefined();
    expect(cleanupReason(issued, new Date(Date.now() + 2 * 24 * 3600 * 1000))).toBe(
      'its certificate has expired',
    );
  });
});

describe('csrcleaner on a real API server', () => {
  it('deletes what is done with when it starts, and keeps the rest', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'skiff-csrclean-'));
    const config = { ...defaultServerConfig(dataDir), port: 0, bindAddress: '127.0.0.1' };
    const api = (s: RunningServer) =>
      s.client.resource<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
    try {
      // First a server without the cleaner: one request denied two hours ago, one pending now.
      const before = await startServer({ ...config, controllers: [] });
      const request = opensslRequest('/CN=alice').csr;
      await api(before).create('', csrObject('old-denied', request));
      await api(before).create('', csrObject('fresh', request));
      const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      await api(before).patch(
        '',
        'old-denied',
        'merge',
        {
          status: {
            conditions: [{ type: 'Denied', status: 'True', reason: 'Test', lastUpdateTime: twoHoursAgo }],
          },
        },
        'approval',
      );
      await before.close();
      const after = await startServer({ ...config, controllers: [csrCleanerController] });
      try {
        await waitFor(
          async () => !(await api(after).list('')).items.some((c) => c.metadata.name === 'old-denied'),
          10_000,
          'old-denied deleted',
        );
        expect((await api(after).list('')).items.map((c) => c.metadata.name)).toEqual(['fresh']);
      } finally {
        await after.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
