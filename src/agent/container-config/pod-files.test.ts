/** The managed /etc/hosts and resolv.conf contents, and writing them for a pod. */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { podHostsFile } from './hosts.js';
import { writePodFiles } from './pod-files.js';
import { podResolvConf } from './resolv.js';

const dir = mkdtempSync(join(tmpdir(), `skiff-podfiles-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pod = (spec: Partial<Pod['spec']> = {}, name = 'web-0'): Pod => ({
  metadata: { name, namespace: 'shop', uid: 'u1' },
  spec: { containers: [{ name: 'app' }], ...spec },
});

const LOCAL = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
].join('\n');

describe('podHostsFile', () => {
  const cases: Array<{ name: string; pod: Pod; ips: string | string[]; want: string }> = [
    {
      name: 'plain pod: its IP and name',
      pod: pod(),
      ips: '10.42.0.5',
      want: `${LOCAL}\n10.42.0.5\tweb-0\n`,
    },
    {
      name: 'hostname and subdomain: FQDN first',
      pod: pod({ hostname: 'db-1', subdomain: 'db' }),
      ips: '10.42.0.6',
      want: `${LOCAL}\n10.42.0.6\tdb-1.db.shop.svc.cluster.local\tdb-1\n`,
    },
    {
      name: 'dual stack: one line per IP',
      pod: pod(),
      ips: ['10.42.0.5', 'fd00::5'],
      want: `${LOCAL}\n10.42.0.5\tweb-0\nfd00::5\tweb-0\n`,
    },
    {
      name: 'hostAliases appended',
      pod: pod({
        hostAliases: [
          { ip: '10.1.2.3', hostnames: ['foo.local', 'bar.local'] },
          { ip: '10.1.2.4', hostnames: ['baz'] },
        ],
      }),
      ips: '10.42.0.5',
      want: `${LOCAL}\n10.42.0.5\tweb-0\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n10.1.2.4\tbaz\n`,
    },
    {
      name: 'a long pod name is cut to 63 characters without a trailing dash',
      pod: pod({}, `${'a'.repeat(62)}-bbbb`),
      ips: '10.42.0.5',
      want: `${LOCAL}\n10.42.0.5\t${'a'.repeat(62)}\n`,
    },
  ];
  it.each(cases)('$name', ({ pod: p, ips, want }) => {
    expect(podHostsFile(p, ips)).toBe(want);
  });

  it('host network: the node file under its own header, plus aliases', () => {
    const nodeHosts = join(dir, 'node-hosts');
    writeFileSync(nodeHosts, '127.0.0.1 localhost\n192.168.1.10 node-a\n');
    const p = pod({ hostNetwork: true, hostAliases: [{ ip: '10.1.2.3', hostnames: ['foo'] }] });
    expect(podHostsFile(p, '192.168.1.10', { nodeHostsPath: nodeHosts })).toBe(
      '# Kubernetes-managed hosts file (host network).\n127.0.0.1 localhost\n192.168.1.10 node-a\n\n# Entries added by HostAliases.\n10.1.2.3\tfoo\n',
    );
  });
});

describe('podResolvConf', () => {
  const host =
    '# generated\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch corp.example. lab.example\noptions edns0 timeout:2\n';
  const base = { clusterDNS: '10.43.0.10', clusterDomain: 'cluster.local', hostResolvConf: host };
  const cases: Array<{ name: string; pod: Pod; want: string }> = [
    {
      name: 'ClusterFirst: cluster DNS, cluster search then the host search, ndots:5',
      pod: pod(),
      want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.43.0.10\noptions ndots:5\n',
    },
    {
      name: 'ClusterFirst on the host network falls back to Default',
      pod: pod({ hostNetwork: true, dnsPolicy: 'ClusterFirst' }),
      want: 'search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions edns0 timeout:2\n',
    },
    {
      name: 'ClusterFirstWithHostNet keeps the cluster DNS',
      pod: pod({ hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' }),
      want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.43.0.10\noptions ndots:5\n',
    },
    {
      name: 'Default: the node resolver',
      pod: pod({ dnsPolicy: 'Default' }),
      want: 'search corp.example lab.example\nnameserver 192.168.1.1\nnameserver 192.168.1.2\noptions edns0 timeout:2\n',
    },
    {
      name: 'None: only dnsConfig',
      pod: pod({
        dnsPolicy: 'None',
        dnsConfig: {
          nameservers: ['1.1.1.1'],
          searches: ['my.dns.search.suffix'],
          options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }],
        },
      }),
      want: 'search my.dns.search.suffix\nnameserver 1.1.1.1\noptions ndots:2 edns0\n',
    },
    {
      name: 'ClusterFirst + dnsConfig: appended without duplicates, options merged by name',
      pod: pod({
        dnsConfig: {
          nameservers: ['10.43.0.10', '1.1.1.1'],
          searches: ['svc.cluster.local', 'extra.example'],
          options: [{ name: 'ndots', value: '2' }, { name: 'single-request' }],
        },
      }),
      want: 'search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example extra.example\nnameserver 10.43.0.10\nnameserver 1.1.1.1\noptions ndots:2 single-request\n',
    },
  ];
  it.each(cases)('$name', ({ pod: p, want }) => {
    expect(podResolvConf(p, base)).toBe(want);
  });

  it('more than three nameservers are cut with a DNSConfigForming warning', () => {
    const warnings: string[] = [];
    const p = pod({
      dnsPolicy: 'None',
      dnsConfig: { nameservers: ['1.1.1.1', '2.2.2.2', '3.3.3.3', '4.4.4.4'] },
    });
    const text = podResolvConf(p, { ...base, warn: (r, m) => warnings.push(`${r}: ${m}`) });
    expect(text).toBe('nameserver 1.1.1.1\nnameserver 2.2.2.2\nnameserver 3.3.3.3\n');
    expect(warnings).toEqual([
      'DNSConfigForming: Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: 1.1.1.1 2.2.2.2 3.3.3.3',
    ]);
  });

  it('no node resolver configured: Default points at the local machine', () => {
    expect(
      podResolvConf(pod({ dnsPolicy: 'Default' }), {
        clusterDNS: '10.43.0.10',
        clusterDomain: 'cluster.local',
      }),
    ).toBe('search .\nnameserver 127.0.0.1\n');
  });
});

describe('writePodFiles', () => {
  it('writes etc-hosts, resolv.conf and hostname with mode 0644', async () => {
    const resolver = join(dir, 'host-resolv.conf');
    writeFileSync(resolver, 'nameserver 192.168.1.1\n');
    const podDir = join(dir, 'pod-u1');
    const files = await writePodFiles({
      dir: podDir,
      pod: pod({ hostname: 'db-1', subdomain: 'db', setHostnameAsFQDN: true }),
      podIPs: ['10.42.0.6'],
      clusterDNS: '10.43.0.10',
      clusterDomain: 'cluster.local',
      hostResolvConfPath: resolver,
    });
    expect(readFileSync(files.etcHostsPath, 'utf8')).toContain(
      '10.42.0.6\tdb-1.db.shop.svc.cluster.local\tdb-1\n',
    );
    expect(readFileSync(files.resolvConfPath, 'utf8')).toBe(
      'search shop.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.43.0.10\noptions ndots:5\n',
    );
    expect(readFileSync(files.hostnamePath, 'utf8')).toBe('db-1.db.shop.svc.cluster.local\n');
    for (const f of Object.values(files)) expect(statSync(f).mode & 0o777).toBe(0o644);
  });
});
