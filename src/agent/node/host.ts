/**
 * A real node as the host describes it: capacity from the machine (cpu, memory, disk), the
 * kernel and OS it runs, and the kubelet's eviction signals as pressure conditions
 * (memory.available < 100Mi, nodefs.available < 10%, pid.available < 5%, the kubelet's defaults).
 */
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { availableParallelism, freemem, networkInterfaces, release, totalmem } from 'node:os';
import type { NodeConfig, NodePressure } from './node-object.js';

const readText = (path: string) => (existsSync(path) ? readFileSync(path, 'utf8').trim() : '');

function osImage(): string {
  const line = readText('/etc/os-release')
    .split('\n')
    .find((l) => l.startsWith('PRETTY_NAME='));
  return line ? line.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '') : 'Linux';
}

/** Bytes free and total on the filesystem holding `dir`. */
function disk(dir: string): { free: number; total: number } {
  const s = statfsSync(dir);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
}

/** MemAvailable from /proc/meminfo (what the kubelet's memory.available derives from). */
function memoryAvailable(): number {
  const m = /MemAvailable:\s+(\d+) kB/.exec(readText('/proc/meminfo'));
  return m ? Number(m[1]) * 1024 : freemem();
}

function pidPressure(): boolean {
  const max = Number(readText('/proc/sys/kernel/pid_max')) || 32768;
  const running = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  return max - running < max * 0.05;
}

export function hostPressure(dataDir: string): NodePressure {
  const d = disk(dataDir);
  return {
    memory: memoryAvailable() < 100 * 1024 * 1024,
    disk: d.free < d.total * 0.1,
    pid: pidPressure(),
  };
}

/** The host's first non-loopback IPv4 address (the node's InternalIP unless --node-ip says otherwise). */
export function defaultNodeIP(): string {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    // Pod bridges and veths are ours, not the host's identity.
    if (name.startsWith('skiff') || name.startsWith('veth') || name.startsWith('cni')) continue;
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export interface HostNodeOptions {
  name: string;
  internalIP: string;
  kubeletPort: number;
  dataDir: string;
  labels?: Record<string, string>;
  /** Pods this node takes (kubelet's --max-pods, default 110). */
  maxPods?: number;
}

/** The NodeConfig of this machine. Its pod CIDR comes from the server (node IPAM). */
export function hostNodeConfig(o: HostNodeOptions): NodeConfig {
  const storage = disk(o.dataDir).total;
  return {
    name: o.name,
    labels: o.labels ?? {},
    capacity: {
      cpu: String(availableParallelism()),
      memory: `${Math.floor(totalmem() / 1024)}Ki`,
      pods: String(o.maxPods ?? 110),
      'ephemeral-storage': `${Math.floor(storage / 1024)}Ki`,
    },
    podCIDR: '',
    internalIP: o.internalIP,
    virtual: false,
    kubeletPort: o.kubeletPort,
    systemInfo: {
      kernelVersion: release(),
      osImage: osImage(),
      machineID: readText('/etc/machine-id') || undefined,
      bootID: readText('/proc/sys/kernel/random/boot_id') || undefined,
    },
    pressure: () => hostPressure(o.dataDir),
  };
}
