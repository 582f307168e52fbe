/**
 * The pod's /etc/hosts, as the kubelet manages it: a header, the localhost lines for IPv4 and
 * IPv6, the pod's own addresses with its hostname (and FQDN `hostname.subdomain.ns.svc.<domain>`
 * when the pod has a subdomain), then hostAliases. Host-network pods get the node's own hosts file
 * under a different header, plus their hostAliases.
 */
import { readFileSync } from 'node:fs';
import type { HostAlias, Pod } from 'kubernetes-types/core/v1.js';

const MANAGED_HEADER = '# Kubernetes-managed hosts file.\n';
const HOST_NETWORK_HEADER = '# Kubernetes-managed hosts file (host network).\n';
const HOSTNAME_MAX = 63;

export interface HostsOptions {
  /** Default 'cluster.local'. */
  clusterDomain?: string;
  /** The node's hosts file, read for host-network pods (default /etc/hosts). */
  nodeHostsPath?: string;
}

/**
 * The pod's hostname and domain (GeneratePodHostNameAndDomain): spec.hostname or the pod name,
 * cut to 63 characters without a trailing '-' or '.'; the domain only with a subdomain.
 */
export function podHostname(pod: Pod, clusterDomain = 'cluster.local'): { hostname: string; domain: string } {
  let hostname = pod.spec?.hostname || pod.metadata?.name || '';
  if (hostname.length > HOSTNAME_MAX) hostname = hostname.slice(0, HOSTNAME_MAX).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain;
  const domain = sub ? `${sub}.${pod.metadata?.namespace ?? 'default'}.svc.${clusterDomain}` : '';
  return { hostname, domain };
}

function aliasLines(aliases: HostAlias[] | undefined): string {
  if (!aliases?.length) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

/** The content of the pod's /etc/hosts. podIPs: the pod's addresses (one per family). */
export function podHostsFile(pod: Pod, podIPs: string | string[], options: HostsOptions = {}): string {
  const aliases = pod.spec?.hostAliases;
  if (pod.spec?.hostNetwork) {
    const node = readFileSync(options.nodeHostsPath ?? '/etc/hosts', 'utf8');
    return HOST_NETWORK_HEADER + node + aliasLines(aliases);
  }
  const ips = (Array.isArray(podIPs) ? podIPs : [podIPs]).filter((ip) => ip !== '');
  const { hostname, domain } = podHostname(pod, options.clusterDomain);
  let out = MANAGED_HEADER;
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of ips)
    out += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  return out + aliasLines(aliases);
}
