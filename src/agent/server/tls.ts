/**
 * The agent's serving certificate when none is given: self-signed (a throwaway CA and a leaf for
 * this host's names), as the kubelet makes one at start. The API server does not verify agent
 * serving certificates (kube-apiserver's default without --kubelet-certificate-authority); the
 * client-certificate check in the other direction is what protects the endpoint.
 */
import { hostname } from 'node:os';
import type { KeyPairPem } from '../../apiserver/auth/pki.js';

export async function selfSignedServing(extraNames: string[] = []): Promise<KeyPairPem> {
  const { makeCA, makeLeaf } = await import('../../apiserver/auth/pki-generate.js');
  const ca = await makeCA();
  const ips = new Set(['127.0.0.1', '::1']);
  const dns = new Set(['localhost', hostname()]);
  for (const n of extraNames) {
    if (/^[\d.]+$/.test(n) || n.includes(':')) ips.add(n);
    else dns.add(n);
  }
  return makeLeaf(ca, {
    subject: `CN=${hostname()}@skiff-agent`,
    sans: { dns: [...dns], ips: [...ips] },
    usage: 'server',
  });
}
