/**
 * Test support: real certificate requests made by the openssl command (as a user would make
 * them), and CertificateSigningRequest objects around them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import type { KObject } from '../../api/object.js';

export interface OpensslRequest {
  /** PEM of the CERTIFICATE REQUEST. */
  csr: string;
  /** PEM of its private key. */
  key: string;
}

/** Key types openssl makes for a request. */
export type KeyType = 'ec' | 'rsa' | 'ed25519';

const keyArgs: Record<KeyType, string[]> = {
  ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
  rsa: ['-newkey', 'rsa:2048'],
  ed25519: ['-newkey', 'ed25519'],
};

/**
 * `openssl req -new` for a subject like "/CN=system:node:n1/O=system:nodes", optionally with a
 * subjectAltName such as "DNS:a.example,IP:10.0.0.1".
 */
export function opensslRequest(
  subject: string,
  opts: { san?: string; keyType?: KeyType } = {},
): OpensslRequest {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-csr-'));
  try {
    const args = [
      'req',
      '-new',
      ...keyArgs[opts.keyType ?? 'ec'],
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'csr.pem'),
      '-subj',
      subject,
    ];
    if (opts.san) args.push('-addext', `subjectAltName=${opts.san}`);
    const res = spawnSync('openssl', args, { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`openssl req failed: ${res.stderr}`);
    return {
      csr: readFileSync(join(dir, 'csr.pem'), 'utf8'),
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CertificateSigningRequest object for a PEM request. */
export function csrObject(
  name: string,
  pem: string,
  spec: Partial<CertificateSigningRequest['spec']> = {},
): CertificateSigningRequest & KObject {
  return {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { name },
    spec: {
      request: Buffer.from(pem).toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client',
      usages: ['client auth'],
      ...spec,
    },
  };
}
