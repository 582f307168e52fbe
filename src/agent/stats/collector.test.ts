/**
 * A real v1 cgroup pair (cpuacct + memory) made by the test, with a pod cgroup and a
 * container cgroup inside it, and a process in the container's that holds some memory and
 * burns CPU. Everything is killed and removed in afterAll, also when a test fails.
 * The v2 reader runs on a directory laid out like a v2 cgroup (this machine mounts v1).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupReader, parseMountinfo } from './cgroup.js';
import { StatsCollector, type StatsPod } from './collector.js';
import { parseCPU, parseMeminfo } from './node.js';

const reader = CgroupReader.detect();
const v1 = reader.layout.cpu?.version === 1 && reader.layout.memory?.version === 1;
const podPath = `/skiff-stats-test-${process.pid}`;
const containerPath = `${podPath}/burner`;
const roots = v1 ? [reader.layout.cpu!.root, reader.layout.memory!.root] : [];
let burner: ChildProcess | undefined;

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

beforeAll(async () => {
  for (const root of roots) mkdirSync(join(root, containerPath), { recursive: true });
  const procs = roots.map((r) => join(r, containerPath, 'cgroup.procs'));
  // The shell moves itself into both cgroups before it allocates, so every page is charged there.
  const script = [
    ...procs.map((p) => `echo $$ > ${p}`),
    // ~4 MB held in a variable, then a busy loop; `timeout` bounds it if the test dies.
    'exec /usr/bin/timeout 60 /bin/busybox sh -c \'x=$(head -c 4000000 /dev/zero | tr "\\0" a); while :; do :; done\'',
  ].join(' && ');
  burner = spawn('/bin/sh', ['-c', script], { stdio: 'ignore' });
  // wait until it is in the memory cgroup and has allocated
  for (let i = 0; i < 200; i++) {
    const usage = Number(
      readFileSync(join(reader.layout.memory!.root, containerPath, 'memory.usage_in_bytes'), 'utf8'),
    );
    if (usage > 4_000_000) break;
    await new Promise((r) => setTimeout(r, 20));
  }
});

afterAll(async () => {
  if (burner) {
    // timeout runs the loop as its child in the same cgroup: kill every process in it
    for (const root of roots) {
      const file = join(root, containerPath, 'cgroup.procs');
      if (!existsSync(file)) continue;
      for (const pid of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    burner.kill('SIGKILL');
    await waitExit(burner);
  }
  for (const root of roots) {
    for (const dir of [containerPath, podPath]) {
      const path = join(root, dir);
      for (let i = 0; i < 50 && existsSync(path); i++) {
        try {
          rmdirSync(path);
        } catch {
          await new Promise((r) => setTimeout(r, 20)); // the killed processes are still leaving
        }
      }
    }
  }
});

describe('StatsCollector on a real cgroup', () => {
  it.runIf(v1)(
    'reports CPU rates, cumulative CPU and memory for the node, the pod and its container',
    async () => {
      const pod: StatsPod = {
        uid: 'uid-1',
        name: 'burner',
        namespace: 'default',
        startTime: new Date('2026-01-01T00:00:00Z'),
        containers: [{ name: 'burner', startTime: new Date('2026-01-01T00:00:01Z') }],
      };
      const collector = new StatsCollector({
        nodeName: 'node-1',
        source: {
          pods: () => [pod],
          cgroups: (uid) =>
            uid === 'uid-1' ? { pod: podPath, containers: { burner: containerPath } } : undefined,
        },
        minWindowMs: 300,
      });
      await collector.sample();
      const first = await collector.summary(); // within the window: the same sample, no rate yet
      expect(first.pods[0].containers[0].cpu?.usageNanoCores).toBeUndefined();
      await new Promise((r) => setTimeout(r, 700));
      const s = await collector.summary();

      expect(s.node.nodeName).toBe('node-1');
      expect(Date.parse(s.node.startTime)).toBeLessThan(Date.now());
      expect(s.node.cpu?.usageCoreNanoSeconds).toBeGreaterThan(0);
      expect(s.node.cpu?.usageNanoCores).toBeGreaterThan(0);
      expect(s.node.memory?.availableBytes).toBeGreaterThan(0);
      expect(s.node.memory?.workingSetBytes).toBeLessThanOrEqual(s.node.memory!.usageBytes!);

      expect(s.pods).toHaveLength(1);
      const p = s.pods[0];
      expect(p.podRef).toEqual({ name: 'burner', namespace: 'default', uid: 'uid-1' });
      expect(p.startTime).toBe('2026-01-01T00:00:00.000Z');
      const c = p.containers[0];
      expect(c.name).toBe('burner');
      expect(c.startTime).toBe('2026-01-01T00:00:01.000Z');
      // A busy loop on a shared 2-core machine: well above idle, at most all the cores.
      expect(c.cpu!.usageNanoCores!).toBeGreaterThan(100_000_000);
      expect(c.cpu!.usageNanoCores!).toBeLessThanOrEqual(2_100_000_000);
      expect(c.cpu!.usageCoreNanoSeconds!).toBeGreaterThan(0);
      // the pod cgroup's counters include its container's
      expect(p.cpu!.usageCoreNanoSeconds!).toBeGreaterThanOrEqual(c.cpu!.usageCoreNanoSeconds!);
      expect(c.memory!.usageBytes!).toBeGreaterThan(4_000_000);
      expect(c.memory!.workingSetBytes!).toBeLessThanOrEqual(c.memory!.usageBytes!);
      expect(c.memory!.rssBytes!).toBeGreaterThan(3_000_000);
      expect(c.memory!.availableBytes).toBeUndefined(); // no limit set
      expect(p.memory!.usageBytes!).toBeGreaterThanOrEqual(c.memory!.usageBytes!);
      expect(c.cpu!.time).toBe(c.memory!.time);

      // a memory limit shows as availableBytes
      writeFileSync(
        join(reader.layout.memory!.root, containerPath, 'memory.limit_in_bytes'),
        String(512 * 1024 * 1024),
      );
      const limited = await reader.read(containerPath);
      expect(limited?.memoryLimit).toBe(512 * 1024 * 1024);
    },
  );

  it('reads nothing for a cgroup that does not exist', async () => {
    expect(await reader.read('/skiff-no-such-cgroup')).toBeUndefined();
    await expect(reader.read('/../etc')).rejects.toThrow('invalid cgroup path');
  });
});

describe('cgroup v2 reader', () => {
  const root = mkdtempSync(join(tmpdir(), 'skiff-cgv2-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads cpu.stat, memory.current, memory.stat and memory.max', async () => {
    const dir = join(root, 'kubepods', 'pod1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cpu.stat'), 'usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n');
    writeFileSync(join(dir, 'memory.current'), '10485760\n');
    writeFileSync(
      join(dir, 'memory.stat'),
      'anon 6291456\nfile 4194304\ninactive_file 2097152\npgfault 99\npgmajfault 3\n',
    );
    writeFileSync(join(dir, 'memory.max'), 'max\n');
    const v2 = new CgroupReader({ cpu: { version: 2, root }, memory: { version: 2, root } });
    expect(await v2.read('/kubepods/pod1')).toEqual({
      cpuNs: 1_500_000_000,
      memoryUsage: 10485760,
      workingSet: 10485760 - 2097152,
      rss: 6291456,
      pageFaults: 99,
      majorPageFaults: 3,
      memoryLimit: undefined,
    });
    writeFileSync(join(dir, 'memory.max'), '268435456\n');
    expect((await v2.read('kubepods/pod1'))?.memoryLimit).toBe(268435456);
  });

  it('finds controllers in mountinfo: v1 hierarchies first, a v2 root only when it holds them', () => {
    const text = [
      '31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct',
      '34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
      '40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
    ].join('\n');
    expect(parseMountinfo(text)).toEqual({
      cpu: { version: 1, root: '/sys/fs/cgroup/cpu,cpuacct' },
      memory: { version: 1, root: '/sys/fs/cgroup/memory' },
    });
    writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    expect(parseMountinfo(`26 1 0:22 / ${root} rw - cgroup2 cgroup2 rw,nsdelegate`)).toEqual({
      cpu: { version: 2, root },
      memory: { version: 2, root },
    });
  });
});

describe('node totals', () => {
  it('counts busy CPU time from /proc/stat in nanoseconds', () => {
    // user nice system idle iowait irq softirq steal guest guest_nice, in 1/100 s
    expect(parseCPU('cpu  100 20 30 5000 7 1 2 3 0 0\ncpu0 1 2 3 4\n')).toBe(156 * 10_000_000);
  });

  it('derives usage, working set and available memory as a kubelet does', () => {
    const meminfo = [
      'MemTotal:       1000 kB',
      'MemFree:         400 kB',
      'MemAvailable:    700 kB',
      'Inactive(file):  100 kB',
      'AnonPages:       300 kB',
    ].join('\n');
    expect(parseMeminfo(meminfo)).toEqual({
      memoryTotal: 1000 * 1024,
      memoryUsage: 600 * 1024,
      workingSet: 500 * 1024,
      rss: 300 * 1024,
      available: 500 * 1024,
    });
  });
});
