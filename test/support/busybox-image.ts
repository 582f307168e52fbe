/**
 * A real busybox container image, built offline from the machine's /bin/busybox (Debian
 * busybox-static) with umoci: one layer with /bin/busybox, a /bin symlink for every applet
 * (sh, ls, httpd, wget, cat, sleep, tar, nc, ...), /etc/passwd and /etc/group (root, nobody),
 * /tmp, /root, /var/www; default command `sh`. Nothing is left outside the callers' directories.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface BusyboxImage {
  /** An OCI image layout directory (yours to keep or delete). */
  layout: string;
  /** The image's name inside the layout: `oci:<layout>:<ref>` for skopeo. */
  ref: string;
}

const REF = 'busybox:latest';
let built: Promise<string> | undefined;

async function populate(rootfs: string): Promise<void> {
  for (const d of ['bin', 'etc', 'root', 'tmp', 'var/www', 'dev', 'proc', 'sys', 'home', 'usr']) {
    await mkdir(join(rootfs, d), { recursive: true });
  }
  await chmod(join(rootfs, 'tmp'), 0o1777);
  await chmod(join(rootfs, 'root'), 0o700);
  await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
  await chmod(join(rootfs, 'bin/busybox'), 0o755);
  const { stdout } = await exec('/bin/busybox', ['--list']);
  for (const applet of stdout.split('\n').filter((a) => a && a !== 'busybox' && !a.includes('/'))) {
    await symlink('busybox', join(rootfs, 'bin', applet));
  }
  await writeFile(
    join(rootfs, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n',
  );
  await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nnobody:x:65534:\n');
}

async function build(layout: string): Promise<string> {
  const rootfs = `${layout}-rootfs`;
  await rm(rootfs, { recursive: true, force: true });
  await populate(rootfs);
  const image = `${layout}:${REF}`;
  try {
    await exec('umoci', ['init', '--layout', layout]);
    await exec('umoci', ['new', '--image', image]);
    await exec('umoci', ['insert', '--image', image, rootfs, '/']);
    await exec('umoci', [
      'config',
      '--image',
      image,
      '--config.cmd',
      'sh',
      '--config.env',
      'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    ]);
    await exec('umoci', ['gc', '--layout', layout]);
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
  return layout;
}

/**
 * The busybox image as an OCI layout at `<workDir>/busybox-oci`. Built once per process (in the
 * first caller's workDir); later callers get a copy, or a new build if that one was deleted.
 */
export async function buildBusyboxImage(workDir: string): Promise<BusyboxImage> {
  const layout = join(workDir, 'busybox-oci');
  await mkdir(workDir, { recursive: true });
  const cached = built ? await built.catch(() => undefined) : undefined;
  if (cached === layout && existsSync(join(layout, 'index.json'))) return { layout, ref: REF };
  if (cached && existsSync(join(cached, 'index.json'))) {
    await rm(layout, { recursive: true, force: true });
    await exec('cp', ['-a', cached, layout]);
    return { layout, ref: REF };
  }
  await rm(layout, { recursive: true, force: true });
  built = build(layout);
  await built;
  return { layout, ref: REF };
}
