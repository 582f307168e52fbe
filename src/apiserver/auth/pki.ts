/**
 * The cluster's certificates, made on first start: a CA, the API server's serving certificate
 * (SANs: localhost, 127.0.0.1, the host's names and addresses, --tls-san values) and the admin
 * client certificate kubeconfig.yaml carries. ECDSA P-256 keeps generation to milliseconds, so a
 * cold start stays under a second.
 */
import { webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface ClusterPKI {
  ca: KeyPairPem;
  server: KeyPairPem;
  admin: KeyPairPem;
}

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

async function makeCA(): Promise<KeyPairPem> {
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

interface LeafOptions {
  subject: string;
  sans?: { dns: string[]; ips: string[] };
  usage: 'server' | 'client';
}

async function makeLeaf(ca: KeyPairPem, opts: LeafOptions): Promise<KeyPairPem> {
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

/** The names the serving certificate must cover. */
export function servingNames(extraSans: string[]): { dns: string[]; ips: string[] } {
  const dns = new Set([
    'localhost',
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster.local',
    hostname(),
  ]);
  const ips = new Set(['127.0.0.1', '::1', '10.43.0.1']);
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) ips.add(a.address.split('%')[0]);
  }
  for (const san of extraSans) {
    if (/^[\d.]+$/.test(san) || san.includes(':')) ips.add(san);
    else dns.add(san);
  }
  return { dns: [...dns].sort(), ips: [...ips].sort() };
}

function readPair(dir: string, name: string): KeyPairPem | undefined {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

function writePair(dir: string, name: string, pair: KeyPairPem): void {
  writeFileSync(join(dir, `${name}.key`), pair.key, { mode: 0o600 });
  writeFileSync(join(dir, `${name}.crt`), pair.cert, { mode: 0o644 });
}

/**
 * Loads the cluster PKI from <dataDir>/tls, creating what is missing. The serving certificate
 * is remade when the wanted SANs change (a new --tls-san or address).
 */
export async function ensurePKI(dataDir: string, extraSans: string[] = []): Promise<ClusterPKI> {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca = readPair(dir, 'ca');
  if (!ca) {
    ca = await makeCA();
    writePair(dir, 'ca', ca);
  }
  const sans = servingNames(extraSans);
  const sansFile = join(dir, 'server.sans');
  const sansText = JSON.stringify(sans);
  let server = readPair(dir, 'server');
  const wanted = existsSync(sansFile) ? readFileSync(sansFile, 'utf8') : '';
  if (!server || wanted !== sansText) {
    server = await makeLeaf(ca, { subject: 'CN=kube-apiserver', sans, usage: 'server' });
    writePair(dir, 'server', server);
    writeFileSync(sansFile, sansText);
  }
  let admin = readPair(dir, 'admin');
  if (!admin) {
    admin = await makeLeaf(ca, { subject: 'CN=admin, O=system:masters', usage: 'client' });
    writePair(dir, 'admin', admin);
  }
  return { ca, server, admin };
}

/** Issues a client certificate signed by the cluster CA (used for node credentials). */
export function issueClientCert(
  ca: KeyPairPem,
  commonName: string,
  organization?: string,
): Promise<KeyPairPem> {
  const subject = organization ? `CN=${commonName}, O=${organization}` : `CN=${commonName}`;
  return makeLeaf(ca, { subject, usage: 'client' });
}
