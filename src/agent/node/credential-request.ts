/**
 * A node's key pair and certificate signing request (CN=system:node:<name>, O=system:nodes),
 * with @peculiar/x509; credential.ts loads this module only when a new credential is needed.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export async function makeRequest(nodeName: string): Promise<{ key: string; csr: string }> {
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as unknown as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    // Structured, so no character of the node name can change the subject's meaning.
    name: [{ CN: [`system:node:${nodeName}`] }, { O: ['system:nodes'] }],
    keys,
    signingAlgorithm: algorithm,
  });
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey as webcrypto.CryptoKey);
  return { key: x509.PemConverter.encode(der, 'PRIVATE KEY'), csr: csr.toString('pem') };
}
