/**
 * Real namespaces, real CNI plugins, a test-only bridge and pod CIDR (so a running skiff is
 * not disturbed). Traffic goes only to addresses inside the namespaces made here and to
 * loopback. Everything made here is removed in afterAll, also when a test fails.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/ports.js';
import { natTableName, removeHostNetwork, removeUnusedPortmapChains } from './host.js';
import { cleanupAll, PodNetwork, type PodNetworkOptions } from './pod-network.js';

const pid = process.pid;
const bridge = `skt${pid}`.slice(0, 15);
const third = 100 + (pid % 150);
const podCIDR = `10.244.${third}.0/24`;
const stateDir = mkdtempSync(join(tmpdir(), 'skiff-net-test-'));
const wwwDir = mkdtempSync(join(tmpdir(), 'skiff-net-www-'));
const options: PodNetworkOptions = { stateDir, podCIDR, clusterCIDR: '10.244.0.0/16', bridge };
const uid = (s: string) => `t${pid}-${s}`;
const ref = (s: string) => ({ uid: uid(s), namespace: 'default', name: `pod-${s}` });
const children: ChildProcess[] = [];
let natTableExisted = false;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 15_000 });
}

/** The command's output, or undefined when it fails (stderr dropped). */
function quiet(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      timeout: 15_000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}

/** The rules in an `nft list table` listing (not the table, chain and hook lines). */
function ruleLines(listing: string): string[] {
  return listing
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(table |chain |type |#)/.test(l) && l !== '}');
}

function netnsNames(): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns') : [];
}

/** Interfaces attached to the test bridge (pod veths). */
function bridgePorts(): string {
  try {
    return sh('ip', ['-o', 'link', 'show', 'master', bridge]).trim();
  } catch {
    return ''; // no bridge, no ports
  }
}

function ipamReservations(): string[] {
  const dir = join(stateDir, 'ipam', 'skiff');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => /^\d+\.\d+\.\d+\.\d+$/.test(f));
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host, port, path: '/', timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Starts busybox httpd inside the pod's namespace and waits until the host can fetch from it. */
async function startHttpd(netns: string, ip: string, port: number): Promise<void> {
  const child = spawn(
    'ip',
    ['netns', 'exec', netns, '/bin/busybox', 'httpd', '-f', '-p', String(port), '-h', wwwDir],
    {
      stdio: 'ignore',
    },
  );
  children.push(child);
  for (let i = 0; i < 100; i++) {
    try {
      await httpGet(ip, port);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error(`httpd in ${netns} did not answer`);
}

beforeAll(() => {
  writeFileSync(join(wwwDir, 'index.html'), 'hello from the pod\n');
  natTableExisted = quiet('nft', ['list', 'table', 'ip', 'nat']) !== undefined;
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  const errors: unknown[] = [];
  const attempt = async (fn: () => unknown) => {
    try {
      await fn();
    } catch (err) {
      errors.push(err);
    }
  };
  await attempt(() => cleanupAll(stateDir));
  await attempt(() => removeHostNetwork(bridge));
  await attempt(async () => {
    // portmap's shared chains: removed only when no other pod on this host maps a port.
    const removed = await removeUnusedPortmapChains();
    if (removed && !natTableExisted) {
      for (const family of ['ip', 'ip6']) {
        const listing = quiet('nft', ['list', 'table', family, 'nat']);
        // Only empty base chains left: the table was made for portmap by this test.
        if (listing !== undefined && ruleLines(listing).length === 0)
          sh('nft', ['delete', 'table', family, 'nat']);
      }
    }
  });
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(wwwDir, { recursive: true, force: true });
  if (errors.length > 0) throw errors[0];
});

describe('PodNetwork', () => {
  it('gives pods distinct IPs in the pod CIDR that reach each other, the host and hostPorts', async () => {
    const net = new PodNetwork(options);
    const hostPort = await freePort();
    // concurrently, and the first pods on a new bridge: the plugin creates it once
    const [a, b] = await Promise.all([
      net.setup(ref('a'), [{ hostPort, containerPort: 8080, protocol: 'TCP', hostIP: '127.0.0.1' }]),
      net.setup(ref('b'), []),
    ]);
    const prefix = `10.244.${third}.`;
    expect(a.ip.startsWith(prefix)).toBe(true);
    expect(b.ip.startsWith(prefix)).toBe(true);
    expect(a.ip).not.toBe(b.ip);
    expect(a.netnsPath).toBe(`/run/netns/skiff-${uid('a')}`);
    expect(await net.setup(ref('a'), [])).toEqual(a);

    // Loopback is up inside the namespace, eth0 carries the pod IP, the default route goes out.
    const inside = sh('ip', ['-n', `skiff-${uid('a')}`, '-o', 'addr']);
    expect(inside).toMatch(/\blo\b.*127\.0\.0\.1/);
    expect(inside).toContain(`eth0    inet ${a.ip}/24`);
    expect(sh('ip', ['-n', `skiff-${uid('a')}`, 'route'])).toContain(
      `default via 10.244.${third}.1 dev eth0`,
    );

    await startHttpd(`skiff-${uid('a')}`, a.ip, 8080);
    // the host reaches the pod IP (port-forward and probes connect this way)
    expect(await httpGet(a.ip, 8080)).toBe('hello from the pod\n');
    // pod to pod on the same node (no wget -T: busybox 1.35's wget segfaults with it)
    const fromB = sh('ip', [
      'netns',
      'exec',
      `skiff-${uid('b')}`,
      '/bin/busybox',
      'wget',
      '-q',
      '-O',
      '-',
      `http://${a.ip}:8080/`,
    ]);
    expect(fromB).toBe('hello from the pod\n');
    // a hostPort on 127.0.0.1 (portmap sets route_localnet on the bridge for it)
    expect(await httpGet('127.0.0.1', hostPort)).toBe('hello from the pod\n');
    expect(sh('iptables', ['-w', '-t', 'nat', '-S'])).toContain(`--dport ${hostPort}`);

    await net.teardown(uid('a'));
    await net.teardown(uid('b'));
    await net.teardown(uid('b')); // again: nothing left to do, no error
    expect(netnsNames().filter((n) => n.includes(String(pid)))).toEqual([]);
    expect(bridgePorts()).toBe('');
    expect(ipamReservations()).toEqual([]);
    expect(sh('iptables', ['-w', '-t', 'nat', '-S'])).not.toContain(`--dport ${hostPort}`);
    expect(await net.adopted()).toEqual([]);
  });

  it('hands pods to a new PodNetwork object (agent restart) and frees the IPs of dead ones', async () => {
    const first = new PodNetwork(options);
    const c = await first.setup(ref('c'), []);
    const d = await first.setup(ref('d'), []);
    // d's namespace vanishes behind the agent's back (as after a reboot)
    sh('ip', ['netns', 'del', `skiff-${uid('d')}`]);

    const second = new PodNetwork(options);
    expect(await second.adopted()).toEqual([{ uid: uid('c'), ip: c.ip, netnsPath: c.netnsPath }]);
    expect(ipamReservations()).toEqual([c.ip]);
    expect(await second.setup(ref('c'), [])).toEqual(c);
    await second.teardown(uid('c'));
    expect(ipamReservations()).toEqual([]);
    expect(bridgePorts()).toBe('');
    void d;
  });

  it('rejects bad input with one-line errors', async () => {
    const net = new PodNetwork(options);
    await expect(net.setup({ uid: '../x', namespace: 'a', name: 'b' }, [])).rejects.toThrow(
      'invalid pod uid',
    );
    await expect(
      net.setup(ref('e'), [{ hostPort: 70000, containerPort: 80, protocol: 'TCP' }]),
    ).rejects.toThrow('invalid port mapping');
    expect(() => new PodNetwork({ ...options, podCIDR: '10.1.2/24' })).toThrow('invalid');
    const broken = new PodNetwork({ ...options, cniBinDir: join(stateDir, 'no-plugins') });
    await expect(broken.setup(ref('f'), [])).rejects.toThrow(/CNI plugin .* not found/);
    // the failed setup left nothing behind
    expect(netnsNames()).not.toContain(`skiff-${uid('f')}`);
  });

  it('sets up and tears down fast (figures printed)', async () => {
    const net = new PodNetwork(options);
    await net.ensureHost();
    const setups: number[] = [];
    const teardowns: number[] = [];
    for (let i = 0; i < 5; i++) {
      let t = performance.now();
      await net.setup(ref(`s${i}`), []);
      setups.push(performance.now() - t);
      t = performance.now();
      await net.teardown(uid(`s${i}`));
      teardowns.push(performance.now() - t);
    }
    const port = await freePort();
    let t = performance.now();
    await net.setup(ref('pm'), [{ hostPort: port, containerPort: 80, protocol: 'TCP' }]);
    const pmSetup = performance.now() - t;
    t = performance.now();
    await net.teardown(uid('pm'));
    const pmTeardown = performance.now() - t;
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(
      JSON.stringify({
        setupMs: Math.round(median(setups)),
        teardownMs: Math.round(median(teardowns)),
        setupWithHostPortMs: Math.round(pmSetup),
        teardownWithHostPortMs: Math.round(pmTeardown),
        setups: setups.map(Math.round),
        teardowns: teardowns.map(Math.round),
      }),
    );
    expect(bridgePorts()).toBe('');
    expect(ipamReservations()).toEqual([]);
  });
});

describe('host network', () => {
  it('masquerades pod traffic leaving the cluster CIDR, in its own nftables table', async () => {
    await new PodNetwork(options).ensureHost();
    const table = sh('nft', ['list', 'table', 'ip', natTableName(bridge)]);
    expect(table).toContain(`ip saddr ${podCIDR} ip daddr != 10.244.0.0/16 masquerade`);
  });
});
