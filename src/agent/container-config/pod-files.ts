/**
 * Writes the per-pod files containers bind-mount: the managed hosts file (`etc-hosts`, as the
 * kubelet names it in the pod directory), `resolv.conf` and `hostname`. Written once per sandbox
 * (the pod IP is known then) and shared by its containers; mode 0644 regardless of umask.
 */
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podHostname, podHostsFile } from './hosts.js';
import { podResolvConf } from './resolv.js';

export interface PodFilesOptions {
  /** The pod's directory, e.g. <root>/<podUID>. */
  dir: string;
  pod: Pod;
  podIPs: string[];
  clusterDNS: string | string[];
  clusterDomain: string;
  /** The node's resolver file (default: defaultResolvConfPath()); '' for none. */
  hostResolvConfPath?: string;
  /** The node's hosts file for host-network pods (default /etc/hosts). */
  nodeHostsPath?: string;
  nodeIPs?: string[];
  warn?(reason: string, message: string): void;
}

export interface PodFiles {
  etcHostsPath: string;
  resolvConfPath: string;
  hostnamePath: string;
}

const SYSTEMD_RESOLV_CONF = '/run/systemd/resolve/resolv.conf';

/**
 * The node's resolver file for pods: /etc/resolv.conf, unless it points at systemd-resolved's
 * local stub (127.0.0.53), which a pod's network namespace cannot reach; then the upstream list
 * systemd-resolved keeps, as the kubelet is told to use on such hosts (and k3s picks itself).
 */
export async function defaultResolvConfPath(): Promise<string> {
  const etc = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
  if (!/^\s*nameserver\s+127\./m.test(etc)) return '/etc/resolv.conf';
  return (await readFile(SYSTEMD_RESOLV_CONF, 'utf8').then(
    () => true,
    () => false,
  ))
    ? SYSTEMD_RESOLV_CONF
    : '/etc/resolv.conf';
}

async function put(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o644 });
  await chmod(path, 0o644);
}

/** Writes (or rewrites) the pod's hosts, resolv.conf and hostname files. */
export async function writePodFiles(options: PodFilesOptions): Promise<PodFiles> {
  const { dir, pod } = options;
  await mkdir(dir, { recursive: true, mode: 0o750 });
  const resolverPath = options.hostResolvConfPath ?? (await defaultResolvConfPath());
  const hostResolvConf =
    resolverPath === '' ? undefined : await readFile(resolverPath, 'utf8').catch(() => '');
  const files: PodFiles = {
    etcHostsPath: join(dir, 'etc-hosts'),
    resolvConfPath: join(dir, 'resolv.conf'),
    hostnamePath: join(dir, 'hostname'),
  };
  const hosts = podHostsFile(pod, options.podIPs, {
    clusterDomain: options.clusterDomain,
    nodeHostsPath: options.nodeHostsPath,
  });
  const resolv = podResolvConf(pod, {
    clusterDNS: options.clusterDNS,
    clusterDomain: options.clusterDomain,
    hostResolvConf,
    nodeIPs: options.nodeIPs,
    warn: options.warn,
  });
  const { hostname, domain } = podHostname(pod, options.clusterDomain);
  const name = pod.spec?.setHostnameAsFQDN && domain ? `${hostname}.${domain}` : hostname;
  await put(files.etcHostsPath, hosts);
  await put(files.resolvConfPath, resolv);
  await put(files.hostnamePath, `${name}\n`);
  return files;
}
