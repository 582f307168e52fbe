import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildBusyboxImage } from '../../test/support/busybox-image.js';
import type { LocalImage } from '../agent/images/image-store.js';
import { formatTable, humanSize, imageCommand, imageRows } from './image.js';

let work: string;
let archive: string;

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await imageCommand.run([...args, '--data-dir', join(work, 'data')]), out };
  } finally {
    spy.mockRestore();
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), `skiff-cli-image-${process.pid}-`));
  const { layout, ref } = await buildBusyboxImage(work);
  archive = join(work, 'busybox.tar');
  execFileSync('skopeo', [
    '--insecure-policy',
    'copy',
    '--quiet',
    `oci:${layout}:${ref}`,
    `docker-archive:${archive}:busybox:1.36`,
  ]);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('skiff image', () => {
  it('imports an archive, lists it like crictl images, and removes it', async () => {
    expect(await run(['import', archive])).toEqual({
      code: 0,
      out: 'Loaded image: docker.io/library/busybox:1.36\n',
    });
    const ls = await run(['ls']);
    const lines = ls.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^IMAGE\s+TAG\s+IMAGE ID\s+SIZE$/);
    expect(lines[1]).toMatch(/^docker\.io\/library\/busybox\s+1\.36\s+[a-f0-9]{13}\s+\d(\.\d+)?MB$/);
    expect(await run(['rm', 'busybox:1.36'])).toEqual({
      code: 0,
      out: 'Deleted: docker.io/library/busybox:1.36\n',
    });
    expect((await run(['ls'])).out.trim().split('\n')).toHaveLength(1);
  });

  it('says what is wrong in one line', async () => {
    await expect(run(['rm', 'nope:v1'])).rejects.toThrow(/^image "nope:v1" not found$/);
    await expect(run(['import', join(work, 'absent.tar')])).rejects.toThrow(/absent\.tar: no such file/);
    await expect(run(['frobnicate'])).rejects.toThrow(/unknown subcommand "frobnicate"/);
    await expect(run([])).rejects.toThrow(/expected a subcommand/);
  });
});

describe('image table', () => {
  it('formats sizes as crictl does', () => {
    expect(humanSize(999)).toBe('999B');
    expect(humanSize(2_128_384)).toBe('2.13MB');
    expect(humanSize(1_000_000_000)).toBe('1GB');
  });

  it('prints one row per tag and <none> for unnamed images', () => {
    const base = {
      layers: [],
      config: { env: [], entrypoint: [], cmd: [], workingDir: '', user: '' },
      size: 4500,
      lastUsed: 0,
    };
    const images: LocalImage[] = [
      {
        ...base,
        id: `sha256:${'b'.repeat(64)}`,
        refs: ['docker.io/library/busybox:latest', 'docker.io/library/busybox:1'],
        repoDigests: [],
      },
      {
        ...base,
        id: `sha256:${'c'.repeat(64)}`,
        refs: [],
        repoDigests: [`127.0.0.1:5000/app@sha256:${'d'.repeat(64)}`],
      },
    ];
    expect(formatTable(['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'], imageRows(images))).toBe(
      [
        `${'IMAGE'.padEnd(28)}${'TAG'.padEnd(20)}${'IMAGE ID'.padEnd(20)}SIZE`,
        `${'127.0.0.1:5000/app'.padEnd(28)}${'<none>'.padEnd(20)}${'c'.repeat(13).padEnd(20)}4.5kB`,
        `${'docker.io/library/busybox'.padEnd(28)}${'1'.padEnd(20)}${'b'.repeat(13).padEnd(20)}4.5kB`,
        `${'docker.io/library/busybox'.padEnd(28)}${'latest'.padEnd(20)}${'b'.repeat(13).padEnd(20)}4.5kB`,
        '',
      ].join('\n'),
    );
  });
});
