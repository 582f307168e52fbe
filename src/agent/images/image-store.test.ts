/**
 * The image store against real tools: a docker-registry on loopback (open, and behind
 * htpasswd), skopeo, GNU tar, overlayfs. Every mount, process and directory is removed in
 * afterAll, also when a test fails.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusyboxImage, buildBusyboxImage } from '../../../test/support/busybox-image.js';
import { startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { ContainerStartError } from '../runtime/runtime.js';
import { ImageStore, type LocalImage } from './image-store.js';
import { readMountinfo } from './mounts.js';
import { runcImages } from './runc-images.js';

const AUTH = { username: 'alice', password: 's3cret' };

let work: string;
let busybox: BusyboxImage;
let plusLayout: string;
let open: TestRegistry | undefined;
let locked: TestRegistry | undefined;
let openRef: string;
let lockedRef: string;
let store: ImageStore;
const logs: string[] = [];

async function mountsUnder(dir: string): Promise<string[]> {
  return (await readMountinfo()).map((m) => m.mountPoint).filter((p) => p.startsWith(`${dir}/`));
}

function deleteBlob(registry: TestRegistry, repo: string, digest: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const [host, port] = registry.host.split(':');
    const req = request(
      { host, port: Number(port), method: 'DELETE', path: `/v2/${repo}/blobs/${digest}` },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function expectStartError(p: Promise<unknown>, reason: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ContainerStartError);
  expect((err as ContainerStartError).reason).toBe(reason);
  expect((err as Error).message).toMatch(message);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `skiff-images-${process.pid}-`));
  busybox = await buildBusyboxImage(join(work, 'build'));
  // "plus": busybox with two more layers, a whiteout (/bin/tar) and an opaque /etc.
  plusLayout = join(work, 'plus-oci');
  execFileSync('cp', ['-a', busybox.layout, plusLayout]);
  const etc = join(work, 'plus-etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'hostname'), 'plus\n');
  execFileSync('umoci', ['insert', '--image', `${plusLayout}:${busybox.ref}`, '--whiteout', '/bin/tar']);
  execFileSync('umoci', ['insert', '--image', `${plusLayout}:${busybox.ref}`, '--opaque', etc, '/etc']);
  open = await startRegistry();
  locked = await startRegistry({ htpasswd: AUTH });
  openRef = await open.push(busybox.layout, busybox.ref, 'busybox:latest');
  lockedRef = await locked.push(busybox.layout, busybox.ref, 'private/busybox:v1');
  store = new ImageStore({ root: join(work, 'store'), log: (l) => logs.push(l) });
});

afterAll(async () => {
  try {
    if (work) {
      for (const m of (await mountsUnder(work)).reverse()) execFileSync('umount', ['-l', m]);
    }
  } finally {
    await open?.stop();
    await locked?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  }
});

describe('ImageStore with a real registry', () => {
  let pulled: LocalImage;

  it('pulls anonymously from a loopback registry over plain HTTP', async () => {
    const started = performance.now();
    pulled = await store.ensure(openRef, 'IfNotPresent', []);
    const ms = performance.now() - started;
    console.log(`[images] pull of busybox (${pulled.size} bytes unpacked): ${ms.toFixed(0)} ms`);
    expect(pulled.id).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(pulled.refs).toEqual([openRef]);
    expect(pulled.repoDigests).toHaveLength(1);
    expect(pulled.repoDigests[0]).toMatch(new RegExp(`^${open!.host}/busybox@sha256:[a-f0-9]{64}$`));
    expect(pulled.layers).toHaveLength(1);
    expect(existsSync(join(pulled.layers[0], 'bin', 'busybox'))).toBe(true);
    expect(lstatSync(join(pulled.layers[0], 'bin', 'wget')).isSymbolicLink()).toBe(true);
    expect(pulled.config.cmd).toEqual(['sh']);
    expect(pulled.config.env).toContain('PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  it('finds a present image by name, repo digest, id and id prefix; IfNotPresent and Never use it', async () => {
    for (const key of [openRef, pulled.repoDigests[0], pulled.id, pulled.id.slice(7, 19)]) {
      expect((await store.get(key))?.id).toBe(pulled.id);
    }
    const started = performance.now();
    expect((await store.ensure(openRef, 'Never', [])).id).toBe(pulled.id);
    console.log(`[images] ensure() of a present image: ${(performance.now() - started).toFixed(1)} ms`);
    // The registry is not asked: a wrong password would fail if it were.
    expect((await store.ensure(openRef, 'IfNotPresent', [{ username: 'x', password: 'y' }])).id).toBe(
      pulled.id,
    );
  });

  it('Always re-resolves the tag and reuses the content it already has', async () => {
    const before = logs.length;
    const again = await store.ensure(openRef, 'Always', []);
    expect(again.id).toBe(pulled.id);
    expect(logs.slice(before).some((l) => l.startsWith('pulled'))).toBe(true);
  });

  it('shares one pull among concurrent ensure() calls for the same image', async () => {
    const ref = await open!.push(busybox.layout, busybox.ref, 'shared:v1');
    const before = logs.length;
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => store.ensure(ref, 'IfNotPresent', [])));
    expect(a).toBe(b);
    expect(b).toBe(c);
    expect(logs.slice(before).filter((l) => l.startsWith(`pulled ${ref}`))).toHaveLength(1);
  });

  it('fails a missing tag with ErrImagePull carrying "manifest unknown"', async () => {
    await expectStartError(
      store.ensure(`${open!.host}/nope:latest`, 'IfNotPresent', []),
      'ErrImagePull',
      new RegExp(`^failed to pull and unpack image "${open!.host}/nope:latest": .*manifest unknown`),
    );
  });

  it('pulls from an htpasswd registry with the right credentials, trying each in turn', async () => {
    const image = await store.ensure(lockedRef, 'Always', [{ username: 'alice', password: 'wrong' }, AUTH]);
    expect(image.id).toBe(pulled.id);
    expect(image.refs).toContain(lockedRef);
  });

  it('fails with ErrImagePull carrying "unauthorized" for wrong or missing credentials', async () => {
    await expectStartError(
      store.ensure(lockedRef, 'Always', [{ username: 'alice', password: 'wrong' }]),
      'ErrImagePull',
      new RegExp(`^failed to pull and unpack image "${lockedRef}": .*unauthorized`),
    );
    await expectStartError(
      store.ensure(lockedRef, 'Always', []),
      'ErrImagePull',
      /unauthorized: authentication required/,
    );
  });

  it('rejects an unparsable name and a missing image under Never with Kubernetes reasons', async () => {
    await expectStartError(
      store.ensure('Bad Name', 'IfNotPresent', []),
      'InvalidImageName',
      /couldn't parse image name "Bad Name"/,
    );
    await expectStartError(
      store.ensure(`${open!.host}/absent:v1`, 'Never', []),
      'ErrImageNeverPull',
      new RegExp(`^Container image "${open!.host}/absent:v1" is not present with pull policy of Never$`),
    );
  });

  it('does not download a layer it already has, and stores whiteouts for overlayfs', async () => {
    const plusRef = await open!.push(plusLayout, busybox.ref, 'plus:v1');
    // Take the shared base layer away from the "plus" repository: pulling it would now fail.
    const manifest = JSON.parse(
      execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${plusRef}`]).toString(),
    );
    expect(manifest.layers).toHaveLength(3);
    expect(await deleteBlob(open!, 'plus', manifest.layers[0].digest)).toBe(202);
    const plus = await store.ensure(plusRef, 'IfNotPresent', []);
    expect(plus.layers).toHaveLength(3);
    expect(plus.layers[0]).toBe(pulled.layers[0]);
    const wh = lstatSync(join(plus.layers[1], 'bin', 'tar'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true);

    const dir = join(work, 'ctr-plus');
    const rootfs = await store.mountRootfs(plus, dir);
    try {
      expect(existsSync(join(rootfs, 'bin', 'busybox'))).toBe(true);
      expect(existsSync(join(rootfs, 'bin', 'tar'))).toBe(false);
      expect(readdirSync(join(rootfs, 'etc'))).toEqual(['hostname']);
    } finally {
      await store.unmountRootfs(dir);
    }
  });
});

describe('ImageStore root filesystems', () => {
  it('mounts an overlay in a few ms, writes go to the upper dir, and it is idempotent', async () => {
    const image = (await store.get(openRef))!;
    const dir = join(work, 'ctr1');
    const started = performance.now();
    const rootfs = await store.mountRootfs(image, dir);
    const firstMs = performance.now() - started;
    try {
      expect(rootfs).toBe(join(dir, 'rootfs'));
      expect(existsSync(join(rootfs, 'bin', 'busybox'))).toBe(true);
      // The image really runs: busybox from the mounted rootfs.
      expect(
        execFileSync('chroot', [
          rootfs,
          '/bin/sh',
          '-c',
          'echo hello > /tmp/hello; cat /tmp/hello',
        ]).toString(),
      ).toBe('hello\n');
      expect(readFileSync(join(dir, 'upper', 'tmp', 'hello'), 'utf8')).toBe('hello\n');
      expect(existsSync(join(image.layers[0], 'tmp', 'hello'))).toBe(false);
      expect(await store.mountRootfs(image, dir)).toBe(rootfs);
      expect((await mountsUnder(dir)).length).toBe(1);
    } finally {
      await store.unmountRootfs(dir);
    }
    expect(await mountsUnder(dir)).toEqual([]);
    await store.unmountRootfs(dir);

    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = join(work, `bench-${i}`);
      const t = performance.now();
      await store.mountRootfs(image, d);
      times.push(performance.now() - t);
      await store.unmountRootfs(d);
    }
    times.sort((a, b) => a - b);
    console.log(
      `[images] mountRootfs: first ${firstMs.toFixed(1)} ms, median of 5 ${times[2].toFixed(1)} ms`,
    );
  });

  it('serves the runc runtime: prepare pulls and mounts, release unmounts', async () => {
    const images = runcImages(store);
    const dir = join(work, 'ctr-runc');
    const prepared = await images.prepare(openRef, 'IfNotPresent', [], dir);
    try {
      expect(prepared.rootfs).toBe(join(dir, 'rootfs'));
      expect(existsSync(join(prepared.rootfs, 'bin', 'sh'))).toBe(true);
      expect(prepared.imageRef).toMatch(new RegExp(`^${open!.host}/busybox@sha256:`));
      expect(prepared.imageID).toBe((await store.get(openRef))!.id);
      expect(prepared.config.cmd).toEqual(['sh']);
    } finally {
      await images.release(dir);
    }
    expect(await mountsUnder(dir)).toEqual([]);
    await expectStartError(
      images.prepare('Bad Name', 'IfNotPresent', [], dir),
      'InvalidImageName',
      /Bad Name/,
    );
  });

  it('refuses to remove a mounted image; a restarted store can unmount it', async () => {
    const image = (await store.get(openRef))!;
    const dir = join(work, 'ctr2');
    await store.mountRootfs(image, dir);
    try {
      await expect(store.remove(openRef)).rejects.toThrow(/in use by a container/);
      const restarted = new ImageStore({ root: join(work, 'store') });
      await expect(restarted.remove(image.id)).rejects.toThrow(/in use/);
      await restarted.unmountRootfs(dir);
      expect(await mountsUnder(dir)).toEqual([]);
    } finally {
      await store.unmountRootfs(dir);
    }
    await expect(store.remove(openRef, new Set([image.id]))).rejects.toThrow(/in use/);
  });
});

describe('ImageStore archives, removal and GC', () => {
  it('imports a docker-archive and an oci-archive made by skopeo', async () => {
    const dockerArchive = join(work, 'busybox-docker.tar');
    execFileSync('skopeo', [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci:${busybox.layout}:${busybox.ref}`,
      `docker-archive:${dockerArchive}:imported/busybox:v1`,
    ]);
    const [fromDocker] = await store.importArchive(dockerArchive);
    expect(fromDocker.refs).toContain('docker.io/imported/busybox:v1');
    // skopeo rewrites the config for the Docker format (a new id), the layer is the same.
    expect(fromDocker.layers).toEqual((await store.get(openRef))!.layers);

    const ociArchive = join(work, 'plus-oci.tar');
    execFileSync('tar', ['-cf', ociArchive, '-C', plusLayout, '.']);
    const [fromOci] = await store.importArchive(ociArchive);
    expect(fromOci.refs).toContain('docker.io/library/busybox:latest');
    expect(fromOci.layers).toHaveLength(3);

    await expect(store.importArchive(join(work, 'missing.tar'))).rejects.toThrow(/no such file/);
    const junk = join(work, 'junk.tar');
    writeFileSync(junk, 'not a tar');
    await expect(store.importArchive(junk)).rejects.toThrow(/not a tar archive/);
  });

  it('two stores importing the same archive at once leave one complete layer and no staging', async () => {
    const root = join(work, 'race-store');
    const archive = join(work, 'race.tar');
    execFileSync('skopeo', [
      '--insecure-policy',
      'copy',
      '--quiet',
      `oci:${plusLayout}:${busybox.ref}`,
      `docker-archive:${archive}:race/app:v1`,
    ]);
    const [a, b] = await Promise.all([
      new ImageStore({ root }).importArchive(archive),
      new ImageStore({ root }).importArchive(archive),
    ]);
    expect(a[0].id).toBe(b[0].id);
    expect(readdirSync(join(root, 'layers')).length).toBe(3);
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
    for (const layer of a[0].layers) expect(existsSync(join(layer, '..', 'layer.json'))).toBe(true);
  });

  it('removes an image and the layers only it used', async () => {
    const listed = await store.list();
    const plus = listed.find((i) => i.layers.length === 3)!;
    const base = listed.find((i) => i.layers.length === 1)!;
    const removed = await store.remove(plus.id);
    expect(removed.id).toBe(plus.id);
    expect(await store.get(plus.id)).toBeUndefined();
    expect(existsSync(plus.layers[2])).toBe(false);
    expect(existsSync(base.layers[0])).toBe(true);
    await expect(store.remove('docker.io/library/never-pulled:v1')).rejects.toThrow(/not found/);
  });

  it('GC removes least recently used unused images when the disk is above the high threshold', async () => {
    const root = join(work, 'gc-store');
    let used = 0.9;
    const gcStore = new ImageStore({
      root,
      diskUsage: async () => ({ capacity: 1000, available: 1000 * (1 - used) }),
    });
    const [first] = await gcStore.importArchive(join(work, 'busybox-docker.tar'));
    const [second] = await gcStore.importArchive(join(work, 'race.tar'));
    used = 0.5;
    expect((await gcStore.gc({ minAgeMs: 0 })).removed).toEqual([]);
    used = 0.9;
    const result = await gcStore.gc({ minAgeMs: 0, inUse: new Set([second.refs[0]]) });
    expect(result.removed).toEqual([first.id]);
    expect((await gcStore.list()).map((i) => i.id)).toEqual([second.id]);
    // The shared base layer stays: the kept image still uses it.
    expect(readdirSync(join(root, 'layers')).length).toBe(3);
  });
});
