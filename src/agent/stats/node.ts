/**
 * Node-wide CPU and memory from /proc: the machine as a whole, whatever cgroup the agent runs
 * in (a kubelet reads its root cgroup, which on a v1 host is the same totals).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flatKeyed } from './cgroup.js';

export interface NodeSample {
  /** CPU time spent not idle, summed over all CPUs, nanoseconds. */
  cpuNs: number;
  memoryTotal: number;
  memoryUsage: number;
  workingSet: number;
  rss: number;
  available: number;
}

/** /proc/stat counts in USER_HZ, which Linux fixes at 100 for user space on every architecture. */
const userHz = 100;

/** Boot time, from /proc/stat's btime. */
export async function bootTime(procRoot = '/proc'): Promise<Date> {
  const stat = await readFile(join(procRoot, 'stat'), 'utf8');
  const btime = /^btime (\d+)$/m.exec(stat);
  if (!btime) throw new Error(`no btime in ${procRoot}/stat`);
  return new Date(Number(btime[1]) * 1000);
}

export async function readNodeSample(procRoot = '/proc'): Promise<NodeSample> {
  const [stat, meminfo] = await Promise.all([
    readFile(join(procRoot, 'stat'), 'utf8'),
    readFile(join(procRoot, 'meminfo'), 'utf8'),
  ]);
  return { cpuNs: parseCPU(stat), ...parseMeminfo(meminfo) };
}

/** The aggregate "cpu" line: user nice system idle iowait irq softirq steal (guest is inside user). */
export function parseCPU(stat: string): number {
  const line = /^cpu\s+(.*)$/m.exec(stat);
  if (!line) throw new Error('no cpu line in /proc/stat');
  const [user, nice, system, , , irq, softirq, steal] = line[1].trim().split(/\s+/).map(Number);
  const busy = user + nice + system + (irq || 0) + (softirq || 0) + (steal || 0);
  return (busy * 1e9) / userHz;
}

/**
 * As a kubelet derives them for the node: usage counts page cache, the working set leaves out
 * inactive file pages (reclaimable), and available is capacity less the working set.
 */
export function parseMeminfo(meminfo: string): Omit<NodeSample, 'cpuNs'> {
  const kb: Record<string, number> = flatKeyed(meminfo.replace(/:\s+/g, ' ').replace(/ kB$/gm, ''));
  const bytes = (k: string) => (kb[k] ?? 0) * 1024;
  const total = bytes('MemTotal');
  const usage = total - bytes('MemFree');
  const workingSet = Math.max(0, usage - bytes('Inactive(file)'));
  return {
    memoryTotal: total,
    memoryUsage: usage,
    workingSet,
    rss: bytes('AnonPages'),
    available: Math.max(0, total - workingSet),
  };
}
