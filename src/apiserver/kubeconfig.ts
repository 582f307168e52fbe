/**
 * Writes the admin kubeconfig: the cluster CA, the server URL and the admin client certificate.
 * Written as text (every value is a URL or base64) so start-up needs no YAML library.
 */
import { writeFileSync } from 'node:fs';
import type { ClusterPKI } from './auth/pki.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

export function kubeconfigFor(url: string, pki: ClusterPKI): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: skiff',
    '  cluster:',
    `    server: ${url}`,
    `    certificate-authority-data: ${b64(pki.ca.cert)}`,
    'contexts:',
    '- name: skiff',
    '  context:',
    '    cluster: skiff',
    '    user: admin',
    'current-context: skiff',
    'preferences: {}',
    'users:',
    '- name: admin',
    '  user:',
    `    client-certificate-data: ${b64(pki.admin.cert)}`,
    `    client-key-data: ${b64(pki.admin.key)}`,
    '',
  ].join('\n');
}

export function writeKubeconfig(path: string, url: string, pki: ClusterPKI): void {
  writeFileSync(path, kubeconfigFor(url, pki), { mode: 0o600 });
}
