/**
 * The pod-startup floor: what starting one container costs with nothing but the tools, driven by
 * hand from this process. One sequence is `ip netns add`, the CNI bridge (host-local IPAM) and
 * loopback ADDs (in parallel, the chain skiff runs for a pod without hostPorts), a bundle with a
 * config.json from `runc spec`, and `runc run -d` of `sleep 3600`; runc returns once the process
 * runs. The rootfs is the image's layer unpacked once and shared read-only (an overlay mount per
 * container is a few syscalls for a runtime that makes them in-process). Everything has
 * bench-only names: its own bridge, subnet, runc root, netns and cgroup prefix.
 */
import { execFile, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const CNI_BIN = '/usr/lib/cni';

export interface FloorOptions {
  /** Everything of the floor lives here (bundles, runc root, IPAM reservations). */
  workDir: string;
  /** The unpacked image rootfs, shared read-only by every container. */
  rootfs: string;
  /** Prefix of container ids, netns names and the cgroup parent (unique per run, ≤ 13 chars). */
  tag: string;
  bridge: string;
  subnet: string;
}

/** One sequence's timings, ms: from its start to the netns, the CNI result, and the running process. */
export interface FloorSample {
  netnsMs: number;
  cniMs: number;
  runcMs: number;
  totalMs: number;
  /** performance.now() when the container's process was running. */
  doneAt: number;
}

function exec(file: string, args: string[], env?: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const detail = (stderr || stdout || err.message).replace(/\s+/g, ' ').trim().slice(0, 300);
      reject(new Error(`${file} ${args.join(' ')}: ${detail}`));
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

/** Containers started by hand: the floor a container runtime cannot go under. */
export class RuncFloor {
  private readonly runcRoot: string;
  private readonly ipamDir: string;
  private template: Record<string, any> = {};

  constructor(private readonly o: FloorOptions) {
    this.runcRoot = join(o.workDir, 'runc');
    this.ipamDir = join(o.workDir, 'ipam');
  }

  /** `runc spec`'s default config, made non-interactive and pointed at the shared rootfs. */
  prepare(): void {
    const dir = join(this.o.workDir, 'spec');
    mkdirSync(dir, { recursive: true });
    mkdirSync(this.runcRoot, { recursive: true });
    const r = spawnSync('runc', ['spec', '--bundle', dir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`runc spec: ${r.stderr.trim()}`);
    const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    spec.process.terminal = false;
    spec.process.args = ['sleep', '3600'];
    spec.process.env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
    spec.root = { path: this.o.rootfs, readonly: true };
    this.template = spec;
  }

  private id(i: number | string): string {
    return `${this.o.tag}-${i}`;
  }

  private bridgeConf(): Record<string, unknown> {
    return {
      cniVersion: '1.0.0',
      name: 'skiff-bench',
      type: 'bridge',
      bridge: this.o.bridge,
      isGateway: true,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: this.o.subnet }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: this.ipamDir,
      },
    };
  }

  private cni(command: 'ADD' | 'DEL', id: string, conf: Record<string, unknown>, ifName: string) {
    const env = {
      CNI_COMMAND: command,
      CNI_CONTAINERID: id,
      CNI_NETNS: `/run/netns/${id}`,
      CNI_IFNAME: ifName,
      CNI_PATH: CNI_BIN,
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    };
    return exec(join(CNI_BIN, String(conf.type)), [], env, JSON.stringify(conf));
  }

  /** One timed sequence, from nothing to a running `sleep 3600` in its own network namespace. */
  async start(i: number | string): Promise<FloorSample> {
    const id = this.id(i);
    const bundle = join(this.o.workDir, 'bundles', id);
    const t0 = performance.now();
    await exec('ip', ['netns', 'add', id]);
    const t1 = performance.now();
    const [bridgeResult] = await Promise.all([
      this.cni('ADD', id, this.bridgeConf(), 'eth0'),
      this.cni('ADD', id, { cniVersion: '1.0.0', name: 'cni-loopback', type: 'loopback' }, 'lo'),
    ]);
    if (!/"ips"/.test(bridgeResult)) throw new Error(`bridge ADD gave no IP: ${bridgeResult.slice(0, 200)}`);
    const t2 = performance.now();
    const spec = structuredClone(this.template);
    spec.hostname = id;
    spec.linux.namespaces = spec.linux.namespaces.map((n: { type: string }) =>
      n.type === 'network' ? { type: 'network', path: `/run/netns/${id}` } : n,
    );
    spec.linux.cgroupsPath = `/${this.o.tag}/${id}`;
    mkdirSync(bundle, { recursive: true });
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    await this.runcRun(id, bundle);
    const t3 = performance.now();
    return { netnsMs: t1 - t0, cniMs: t2 - t1, runcMs: t3 - t2, totalMs: t3 - t0, doneAt: t3 };
  }

  /**
   * `runc run -d`: the container inherits runc's stdio, so runc gets /dev/null and a log file
   * (a pipe would stay open as long as the container runs).
   */
  private runcRun(id: string, bundle: string): Promise<void> {
    const logFile = join(bundle, 'runc.err');
    const fd = openSync(logFile, 'w');
    return new Promise<void>((resolve, reject) => {
      const child = spawn('runc', ['--root', this.runcRoot, 'run', '-d', '--bundle', bundle, id], {
        stdio: ['ignore', 'ignore', fd],
      });
      closeSync(fd);
      child.on('error', reject);
      child.on('exit', (code) => {
        if (code === 0) return resolve();
        const err = readFileSync(logFile, 'utf8').replace(/\s+/g, ' ').trim().slice(0, 300);
        reject(new Error(`runc run ${id}: exit ${code}: ${err}`));
      });
    });
  }

  /**
   * Whether the container runs `sleep` (checked after timing, not during). runc returns once the
   * init read the start signal; its execve of `sleep` may follow a moment later, so allow 2 s.
   */
  async running(i: number | string): Promise<boolean> {
    const r = spawnSync('runc', ['--root', this.runcRoot, 'state', this.id(i)], { encoding: 'utf8' });
    if (r.status !== 0) return false;
    const state = JSON.parse(r.stdout) as { status: string; pid: number };
    if (state.status !== 'running') return false;
    for (let k = 0; k < 100; k++) {
      try {
        if (readFileSync(`/proc/${state.pid}/comm`, 'utf8').trim() === 'sleep') return true;
      } catch {
        return false;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    return false;
  }

  /** Undoes one sequence: the container, the CNI attachments, the namespace, the bundle. */
  async remove(i: number | string): Promise<void> {
    const id = this.id(i);
    await exec('runc', ['--root', this.runcRoot, 'delete', '-f', id]).catch(() => {});
    await Promise.all([
      this.cni('DEL', id, this.bridgeConf(), 'eth0'),
      this.cni('DEL', id, { cniVersion: '1.0.0', name: 'cni-loopback', type: 'loopback' }, 'lo'),
    ]).catch(() => {});
    await exec('ip', ['netns', 'delete', id]).catch(() => {});
    rmSync(join(this.o.workDir, 'bundles', id), { recursive: true, force: true });
  }

  /** Removes whatever the floor left, synchronously (also from an exit handler). */
  cleanupSync(): string[] {
    const left: string[] = [];
    const quiet = { stdio: 'ignore' as const };
    if (existsSync(this.runcRoot)) {
      for (const c of readdirSync(this.runcRoot)) {
        left.push(`runc container ${c}`);
        spawnSync('runc', ['--root', this.runcRoot, 'delete', '-f', c], quiet);
      }
    }
    if (existsSync('/run/netns')) {
      for (const ns of readdirSync('/run/netns').filter((n) => n.startsWith(`${this.o.tag}-`))) {
        left.push(`netns ${ns}`);
        spawnSync('ip', ['netns', 'delete', ns], quiet);
      }
    }
    if (spawnSync('ip', ['link', 'show', this.o.bridge], quiet).status === 0) {
      spawnSync('ip', ['link', 'delete', this.o.bridge], quiet);
    }
    for (const dir of cgroupMounts().map((m) => join(m, this.o.tag))) {
      if (!existsSync(dir)) continue;
      spawnSync('find', [dir, '-depth', '-type', 'd', '-exec', 'rmdir', '{}', ';'], quiet);
      if (existsSync(dir)) left.push(`cgroup ${dir}`);
    }
    return left;
  }
}

/** Mount points of the cgroup hierarchies (v1 controllers and any cgroup2). */
export function cgroupMounts(): string[] {
  const out = new Set<string>();
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const parts = line.split(' ');
    const sep = parts.indexOf('-');
    if (sep > 0 && (parts[sep + 1] === 'cgroup' || parts[sep + 1] === 'cgroup2')) out.add(parts[4]);
  }
  return [...out];
}

/**
 * Two bench-only ranges in 10.0.0.0/8 that no route on this host touches: a /24 for the floor's
 * bridge and a /16 for the skiff cluster (apart from the default 10.42.0.0/16 of any other skiff).
 */
export function freeSubnets(seed: number): { floor: string; cluster: string } {
  const routes = spawnSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' }).stdout ?? '';
  const free: number[] = [];
  for (let k = 0; k < 50 && free.length < 2; k++) {
    const a = 200 + ((seed + k) % 50);
    if (!routes.includes(`10.${a}.`)) free.push(a);
  }
  if (free.length < 2) throw new Error('no free 10.x.0.0/16 ranges for the bench');
  return { floor: `10.${free[0]}.${seed % 250}.0/24`, cluster: `10.${free[1]}.0.0/16` };
}
