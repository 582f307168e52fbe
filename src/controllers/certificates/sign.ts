/**
 * Issues a certificate for a parsed CSR with the cluster CA, as Kubernetes' authority.Sign with
 * its PermissiveSigningPolicy: the request's subject, SANs and public key; key usages and
 * extended key usages from the CSR's `usages`; not a CA; backdated 5 minutes unless short-lived;
 * never past the CA's own expiry. Uses @peculiar/x509, so the signer loads this lazily.
 */
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type { KeyPairPem } from '../../apiserver/auth/pki.js';
import type { CertificateRequest } from '../../registry/certificates/csr.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const KEY_USAGES: Record<string, x509.KeyUsageFlags> = {
  signing: x509.KeyUsageFlags.digitalSignature,
  'digital signature': x509.KeyUsageFlags.digitalSignature,
  'content commitment': x509.KeyUsageFlags.nonRepudiation,
  'key encipherment': x509.KeyUsageFlags.keyEncipherment,
  'key agreement': x509.KeyUsageFlags.keyAgreement,
  'data encipherment': x509.KeyUsageFlags.dataEncipherment,
  'cert sign': x509.KeyUsageFlags.keyCertSign,
  'crl sign': x509.KeyUsageFlags.cRLSign,
  'encipher only': x509.KeyUsageFlags.encipherOnly,
  'decipher only': x509.KeyUsageFlags.decipherOnly,
};

const EXT_KEY_USAGES: Record<string, string> = {
  any: '2.5.29.37.0',
  'server auth': '1.3.6.1.5.5.7.3.1',
  'client auth': '1.3.6.1.5.5.7.3.2',
  'code signing': '1.3.6.1.5.5.7.3.3',
  'email protection': '1.3.6.1.5.5.7.3.4',
  's/mime': '1.3.6.1.5.5.7.3.4',
  'ipsec end system': '1.3.6.1.5.5.7.3.5',
  'ipsec tunnel': '1.3.6.1.5.5.7.3.6',
  'ipsec user': '1.3.6.1.5.5.7.3.7',
  timestamping: '1.3.6.1.5.5.7.3.8',
  'ocsp signing': '1.3.6.1.5.5.7.3.9',
  'microsoft sgc': '1.3.6.1.4.1.311.10.3.3',
  'netscape sgc': '2.16.840.1.113730.4.1',
};

/** Backdating absorbs clock skew between the signer and whoever checks the certificate. */
const BACKDATE_MS = 5 * 60_000;
/** Below this lifetime the 5 minutes of backdating would be a noticeable share: no backdating. */
const SHORT_MS = 8 * 3600_000;

export interface SignOptions {
  usages: string[];
  ttlMs: number;
  now: Date;
}

/** The issued certificate as PEM; throws with Kubernetes' wording when the CA cannot sign. */
export async function signCertificate(
  ca: KeyPairPem,
  req: CertificateRequest,
  opts: SignOptions,
): Promise<string> {
  const caCert = new x509.X509Certificate(ca.cert);
  let keyUsage = 0;
  const extUsages: string[] = [];
  for (const u of opts.usages) {
    if (u in KEY_USAGES) keyUsage |= KEY_USAGES[u];
    else if (u in EXT_KEY_USAGES) {
      if (!extUsages.includes(EXT_KEY_USAGES[u])) extUsages.push(EXT_KEY_USAGES[u]);
    } else throw new Error(`unrecognized usage: ${u}`);
  }
  const now = opts.now.getTime();
  const notBefore = new Date(now - BACKDATE_MS);
  let notAfter = new Date(opts.ttlMs < SHORT_MS ? now + opts.ttlMs : notBefore.getTime() + opts.ttlMs);
  const signerNotAfter = caCert.notAfter;
  if (notAfter >= signerNotAfter) notAfter = signerNotAfter;
  if (notBefore >= signerNotAfter)
    throw new Error(`the signer has expired: NotAfter=${signerNotAfter.toISOString()}`);

  const extensions: x509.Extension[] = [new x509.BasicConstraintsExtension(false, undefined, true)];
  if (keyUsage) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (extUsages.length) extensions.push(new x509.ExtendedKeyUsageExtension(extUsages));
  const names = [
    ...req.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...req.emailAddresses.map((value) => ({ type: 'email' as const, value })),
    ...req.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...req.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  if (names.length) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(caCert));

  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const signingKey = await webcrypto.subtle.importKey(
    'pkcs8',
    x509.PemConverter.decode(ca.key)[0],
    algorithm,
    false,
    ['sign'],
  );
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: new x509.Name(new Uint8Array(req.subject)),
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey: new Uint8Array(req.publicKey),
    signingKey: signingKey as unknown as CryptoKey,
    signingAlgorithm: algorithm,
    extensions,
  });
  return cert.toString('pem');
}
