import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOverlayMounted, mountOverlay, mountPoints, parseMountinfo, unmount } from './mounts.js';

describe('parseMountinfo', () => {
  it('reads mount points with escaped characters and the filesystem fields', () => {
    const text = [
      '22 1 0:21 / /proc rw,nosuid shared:5 - proc proc rw',
      '98 22 0:50 / /var/lib/a\\040b rw,relatime - overlay overlay rw,lowerdir=x,upperdir=y,workdir=z',
    ].join('\n');
    expect(parseMountinfo(text)).toEqual([
      { mountPoint: '/proc', fsType: 'proc', source: 'proc', superOptions: 'rw' },
      {
        mountPoint: '/var/lib/a b',
        fsType: 'overlay',
        source: 'overlay',
        superOptions: 'rw,lowerdir=x,upperdir=y,workdir=z',
      },
    ]);
  });
});

describe('overlay mounts', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), `skiff-mounts-${process.pid}-`));
  });
  afterAll(async () => {
    try {
      await unmount(join(work, 'merged'), () => {});
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('mounts with relative lower dirs, reports it, and unmounts idempotently', async () => {
    for (const d of ['layers/a', 'layers/b', 'upper', 'work', 'merged'])
      mkdirSync(join(work, d), { recursive: true });
    writeFileSync(join(work, 'layers/a/from-a'), 'a');
    writeFileSync(join(work, 'layers/b/from-b'), 'b');
    const target = join(work, 'merged');
    await mountOverlay({
      lower: ['b', 'a'],
      upper: join(work, 'upper'),
      work: join(work, 'work'),
      target,
      cwd: join(work, 'layers'),
    });
    expect(isOverlayMounted(target)).toBe(true);
    expect((await mountPoints()).has(target)).toBe(true);
    expect(existsSync(join(target, 'from-a')) && existsSync(join(target, 'from-b'))).toBe(true);
    await unmount(target, () => {});
    expect(isOverlayMounted(target)).toBe(false);
    await unmount(target, () => {});
  });

  it('explains a failed mount and refuses separators in paths', async () => {
    const target = join(work, 'merged');
    await expect(
      mountOverlay({
        lower: ['missing'],
        upper: join(work, 'upper'),
        work: join(work, 'work'),
        target,
        cwd: join(work, 'layers'),
      }),
    ).rejects.toThrow(/mounting the container rootfs at .*: No such file or directory/);
    await expect(
      mountOverlay({
        lower: ['a,b'],
        upper: join(work, 'upper'),
        work: join(work, 'work'),
        target,
        cwd: work,
      }),
    ).rejects.toThrow(/may not contain/);
    expect(isOverlayMounted(target)).toBe(false);
  });
});
