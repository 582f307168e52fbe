/**
 * Pod cgroups on the host, as the kubelet's cgroupfs driver lays them out: a pod's cgroup is
 * created in every v1 hierarchy (or once in the v2 tree, with its controllers enabled on the way
 * down), given the pod-level limits, and removed with everything left under it when the pod goes.
 * runc creates the containers' cgroups below it from config.json's cgroupsPath.
 */
import { readFileSync, statfsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CgroupValues, sharesToWeight } from './resources.js';

const CGROUP2_MAGIC = 0x63677270;
/** The child of a pod cgroup that holds its containers' conmon processes. */
export const CONMON_CGROUP = 'conmon';

/** Where the cgroup hierarchies are on this host. */
export interface CgroupLayout {
  version: 1 | 2;
  /**
   * v1: every hierarchy's mount point by its controllers ("cpu", "cpu,cpuacct", "name=systemd"),
   * plus "" for the hybrid cgroup2 mount; v2: "" → the unified root.
   */
  mounts: Map<string, string>;
}

/** Reads /proc/self/mountinfo; statfs of /sys/fs/cgroup decides v2 (unified) vs v1 (legacy or hybrid). */
export function detectCgroups(root = '/sys/fs/cgroup'): CgroupLayout {
  let v2 = false;
  try {
    v2 = statfsSync(root).type === CGROUP2_MAGIC;
  } catch {
    // No cgroup mount at all: treated as v1 with no hierarchies, so nothing is limited.
  }
  const mounts = new Map<string, string>();
  const info = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const line of info.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const mountPoint = left[4];
    if (!mountPoint?.startsWith(root)) continue;
    if (fstype === 'cgroup2') {
      if (v2 ? mountPoint === root : true) mounts.set('', mountPoint);
    } else if (fstype === 'cgroup' && !v2) {
      const controllers = superOpts
        .split(',')
        .filter(
          (o) =>
            !['rw', 'ro', 'relatime', 'noatime', 'nosuid', 'nodev', 'noexec', 'clone_children'].includes(o),
        )
        .filter(
          (o) =>
            !o.startsWith('release_agent') && o !== 'xattr' && o !== 'noprefix' && o !== 'cpuset_v2_mode',
        );
      if (controllers.length > 0) mounts.set(controllers.join(','), mountPoint);
    }
  }
  return { version: v2 ? 2 : 1, mounts };
}

/** The mount of the v1 hierarchy holding a controller. */
function v1Mount(layout: CgroupLayout, controller: string): string | undefined {
  for (const [key, mount] of layout.mounts) if (key.split(',').includes(controller)) return mount;
  return undefined;
}

async function write(file: string, value: string | number): Promise<void> {
  await writeFile(file, String(value));
}

async function readTrim(file: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return '';
  }
}

/** mkdir -p of a cgroup path, copying cpuset's cpus/mems into new cpuset dirs (v1 leaves them empty). */
async function ensureV1Path(mount: string, path: string, cpuset: boolean): Promise<string[]> {
  const created: string[] = [];
  let dir = mount;
  for (const part of path.split('/').filter(Boolean)) {
    const parent = dir;
    dir = join(dir, part);
    try {
      await mkdir(dir);
      created.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    if (cpuset) {
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        if ((await readTrim(join(dir, f))) === '') await write(join(dir, f), await readTrim(join(parent, f)));
      }
    }
  }
  return created;
}

async function ensureV2Path(root: string, path: string): Promise<string[]> {
  const created: string[] = [];
  let dir = root;
  for (const part of path.split('/').filter(Boolean)) {
    // Children get a controller only once their parent delegates it.
    const available = (await readTrim(join(dir, 'cgroup.controllers'))).split(/\s+/).filter(Boolean);
    const wanted = available.filter((c) => ['cpu', 'cpuset', 'memory', 'pids', 'io', 'hugetlb'].includes(c));
    for (const c of wanted) {
      // One at a time: a subtree may refuse some controllers, and runc copes with fewer.
      await write(join(dir, 'cgroup.subtree_control'), `+${c}`).catch(() => {});
    }
    dir = join(dir, part);
    try {
      await mkdir(dir);
      created.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return created;
}

/**
 * Creates the pod's cgroup (and the QoS parents when missing) and writes the pod-level values.
 * `path` is relative to each hierarchy, e.g. /kubepods/burstable/pod<uid>.
 */
export async function createPodCgroup(
  layout: CgroupLayout,
  path: string,
  values: CgroupValues,
  podsRoot: string,
): Promise<void> {
  if (layout.version === 2) {
    const root = layout.mounts.get('') ?? '/sys/fs/cgroup';
    const created = await ensureV2Path(root, path);
    const dir = join(root, path);
    if (created.some((d) => d.endsWith('/besteffort'))) {
      await write(join(created.find((d) => d.endsWith('/besteffort'))!, 'cpu.weight'), 1).catch(() => {});
    }
    await write(join(dir, 'cpu.weight'), sharesToWeight(values.cpuShares)).catch(() => {});
    if (values.cpuQuotaUs !== undefined) {
      await write(join(dir, 'cpu.max'), `${values.cpuQuotaUs} ${values.cpuPeriodUs}`);
    }
    if (values.memoryLimitBytes !== undefined) await write(join(dir, 'memory.max'), values.memoryLimitBytes);
    if (values.pidsLimit !== undefined) await write(join(dir, 'pids.max'), values.pidsLimit);
    await ensureV2Path(root, `${path}/${CONMON_CGROUP}`);
    return;
  }
  for (const [key, mount] of layout.mounts) {
    if (key === '') continue;
    const controllers = key.split(',');
    const cpuset = controllers.includes('cpuset');
    const conmonPath = controllers.includes('memory')
      ? `${podsRoot}/${CONMON_CGROUP}`
      : `${path}/${CONMON_CGROUP}`;
    await ensureV1Path(mount, conmonPath, cpuset);
    const created = await ensureV1Path(mount, path, cpuset);
    const besteffort = created.find((d) => d.endsWith('/besteffort'));
    // The kubelet gives the BestEffort class the least weight when it creates it.
    if (controllers.includes('cpu') && besteffort) await write(join(besteffort, 'cpu.shares'), 2);
  }
  const cpu = v1Mount(layout, 'cpu');
  if (cpu) {
    await write(join(cpu, path, 'cpu.shares'), values.cpuShares);
    if (values.cpuQuotaUs !== undefined) {
      await write(join(cpu, path, 'cpu.cfs_period_us'), values.cpuPeriodUs ?? 100_000);
      await write(join(cpu, path, 'cpu.cfs_quota_us'), values.cpuQuotaUs);
    }
  }
  const memory = v1Mount(layout, 'memory');
  if (memory && values.memoryLimitBytes !== undefined) {
    await write(join(memory, path, 'memory.limit_in_bytes'), values.memoryLimitBytes);
  }
  const pids = v1Mount(layout, 'pids');
  if (pids && values.pidsLimit !== undefined) await write(join(pids, path, 'pids.max'), values.pidsLimit);
}

/**
 * The cgroup.procs files conmon is moved into. conmons live in the pod (as CRI-O's conmon_cgroup
 * = "pod"), in a leaf of their own since v2 allows no processes in inner nodes, except in the v1
 * memory hierarchy: there they share `<podsRoot>/conmon`, outside every pod, as containerd's
 * shims stay out of their pods. Charged to the pod, conmon is a candidate when a container hits
 * the pod's memory limit; conmon exempts itself (oom_score_adj -1000) only where the agent holds
 * CAP_SYS_RESOURCE, and a killed conmon loses the container's exit. On v2 memory cannot be placed
 * apart, so there it stays in the pod. Out of the agent's cgroup, conmons survive a service
 * manager stopping the agent.
 */
export function conmonCgroupProcs(layout: CgroupLayout, podPath: string, podsRoot: string): string[] {
  const files: string[] = [];
  for (const [key, mount] of layout.mounts) {
    if (layout.version === 1 && key === '') continue;
    const memory = layout.version === 1 && key.split(',').includes('memory');
    files.push(join(mount, memory ? podsRoot : podPath, CONMON_CGROUP, 'cgroup.procs'));
  }
  return files;
}

/** rmdir of a cgroup and every cgroup below it, deepest first; waits out a short EBUSY. */
async function removeTree(dir: string): Promise<void> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const e of entries) await removeTree(join(dir, e));
  // A cgroup whose last task just died stays busy until the kernel has released it.
  for (let i = 0; ; i++) {
    try {
      await rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || i >= 40) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Removes the pod's cgroup (and its containers' leftovers) from every hierarchy. */
export async function removePodCgroup(layout: CgroupLayout, path: string): Promise<void> {
  const errors: string[] = [];
  for (const mount of layout.mounts.values()) {
    try {
      await removeTree(join(mount, path));
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  if (errors.length > 0) throw new Error(`removing cgroup ${path}: ${errors.join('; ')}`);
}

/** The cgroup directories of `path` that still exist, for leftover checks. */
export async function existingCgroupDirs(layout: CgroupLayout, path: string): Promise<string[]> {
  const found: string[] = [];
  for (const mount of layout.mounts.values()) {
    try {
      await readdir(join(mount, path));
      found.push(join(mount, path));
    } catch {
      // absent: good
    }
  }
  return found;
}

/** The memory controller's OOM-kill count of a container cgroup (v1 memory.oom_control, v2 memory.events). */
export async function oomKillCount(layout: CgroupLayout, path: string): Promise<number> {
  const file =
    layout.version === 2
      ? join(layout.mounts.get('') ?? '/sys/fs/cgroup', path, 'memory.events')
      : join(v1Mount(layout, 'memory') ?? '/sys/fs/cgroup/memory', path, 'memory.oom_control');
  const text = await readTrim(file);
  const m = /^oom_kill (\d+)$/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** The file holding a cgroup value, for tests and stats: v1 by controller, v2 in the one tree. */
export function cgroupFile(layout: CgroupLayout, controller: string, path: string, file: string): string {
  if (layout.version === 2) return join(layout.mounts.get('') ?? '/sys/fs/cgroup', path, file);
  return join(v1Mount(layout, controller) ?? join('/sys/fs/cgroup', controller), path, file);
}
