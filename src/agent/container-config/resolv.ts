/**
 * The pod's /etc/resolv.conf from its dnsPolicy and dnsConfig, as the kubelet's DNS configurer
 * computes it (GetPodDNS) and a CRI runtime writes it (search, nameserver, options lines):
 * ClusterFirst uses the cluster DNS and the `ns.svc.<domain> svc.<domain> <domain>` search path
 * with ndots:5 (host-network pods fall back to Default unless ClusterFirstWithHostNet); Default
 * copies the node's resolver; None starts empty. dnsConfig entries are appended without
 * duplicates, options merged by name; limits trimmed with a DNSConfigForming warning.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';

export interface ResolvOptions {
  /** The cluster DNS service address(es), e.g. 10.43.0.10. Empty: ClusterFirst falls back to Default. */
  clusterDNS: string | string[];
  /** e.g. cluster.local; empty: no cluster search domains. */
  clusterDomain: string;
  /** The content of the node's resolver file; undefined: none configured (the kubelet's --resolv-conf=""). */
  hostResolvConf?: string;
  /** The node's IPs, for the no-resolver fallback (::1 for IPv6 nodes). */
  nodeIPs?: string[];
  /** Records a warning event on the pod (limits exceeded, cluster DNS missing). */
  warn?(reason: string, message: string): void;
}

interface DNSConfig {
  servers: string[];
  searches: string[];
  options: string[];
}

const MAX_NAMESERVERS = 3;
const MAX_SEARCH_PATHS = 32;
const MAX_SEARCH_CHARS = 2048;
const MAX_DOMAIN_LENGTH = 253;

/** Parses a resolv.conf: nameservers accumulate, the last search and options lines win. */
export function parseResolvConf(text: string): DNSConfig {
  const config: DNSConfig = { servers: [], searches: [], options: [] };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) continue;
    const fields = trimmed.split(/\s+/).filter(Boolean);
    if (fields.length === 0) continue;
    if (fields[0] === 'nameserver' && fields.length >= 2) config.servers.push(fields[1]);
    if (fields[0] === 'search') config.searches = fields.slice(1).map((s) => s.replace(/\.$/, ''));
    if (fields[0] === 'options') config.options = fields.slice(1);
  }
  return config;
}

const unique = (xs: string[]) => [...new Set(xs)];

function mergeOptions(existing: string[], extra: Array<{ name?: string; value?: string }>): string[] {
  const options = new Map<string, string>();
  for (const op of existing) {
    const at = op.indexOf(':');
    if (at >= 0) options.set(op.slice(0, at), op.slice(at + 1));
    else options.set(op, '');
  }
  for (const op of extra) options.set(op.name ?? '', op.value ?? '');
  return [...options].map(([name, value]) => (value === '' ? name : `${name}:${value}`));
}

function fitSearches(searches: string[], options: ResolvOptions): string[] {
  let exceeded = false;
  let out = searches;
  if (out.length > MAX_SEARCH_PATHS) {
    out = out.slice(0, MAX_SEARCH_PATHS);
    exceeded = true;
  }
  const short = out.filter((s) => s.length <= MAX_DOMAIN_LENGTH);
  if (short.length !== out.length) exceeded = true;
  out = short;
  let length = out.join(' ').length;
  while (length > MAX_SEARCH_CHARS && out.length > 0) {
    length -= out[out.length - 1].length + 1;
    out = out.slice(0, -1);
    exceeded = true;
  }
  if (exceeded) {
    options.warn?.(
      'DNSConfigForming',
      `Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${out.join(' ')}`,
    );
  }
  return out;
}

/** The pod's resolver configuration as a resolv.conf text. */
export function podResolvConf(pod: Pod, options: ResolvOptions): string {
  const host = options.hostResolvConf === undefined ? undefined : parseResolvConf(options.hostResolvConf);
  let config: DNSConfig = host ?? { servers: [], searches: [], options: [] };
  const clusterDNS = (Array.isArray(options.clusterDNS) ? options.clusterDNS : [options.clusterDNS]).filter(
    Boolean,
  );
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  let type: 'cluster' | 'host' | 'none';
  if (policy === 'None') type = 'none';
  else if (policy === 'ClusterFirstWithHostNet') type = 'cluster';
  else if (policy === 'Default' || (policy === 'ClusterFirst' && pod.spec?.hostNetwork)) type = 'host';
  else type = 'cluster';

  if (type === 'none') config = { servers: [], searches: [], options: [] };
  if (type === 'cluster' && clusterDNS.length === 0) {
    options.warn?.(
      'MissingClusterDNS',
      `pod: "${pod.metadata?.name}_${pod.metadata?.namespace}(${pod.metadata?.uid})". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
    );
    type = 'host';
  }
  if (type === 'cluster') {
    const domain = options.clusterDomain;
    const ns = pod.metadata?.namespace ?? 'default';
    const clusterSearch = domain ? [`${ns}.svc.${domain}`, `svc.${domain}`, domain] : [];
    config = {
      servers: [...clusterDNS],
      searches: domain ? unique([...clusterSearch, ...config.searches]) : config.searches,
      options: ['ndots:5'],
    };
  } else if (type === 'host' && host === undefined) {
    // No node resolver: point at the local machine, as the kubelet does for --resolv-conf="".
    const ips = options.nodeIPs ?? [];
    config.servers = ips.length ? ips.map((ip) => (ip.includes(':') ? '::1' : '127.0.0.1')) : ['127.0.0.1'];
    config.searches = ['.'];
  }

  const extra = pod.spec?.dnsConfig;
  if (extra) {
    config = {
      servers: unique([...config.servers, ...(extra.nameservers ?? [])]),
      searches: unique([...config.searches, ...(extra.searches ?? [])]),
      options: mergeOptions(config.options, extra.options ?? []),
    };
  }
  if (config.servers.length > MAX_NAMESERVERS) {
    config.servers = config.servers.slice(0, MAX_NAMESERVERS);
    options.warn?.(
      'DNSConfigForming',
      `Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${config.servers.join(' ')}`,
    );
  }
  config.searches = fitSearches(config.searches, options);

  let out = '';
  if (config.searches.length) out += `search ${config.searches.join(' ')}\n`;
  for (const s of config.servers) out += `nameserver ${s}\n`;
  if (config.options.length) out += `options ${config.options.join(' ')}\n`;
  return out;
}
