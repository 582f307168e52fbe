/**
 * Test fixtures for the runc runtime on a real host: a busybox root filesystem, an image store
 * that overlay-mounts it per container, a network that gives each pod a fresh network namespace
 * with only loopback (IP 127.0.0.1; no traffic leaves it), and `findLeftovers`, which lists
 * whatever a pod left behind (runc state, conmon processes, mounts, cgroups, files).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ContainerStartError } from '../runtime.js';
import { type CgroupLayout, existingCgroupDirs, removePodCgroup } from './cgroups.js';
import { mountsUnder, mustRun, processAlive, runCommand } from './command.js';
import type { ImageConfig } from './oci-spec.js';
import type { RuncImages, RuncNetwork } from './runc-runtime.js';

const BUSYBOX = '/bin/busybox';

/** A minimal root filesystem: busybox with its applets, and accounts for user tests. */
export async function makeBusyboxRootfs(dir: string): Promise<void> {
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'home/app', 'www']) {
    await mkdir(join(dir, d), { recursive: true });
  }
  await copyFile(BUSYBOX, join(dir, 'bin/busybox'));
  const { stdout } = await runCommand(BUSYBOX, ['--list']);
  for (const applet of stdout.split('\n').map((s) => s.trim())) {
    // "busybox" itself is in the list: a link named so would replace the binary.
    if (!applet || applet === 'busybox' || applet.includes('/')) continue;
    await symlink('busybox', join(dir, 'bin', applet)).catch(() => {});
  }
  await writeFile(
    join(dir, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  await writeFile(join(dir, 'etc/group'), 'root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n');
  await writeFile(join(dir, 'www/index.html'), 'hello from the pod\n');
  await mustRun('chmod', ['1777', join(dir, 'tmp')]);
}

const BUSYBOX_CONFIG: ImageConfig = {
  env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
  entrypoint: [],
  cmd: ['sh'],
  workingDir: '',
  user: '',
};

/**
 * Images backed by one busybox rootfs, overlay-mounted per container (as the real store mounts
 * layers). Names map to image configs; any other name fails as a registry would.
 */
export class TestImages implements RuncImages {
  readonly prepared: string[] = [];

  constructor(
    private readonly base: string,
    private readonly images: Record<string, Partial<ImageConfig>> = { busybox: {} },
  ) {}

  /** Milliseconds each prepare took (the overlay mount), so benchmarks can tell it apart. */
  readonly prepareMs: number[] = [];

  async prepare(image: string, _policy: string, _auths: unknown[], containerDir: string) {
    const t0 = performance.now();
    const name = image.split(':')[0];
    const overrides = this.images[name];
    if (!overrides) {
      throw new ContainerStartError('ErrImagePull', `failed to pull image "${image}": not found`);
    }
    const rootfs = join(containerDir, 'rootfs');
    await Promise.all(
      ['rootfs', 'upper', 'work'].map((d) => mkdir(join(containerDir, d), { recursive: true })),
    );
    await mustRun('mount', [
      '-t',
      'overlay',
      'overlay',
      '-o',
      `lowerdir=${this.base},upperdir=${join(containerDir, 'upper')},workdir=${join(containerDir, 'work')}`,
      rootfs,
    ]);
    this.prepared.push(containerDir);
    this.prepareMs.push(performance.now() - t0);
    const digest = createHash('sha256').update(name).digest('hex');
    return {
      rootfs,
      imageRef: `docker.io/library/${name}@sha256:${digest}`,
      imageID: `sha256:${digest}`,
      config: { ...BUSYBOX_CONFIG, ...overrides },
    };
  }

  async release(containerDir: string): Promise<void> {
    const rootfs = join(containerDir, 'rootfs');
    if ((await mountsUnder(rootfs)).includes(rootfs)) await mustRun('umount', [rootfs]);
  }
}

/** A network namespace per pod with only loopback up; names carry the pid so runs never clash. */
export class TestNetwork implements RuncNetwork {
  private readonly names = new Map<string, string>();
  private counter = 0;

  async setup(pod: { uid: string }) {
    // A prefix of its own: other suites clean up namespaces named after theirs.
    const name = `rrt-${process.pid}-${++this.counter}`;
    await mustRun('ip', ['netns', 'add', name]);
    this.names.set(pod.uid, name);
    await mustRun('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return { netnsPath: `/run/netns/${name}`, ip: '127.0.0.1' };
  }

  async teardown(uid: string): Promise<void> {
    const name = this.names.get(uid);
    if (!name) return;
    await runCommand('ip', ['netns', 'del', name]);
    this.names.delete(uid);
  }

  /** Namespaces still held (should be none once every pod is removed). */
  held(): string[] {
    return [...this.names.values()];
  }

  async cleanup(): Promise<void> {
    for (const uid of [...this.names.keys()]) await this.teardown(uid);
  }
}

/** What a removed pod might have left, described one item per line; empty when clean. */
export async function findLeftovers(opts: {
  root: string;
  logRoot: string;
  uid: string;
  namespace: string;
  name: string;
  layout: CgroupLayout;
  cgroupParent?: string;
}): Promise<string[]> {
  const found: string[] = [];
  const podDir = join(opts.root, 'pods', opts.uid);
  const runc = await runCommand('runc', [`--root=${join(opts.root, 'runc')}`, 'list', '-q']);
  for (const id of runc.stdout.split('\n').filter(Boolean)) {
    try {
      await readFile(join(podDir, 'containers', id, 'state.json'));
      found.push(`runc state: ${id}`);
    } catch {
      // not this pod's (or already gone)
    }
  }
  const ids = new Set(runc.stdout.split('\n').filter(Boolean));
  for (const pid of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(pid) || !(await processAlive(Number(pid)))) continue;
    const argv = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (argv.startsWith('/usr/bin/conmon') || argv.includes('conmon\0')) {
      if (argv.includes(podDir)) found.push(`conmon process ${pid}`);
      for (const id of ids) if (argv.includes(id) && argv.includes(podDir)) found.push(`conmon for ${id}`);
    }
  }
  for (const mp of await mountsUnder(podDir)) found.push(`mount: ${mp}`);
  const base = opts.cgroupParent ?? '/kubepods';
  for (const qos of ['', '/burstable', '/besteffort']) {
    for (const dir of await existingCgroupDirs(opts.layout, `${base}${qos}/pod${opts.uid}`))
      found.push(`cgroup: ${dir}`);
  }
  for (const dir of [podDir, join(opts.logRoot, `${opts.namespace}_${opts.name}_${opts.uid}`)]) {
    try {
      await readdir(dir);
      found.push(`directory: ${dir}`);
    } catch {
      // gone: good
    }
  }
  return found;
}

/** Removes a test cgroup parent (e.g. /skiff-test-123) from every hierarchy, children first. */
export async function removeCgroupParent(layout: CgroupLayout, parent: string): Promise<void> {
  await removePodCgroup(layout, parent);
}
