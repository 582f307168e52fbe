// Installs the system packages skiff's features and tests need, on Debian/Ubuntu as root.
// Idempotent and quick when everything is present; elsewhere it names exactly what is missing.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** binary that proves the package is installed → Debian package. */
const needed = [
  { binary: '/usr/bin/etcd', pkg: 'etcd-server' },
  // The node agent: OCI runtime and its monitor, pod networking, images.
  { binary: '/usr/sbin/runc', pkg: 'runc' },
  { binary: '/usr/bin/conmon', pkg: 'conmon' },
  { binary: '/usr/lib/cni/bridge', pkg: 'containernetworking-plugins' },
  { binary: '/usr/sbin/iptables', pkg: 'iptables' },
  { binary: '/usr/sbin/nft', pkg: 'nftables' },
  { binary: '/usr/sbin/ip', pkg: 'iproute2' },
  // Terminals (exec -it), attach and port-forward into a pod's namespace use a small python3 helper.
  { binary: '/usr/bin/python3', pkg: 'python3-minimal' },
  { binary: '/usr/bin/skopeo', pkg: 'skopeo' },
  // Tests: images are built from busybox with umoci and served by a local registry.
  { binary: '/usr/bin/umoci', pkg: 'umoci' },
  { binary: '/bin/busybox', pkg: 'busybox-static' },
  { binary: '/usr/bin/docker-registry', pkg: 'docker-registry' },
  { binary: '/usr/bin/htpasswd', pkg: 'apache2-utils' },
];

const missing = needed.filter((n) => !existsSync(n.binary));
if (missing.length === 0) process.exit(0);
const pkgs = missing.map((m) => m.pkg);
const isRoot = process.getuid?.() === 0;
const hasApt = spawnSync('which', ['apt-get']).status === 0;
if (!isRoot || !hasApt) {
  process.stderr.write(
    `skiff: missing system packages: ${pkgs.join(' ')} (install them with: sudo apt-get install -y ${pkgs.join(' ')})\n`,
  );
  process.exit(1);
}
process.stderr.write(`skiff: installing ${pkgs.join(' ')} with apt-get\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
  stdio: 'inherit',
  env,
});
// Debian starts etcd and the registry as system services on install; skiff's tests run their own.
for (const service of ['etcd', 'docker-registry']) {
  spawnSync('systemctl', ['disable', '--now', service], { stdio: 'ignore' });
}
