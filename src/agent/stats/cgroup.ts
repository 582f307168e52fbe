/**
 * Reading one cgroup's CPU and memory counters, on cgroup v1 (this project's CI machines: the
 * cpuacct and memory hierarchies) and v2 (the unified hierarchy), picked per controller from
 * where the kernel has it mounted. Paths are relative to each controller's mount, as the
 * runtime reports them (StreamingRuntime.cgroups).
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Raw counters of one cgroup at one moment. */
export interface CgroupSample {
  /** Cumulative CPU time, nanoseconds. */
  cpuNs?: number;
  memoryUsage?: number;
  workingSet?: number;
  rss?: number;
  pageFaults?: number;
  majorPageFaults?: number;
  /** The memory limit; undefined when unlimited. */
  memoryLimit?: number;
}

/** Where one controller lives: a v1 hierarchy's mount, or the v2 root. */
export interface ControllerMount {
  version: 1 | 2;
  root: string;
}

export interface CgroupLayout {
  cpu?: ControllerMount;
  memory?: ControllerMount;
}

/** v1 "unlimited" is a page-rounded LONG_MAX; anything this large is no limit. */
const unlimited = 2 ** 62;

/** Finds the cpuacct and memory controllers in a mountinfo text (v1 preferred where mounted). */
export function parseMountinfo(text: string): CgroupLayout {
  const layout: CgroupLayout = {};
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post) continue;
    const mountPoint = unescapeMount(pre.split(' ')[4]);
    const [fstype, , superOptions = ''] = post.split(' ');
    if (fstype === 'cgroup2') v2 ??= mountPoint;
    if (fstype !== 'cgroup') continue;
    const opts = superOptions.split(',');
    if (opts.includes('cpuacct')) layout.cpu ??= { version: 1, root: mountPoint };
    if (opts.includes('memory')) layout.memory ??= { version: 1, root: mountPoint };
  }
  if (v2) {
    // In hybrid mode the v2 mount has no controllers; only a v2 that holds them is used.
    const controllers = readControllers(v2);
    if (!layout.cpu && controllers.includes('cpu')) layout.cpu = { version: 2, root: v2 };
    if (!layout.memory && controllers.includes('memory')) layout.memory = { version: 2, root: v2 };
  }
  return layout;
}

function readControllers(root: string): string[] {
  try {
    return readFileSync(join(root, 'cgroup.controllers'), 'utf8').trim().split(/\s+/);
  } catch {
    return [];
  }
}

/** mountinfo escapes spaces and a few other characters as octal. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

export class CgroupReader {
  constructor(readonly layout: CgroupLayout) {}

  /** The layout of this machine, from /proc/self/mountinfo. */
  static detect(mountinfoPath = '/proc/self/mountinfo'): CgroupReader {
    return new CgroupReader(parseMountinfo(readFileSync(mountinfoPath, 'utf8')));
  }

  /** One cgroup's counters; undefined when it does not exist (any more) in either controller. */
  async read(path: string): Promise<CgroupSample | undefined> {
    const rel = path.replace(/^\/+/, '');
    if (rel.split('/').includes('..')) throw new Error(`invalid cgroup path "${path}"`);
    const [cpu, memory] = await Promise.all([this.readCPU(rel), this.readMemory(rel)]);
    if (!cpu && !memory) return undefined;
    return { ...cpu, ...memory };
  }

  private async readCPU(rel: string): Promise<CgroupSample | undefined> {
    const m = this.layout.cpu;
    if (!m) return undefined;
    const dir = join(m.root, rel);
    if (m.version === 1) {
      const usage = await readOptional(join(dir, 'cpuacct.usage'));
      return usage === undefined ? undefined : { cpuNs: Number(usage.trim()) };
    }
    const stat = await readOptional(join(dir, 'cpu.stat'));
    if (stat === undefined) return undefined;
    const usec = flatKeyed(stat).usage_usec;
    return { cpuNs: usec === undefined ? undefined : usec * 1000 };
  }

  private async readMemory(rel: string): Promise<CgroupSample | undefined> {
    const m = this.layout.memory;
    if (!m) return undefined;
    const dir = join(m.root, rel);
    const v1 = m.version === 1;
    const [usageText, statText, limitText] = await Promise.all([
      readOptional(join(dir, v1 ? 'memory.usage_in_bytes' : 'memory.current')),
      readOptional(join(dir, 'memory.stat')),
      readOptional(join(dir, v1 ? 'memory.limit_in_bytes' : 'memory.max')),
    ]);
    if (usageText === undefined) return undefined;
    const usage = Number(usageText.trim());
    const stat = flatKeyed(statText ?? '');
    // v1's total_* include child cgroups (a pod's containers); v2's keys always do.
    const inactiveFile = v1 ? stat.total_inactive_file : stat.inactive_file;
    const limit =
      limitText === undefined || limitText.trim() === 'max' ? undefined : Number(limitText.trim());
    return {
      memoryUsage: usage,
      workingSet: Math.max(0, usage - (inactiveFile ?? 0)),
      rss: v1 ? stat.total_rss : stat.anon,
      pageFaults: v1 ? stat.total_pgfault : stat.pgfault,
      majorPageFaults: v1 ? stat.total_pgmajfault : stat.pgmajfault,
      memoryLimit: limit !== undefined && limit < unlimited ? limit : undefined,
    };
  }
}

/** "key value" lines (memory.stat, cpu.stat) to numbers. */
export function flatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // A cgroup removed between listing and reading (a container that just exited) is not an error.
    if (code === 'ENOENT' || code === 'ENODEV' || code === 'ESRCH') return undefined;
    throw err;
  }
}
