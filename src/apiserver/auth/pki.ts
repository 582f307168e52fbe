/**
 * The cluster's certificates, made on first start: a CA, the API server's serving certificate
 * (SANs: localhost, 127.0.0.1, the host's names and addresses, --tls-san values) and the admin
 * client certificate kubeconfig.yaml carries. ECDSA P-256 keeps generation to milliseconds, so a
 * cold start stays under a second. The API server also gets a client certificate of its own
 * (kubelet-client) to reach node agents with.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';

export interface KeyPairPem {
  cert: string;
  key: string;
}

export interface ClusterPKI {
  ca: KeyPairPem;
  server: KeyPairPem;
  admin: KeyPairPem;
  /** The API server's client certificate for node agents (logs, exec, attach, port-forward). */
  kubeletClient: KeyPairPem;
}

const generator = () => import('./pki-generate.js');

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
    ca = await (await generator()).makeCA();
    writePair(dir, 'ca', ca);
  }
  const sans = servingNames(extraSans);
  const sansFile = join(dir, 'server.sans');
  const sansText = JSON.stringify(sans);
  let server = readPair(dir, 'server');
  const wanted = existsSync(sansFile) ? readFileSync(sansFile, 'utf8') : '';
  if (!server || wanted !== sansText) {
    server = await (await generator()).makeLeaf(ca, { subject: 'CN=kube-apiserver', sans, usage: 'server' });
    writePair(dir, 'server', server);
    writeFileSync(sansFile, sansText);
  }
  let admin = readPair(dir, 'admin');
  if (!admin) {
    admin = await (await generator()).makeLeaf(ca, {
      subject: 'CN=admin, O=system:masters',
      usage: 'client',
    });
    writePair(dir, 'admin', admin);
  }
  let kubeletClient = readPair(dir, 'kubelet-client');
  if (!kubeletClient) {
    // kubeadm's apiserver-kubelet-client: agents accept this identity for pod streaming.
    kubeletClient = await issueClientCert(ca, 'kube-apiserver-kubelet-client', 'system:masters');
    writePair(dir, 'kubelet-client', kubeletClient);
  }
  return { ca, server, admin, kubeletClient };
}

/** Issues a client certificate signed by the cluster CA (used for node credentials). */
export async function issueClientCert(
  ca: KeyPairPem,
  commonName: string,
  organization?: string,
): Promise<KeyPairPem> {
  const subject = organization ? `CN=${commonName}, O=${organization}` : `CN=${commonName}`;
  return (await generator()).makeLeaf(ca, { subject, usage: 'client' });
}
