/**
 * What a real-node agent leaves on the host, scoped to one agent's data dir so a bench never
 * touches another skiff running beside it: its pods' conmons, runc state, mounts, network
 * namespaces and pod cgroups (`agentLeftovers`, `cleanupAgent`, both synchronous so they also run
 * from an exit handler). The node-wide parts skiff0 and its nftables table are shared by every
 * agent on the host: `snapshotHostNetwork` records them before the run and `restoreHostNetwork`
 * puts them back (removed if the run made them, the run's gateway address dropped otherwise).
 * `processCensus` tells which processes exist per container.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cgroupMounts } from './runc-floor.js';

const quiet = { stdio: 'ignore' as const };
const BRIDGE = 'skiff0';
const NFT_TABLE = `skiff-${BRIDGE}`;

const agentRoot = (dataDir: string) => join(dataDir, 'agent');
const runcRoot = (dataDir: string) => join(agentRoot(dataDir), 'runtime', 'runc');

const ls = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

/** Pod uids the agent holds runtime or network state for. */
function podUIDs(dataDir: string): string[] {
  const uids = new Set(ls(join(agentRoot(dataDir), 'runtime', 'pods')));
  for (const f of ls(join(agentRoot(dataDir), 'cni', 'pods')))
    if (f.endsWith('.json')) uids.add(f.slice(0, -5));
  return [...uids];
}

/** Pids whose command line mentions `needle`, with it (a pgrep -f that no pattern syntax can bend). */
function pidsMentioning(needle: string): Array<{ pid: number; cmd: string }> {
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const d of ls('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (cmd.includes(needle)) out.push({ pid: Number(d), cmd });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const conmonsOf = (dataDir: string) =>
  pidsMentioning(`${dataDir}/`).filter((p) => p.cmd.split(' ')[0].endsWith('conmon'));

function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => !!p && p.startsWith(`${dir}/`));
}

/** Pod cgroup directories of these uids, in every hierarchy. */
function podCgroups(uids: string[]): string[] {
  const found: string[] = [];
  for (const mnt of cgroupMounts()) {
    for (const parent of ['kubepods', 'kubepods/besteffort', 'kubepods/burstable']) {
      for (const uid of uids) {
        const dir = join(mnt, parent, `pod${uid}`);
        if (existsSync(dir)) found.push(dir);
      }
    }
  }
  return found;
}

/** What the agent's pods left behind: [] when everything was cleaned up. */
export function agentLeftovers(dataDir: string): string[] {
  const out: string[] = [];
  const uids = podUIDs(dataDir);
  for (const uid of uids) out.push(`pod state ${uid}`);
  for (const uid of uids) if (existsSync(`/run/netns/skiff-${uid}`)) out.push(`netns skiff-${uid}`);
  for (const p of conmonsOf(dataDir)) out.push(`conmon ${p.pid}`);
  for (const c of ls(runcRoot(dataDir))) out.push(`runc state ${c}`);
  for (const m of mountsUnder(dataDir)) if (!m.endsWith('/images')) out.push(`mount ${m}`);
  for (const cg of podCgroups(uids)) out.push(`cgroup ${cg}`);
  return out;
}

/** Removes every trace of the agent's pods, whatever state they were left in; then the data dir. */
export function cleanupAgent(dataDir: string): void {
  const uids = podUIDs(dataDir);
  for (const p of conmonsOf(dataDir)) spawnSync('kill', ['-9', String(p.pid)], quiet);
  for (const c of ls(runcRoot(dataDir)))
    spawnSync('runc', ['--root', runcRoot(dataDir), 'delete', '-f', c], quiet);
  for (const m of mountsUnder(dataDir).sort((a, b) => b.length - a.length))
    spawnSync('umount', ['-l', m], quiet);
  for (const uid of uids) spawnSync('ip', ['netns', 'delete', `skiff-${uid}`], quiet);
  for (const cg of podCgroups(uids).sort((a, b) => b.length - a.length))
    spawnSync('find', [cg, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], quiet);
  // Never recurse into a directory that still has a mount in it.
  if (mountsUnder(dataDir).length === 0) rmSync(dataDir, { recursive: true, force: true });
}

/** Interfaces attached to skiff0; undefined when there is no skiff0. */
function bridgeMembers(): number | undefined {
  const r = spawnSync('ip', ['-o', 'link', 'show', 'master', BRIDGE], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n').filter(Boolean).length : undefined;
}

/** The shared node-wide network state before the run. */
export interface HostNetworkSnapshot {
  bridgeExisted: boolean;
  /** `nft list table` output, or undefined when the table did not exist. */
  nftTable?: string;
  /** Cgroup hierarchies that had no /kubepods yet. */
  kubepodsMissing: string[];
}

export function snapshotHostNetwork(): HostNetworkSnapshot {
  const nft = spawnSync('nft', ['list', 'table', 'ip', NFT_TABLE], { encoding: 'utf8' });
  return {
    bridgeExisted: spawnSync('ip', ['link', 'show', BRIDGE], quiet).status === 0,
    nftTable: nft.status === 0 ? nft.stdout : undefined,
    kubepodsMissing: cgroupMounts().filter((m) => !existsSync(join(m, 'kubepods'))),
  };
}

/**
 * Puts skiff0, its nftables table and /kubepods back as they were: made by this run → removed
 * (the bridge only once nothing else is attached); there before → this run's gateway address
 * `gatewayCIDR` removed and the table's previous rules restored.
 */
export function restoreHostNetwork(s: HostNetworkSnapshot, gatewayCIDR: string): void {
  if (s.bridgeExisted) {
    spawnSync('ip', ['addr', 'del', gatewayCIDR, 'dev', BRIDGE], quiet);
  } else {
    // A deleted netns takes its veth away asynchronously: give the bridge a few seconds to empty.
    const deadline = Date.now() + 5000;
    let members = bridgeMembers();
    while (members !== undefined && members > 0 && Date.now() < deadline) {
      spawnSync('sleep', ['0.1']);
      members = bridgeMembers();
    }
    if (members === 0) spawnSync('ip', ['link', 'delete', BRIDGE], quiet);
    else spawnSync('ip', ['addr', 'del', gatewayCIDR, 'dev', BRIDGE], quiet);
  }
  const reset = `table ip ${NFT_TABLE}\ndelete table ip ${NFT_TABLE}\n`;
  spawnSync('nft', ['-f', '-'], { input: reset + (s.nftTable ?? ''), stdio: ['pipe', 'ignore', 'ignore'] });
  for (const mnt of s.kubepodsMissing) {
    const dir = join(mnt, 'kubepods');
    // rmdir only: it fails, harmlessly, on anything another agent still uses.
    for (const sub of ['besteffort', 'burstable', '']) spawnSync('rmdir', [join(dir, sub)], quiet);
  }
}

/** The processes there are per container and in the agent's own tree, at one moment. */
export interface ProcessCensus {
  /** conmon processes whose arguments name the agent's data dir. */
  conmons: number;
  /** Direct children of those conmons (the containers' init processes), by command name. */
  containerInits: Record<string, number>;
  /** Anything deeper under a conmon, or mentioning the data dir while not a conmon (e.g. runc). */
  strays: string[];
  /** The agent's own descendants by command name (helpers it keeps, not per container). */
  agentChildren: Record<string, number>;
}

function procTable(): Map<number, { ppid: number; comm: string }> {
  const table = new Map<number, { ppid: number; comm: string }>();
  for (const d of ls('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      table.set(Number(d), { ppid, comm });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

export function processCensus(agentPid: number, dataDir: string): ProcessCensus {
  const table = procTable();
  const children = (pid: number) => [...table].filter(([, p]) => p.ppid === pid).map(([c]) => c);
  const conmons = conmonsOf(dataDir).map((p) => p.pid);
  const conmonSet = new Set(conmons);
  const count = (into: Record<string, number>, pid: number) => {
    const comm = table.get(pid)?.comm ?? '?';
    into[comm] = (into[comm] ?? 0) + 1;
  };
  const containerInits: Record<string, number> = {};
  const strays: string[] = [];
  for (const c of conmons) {
    for (const init of children(c)) {
      count(containerInits, init);
      for (const deeper of children(init))
        strays.push(`${deeper} ${table.get(deeper)?.comm} under conmon ${c}`);
    }
  }
  const agentChildren: Record<string, number> = {};
  const agentTree = new Set<number>([agentPid]);
  const walk = (pid: number, depth: number) => {
    if (depth > 4) return;
    for (const c of children(pid)) {
      agentTree.add(c);
      count(agentChildren, c);
      walk(c, depth + 1);
    }
  };
  walk(agentPid, 0);
  for (const p of pidsMentioning(`${dataDir}/`)) {
    if (!conmonSet.has(p.pid) && !agentTree.has(p.pid)) strays.push(`${p.pid} ${p.cmd.slice(0, 120)}`);
  }
  return { conmons: conmons.length, containerInits, strays, agentChildren };
}
