import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectCompression, unpackLayer } from './layer.js';

let work: string;
const mounted: string[] = [];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), `skiff-layer-${process.pid}-`));
});

afterAll(() => {
  try {
    for (const m of mounted) execFileSync('umount', [m], { stdio: 'ignore' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

/** Tars `files` (path → content, or null for a directory) with GNU tar, as an image builder would. */
function makeTar(
  name: string,
  files: Record<string, string | null>,
  compress: '' | 'gzip' | 'zstd' = '',
): string {
  const src = join(work, `${name}-src`);
  for (const [path, content] of Object.entries(files)) {
    if (content === null) mkdirSync(join(src, path), { recursive: true });
    else {
      mkdirSync(join(src, path, '..'), { recursive: true });
      writeFileSync(join(src, path), content);
    }
  }
  const out = join(work, `${name}.tar${compress ? `.${compress}` : ''}`);
  const flag = compress === 'gzip' ? ['-z'] : compress === 'zstd' ? ['--zstd'] : [];
  execFileSync('tar', ['-c', ...flag, '-f', out, '-C', src, '--sort=name', '.']);
  return out;
}

function sha256Of(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

function freshDir(name: string): string {
  const d = join(work, name);
  mkdirSync(d, { recursive: true });
  return d;
}

describe('unpackLayer', () => {
  for (const compression of ['', 'gzip', 'zstd'] as const) {
    it(`unpacks a ${compression || 'plain'} layer and reports the uncompressed digest and size`, async () => {
      const tar = makeTar(
        `plain-${compression}`,
        { 'etc/hostname': 'box\n', 'bin/tool': '#!/bin/sh\n' },
        compression,
      );
      expect(await detectCompression(tar)).toBe(compression || 'none');
      const raw = compression
        ? execFileSync('tar', [
            '-c',
            '-f',
            '-',
            '-C',
            join(work, `plain-${compression}-src`),
            '--sort=name',
            '.',
          ])
        : readFileSync(tar);
      const dest = freshDir(`out-${compression || 'plain'}`);
      const result = await unpackLayer(tar, dest);
      // Compressed tars were made from the same tree in the same order: same bytes uncompressed.
      const uncompressed =
        compression === 'gzip'
          ? execFileSync('gzip', ['-dc', tar])
          : compression === 'zstd'
            ? execFileSync('zstd', ['-dc', tar])
            : raw;
      expect(result.diffID).toBe(sha256Of(uncompressed));
      expect(result.size).toBe(uncompressed.length);
      expect(readFileSync(join(dest, 'etc/hostname'), 'utf8')).toBe('box\n');
    });
  }

  it('turns .wh. files into 0:0 character devices and keeps the parent directory time', async () => {
    const src = join(work, 'wh-src');
    mkdirSync(join(src, 'etc'), { recursive: true });
    writeFileSync(join(src, 'etc', '.wh.passwd'), '');
    utimesSync(join(src, 'etc'), new Date('2001-02-03T00:00:00Z'), new Date('2001-02-03T00:00:00Z'));
    const tar = join(work, 'wh.tar');
    execFileSync('tar', ['-c', '-f', tar, '-C', src, '.']);
    const dest = freshDir('wh-out');
    await unpackLayer(tar, dest);
    const st = lstatSync(join(dest, 'etc', 'passwd'));
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(existsSync(join(dest, 'etc', '.wh.passwd'))).toBe(false);
    expect(lstatSync(join(dest, 'etc')).mtime.toISOString()).toBe('2001-02-03T00:00:00.000Z');
  });

  it('makes whiteouts and opaque directories that overlayfs honours', async () => {
    const lower = freshDir('ovl-lower');
    await unpackLayer(makeTar('ovl-l1', { f: 'gone', keep: 'kept', 'dir/a': 'a', 'dir/b': 'b' }), lower);
    const upper = freshDir('ovl-upper');
    await unpackLayer(
      makeTar('ovl-l2', { '.wh.f': '', 'dir/.wh..wh..opq': '', 'dir/c': 'c', '.wh..wh.plnk/x': '' }),
      upper,
    );
    expect(readdirSync(upper).sort()).toEqual(['dir', 'f']);
    const target = freshDir('ovl-merged');
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper}:${lower}`, target]);
    mounted.push(target);
    expect(readdirSync(target).sort()).toEqual(['dir', 'keep']);
    expect(readdirSync(join(target, 'dir'))).toEqual(['c']);
    execFileSync('umount', [target]);
    mounted.pop();
  });

  it('writes nothing outside the layer directory, whatever the member names and links say', async () => {
    const outside = freshDir('outside');
    // "../escaped", and a symlink to an absolute directory followed by a file through it.
    const src = freshDir('evil-src');
    symlinkSync(outside, join(src, 'link'));
    writeFileSync(join(src, 'escaped'), 'x');
    const tar = join(work, 'evil.tar');
    execFileSync('tar', [
      '-c',
      '-f',
      tar,
      '-C',
      src,
      '--transform',
      's,^\\./escaped,../escaped,',
      './escaped',
      './link',
    ]);
    // Append "link/pwned" as a real member path through the symlink.
    const side = freshDir('evil-side/link');
    writeFileSync(join(side, 'pwned'), 'x');
    execFileSync('tar', ['-r', '-f', tar, '-C', join(work, 'evil-side'), 'link/pwned']);
    const dest = freshDir('evil-out');
    await expect(unpackLayer(tar, dest)).rejects.toThrow(
      /^tar: (\.\.\/escaped: Member name contains '\.\.'|link\/pwned: Cannot open: Not a directory)$/,
    );
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(join(work, 'escaped'))).toBe(false);
  });

  it("fails with tar's reason on a corrupt layer", async () => {
    const bad = join(work, 'bad.tar.gz');
    writeFileSync(bad, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(100, 7)]));
    await expect(unpackLayer(bad, freshDir('bad-out'))).rejects.toThrow(/layer|header|tar/i);
  });
});
