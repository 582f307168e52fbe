/**
 * Certificate generation with @peculiar/x509 (ECDSA P-256: milliseconds per key). Loaded only
 * when a certificate must be made, so warm starts never load the ASN.1 libraries.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { KeyPairPem } from './pki.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decode(pem)[0];
  return (await webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign'])) as unknown as CryptoKey;
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, [
    'sign',
    'verify',
  ])) as unknown as CryptoKeyPair;
}

export async function makeCA(): Promise<KeyPairPem> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=skiff-ca@${Math.floor(Date.now() / 1000)}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + tenYears),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}

export interface LeafOptions {
  subject: string;
  sans?: { dns: string[]; ips: string[] };
  usage: 'server' | 'client';
}

export async function makeLeaf(ca: KeyPairPem, opts: LeafOptions): Promise<KeyPairPem> {
  const keys = await newKeys();
  const caCert = new x509.X509Certificate(ca.cert);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension([
      opts.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
    ]),
    await x509.AuthorityKeyIdentifierExtension.create(caCert),
  ];
  if (opts.sans) {
    const names = [
      ...opts.sans.dns.map((value) => ({ type: 'dns' as const, value })),
      ...opts.sans.ips.map((value) => ({ type: 'ip' as const, value })),
    ];
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: opts.subject,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + tenYears),
    publicKey: keys.publicKey,
    signingKey: await importKey(ca.key),
    signingAlgorithm: algorithm,
    extensions,
  });
  return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey) };
}
