/**
 * The node-wide part of the pod network, set up once per agent: IPv4 forwarding, and one
 * nftables table that masquerades pod traffic leaving the cluster CIDR. The bridge itself is
 * made by the bridge plugin on the first ADD (isGateway gives it the podCIDR's .1).
 *
 * Masquerading here, once, instead of the bridge plugin's `ipMasq`: ipMasq adds an iptables
 * chain per pod (several iptables runs, tens of ms, on every start and stop).
 *
 * Also the undoing, for tests and `skiff` uninstall: the table, the bridge, and the shared
 * chains portmap leaves in iptables' nat table once no pod uses them any more.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';

export interface HostNetworkConfig {
  bridge: string;
  podCIDR: string;
  clusterCIDR: string;
}

/** The nftables table (family ip) that holds this bridge's masquerade rule. */
export function natTableName(bridge: string): string {
  return `skiff-${bridge}`;
}

export async function ensureHostNetwork(config: HostNetworkConfig): Promise<void> {
  // Written only when off: where /proc/sys is read-only (inside a container) it is usually on already.
  const forward = '/proc/sys/net/ipv4/ip_forward';
  if ((await readFile(forward, 'utf8')).trim() !== '1') await writeFile(forward, '1');
  const table = natTableName(config.bridge);
  // One transaction: create-if-missing, drop, recreate, so a changed CIDR replaces the old rule.
  const ruleset = [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip saddr ${config.podCIDR} ip daddr != ${config.clusterCIDR} masquerade`,
    '  }',
    '}',
    '',
  ].join('\n');
  await run('nft', ['-f', '-'], ruleset, 'nftables');
}

/** Removes the masquerade table and the bridge; what is already gone is skipped. */
export async function removeHostNetwork(bridge: string): Promise<void> {
  const table = natTableName(bridge);
  await run('nft', ['-f', '-'], `table ip ${table}\ndelete table ip ${table}\n`, 'nftables');
  try {
    await run('ip', ['link', 'del', bridge], undefined, 'iproute2');
  } catch (err) {
    if (!/Cannot find device|does not exist/.test((err as Error).message)) throw err;
  }
}

/** portmap's chains in the nat table that live on after the last pod (portmap never deletes them). */
const portmapChains = ['CNI-HOSTPORT-DNAT', 'CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ'];

/**
 * Deletes portmap's shared chains (and the jumps to them) from the IPv4 and IPv6 nat tables
 * when no pod on this host maps a port any more; leaves them when one does.
 * Returns whether they were removed.
 */
export async function removeUnusedPortmapChains(): Promise<boolean> {
  let removed = true;
  for (const tool of ['iptables', 'ip6tables']) {
    let rules: string[];
    try {
      rules = (await run(tool, ['-w', '-t', 'nat', '-S'], undefined, 'iptables')).split('\n');
    } catch {
      continue; // no such table in this family: nothing to remove
    }
    const inUse = rules.some((r) => r.startsWith('-A CNI-HOSTPORT-DNAT ') || r.startsWith('-A CNI-DN-'));
    if (inUse) {
      removed = false;
      continue;
    }
    for (const rule of rules) {
      const jumps = portmapChains.some((c) => rule.endsWith(`-j ${c}`));
      if (!rule.startsWith('-A ') || !jumps || portmapChains.some((c) => rule.startsWith(`-A ${c} `)))
        continue;
      await run(tool, ['-w', '-t', 'nat', '-D', ...splitRule(rule.slice(3))], undefined, 'iptables');
    }
    for (const chain of portmapChains) {
      if (!rules.includes(`-N ${chain}`)) continue;
      await run(tool, ['-w', '-t', 'nat', '-F', chain], undefined, 'iptables');
      await run(tool, ['-w', '-t', 'nat', '-X', chain], undefined, 'iptables');
    }
  }
  return removed;
}

/** Splits an `iptables -S` rule into arguments, honouring its double-quoted comments. */
function splitRule(rule: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rule); m; m = re.exec(rule)) out.push(m[1] !== undefined ? m[1] : m[2]);
  return out;
}

function run(cmd: string, args: string[], input: string | undefined, pkg: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as { code?: unknown }).code === 'ENOENT')
        return reject(new Error(`${cmd} not found (install ${pkg})`));
      reject(new Error(`${cmd} ${args.join(' ')}: ${(stderr || err.message).replace(/\s+/g, ' ').trim()}`));
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}
