/** The atomic writer's on-disk layout and its updates, on a real temp directory. */
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { atomicWrite, type FileProjection, validatePath } from './atomic-writer.js';

const root = mkdtempSync(join(tmpdir(), `skiff-aw-${process.pid}-`));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const target = () => {
  const dir = join(root, `t${n++}`);
  mkdirSync(dir);
  return dir;
};
const files = (entries: Record<string, [string, number]>) =>
  new Map<string, FileProjection>(
    Object.entries(entries).map(([k, [data, mode]]) => [k, { data: Buffer.from(data), mode }]),
  );

describe('atomicWrite', () => {
  it('lays out ..data, a timestamped directory and one symlink per top-level name', async () => {
    const dir = target();
    const wrote = await atomicWrite(
      dir,
      files({ 'app.conf': ['x=1\n', 0o644], 'certs/tls.key': ['key', 0o600] }),
      new Date('2025-03-04T05:06:07Z'),
    );
    expect(wrote).toBe(true);
    const ts = readlinkSync(join(dir, '..data'));
    expect(ts).toMatch(/^\.\.2025_03_04_05_06_07\.\d+$/);
    expect(readlinkSync(join(dir, 'app.conf'))).toBe('..data/app.conf');
    expect(readlinkSync(join(dir, 'certs'))).toBe('..data/certs');
    expect(readdirSync(dir).sort()).toEqual([ts, '..data', 'app.conf', 'certs'].sort());
    expect(readFileSync(join(dir, 'app.conf'), 'utf8')).toBe('x=1\n');
    expect(statSync(join(dir, 'app.conf')).mode & 0o7777).toBe(0o644);
    expect(statSync(join(dir, 'certs/tls.key')).mode & 0o7777).toBe(0o600);
    expect(statSync(join(dir, ts)).mode & 0o7777).toBe(0o755);
  });

  it('an unchanged payload writes nothing', async () => {
    const dir = target();
    await atomicWrite(dir, files({ a: ['1', 0o644] }));
    const before = readlinkSync(join(dir, '..data'));
    expect(await atomicWrite(dir, files({ a: ['1', 0o644] }))).toBe(false);
    expect(readlinkSync(join(dir, '..data'))).toBe(before);
  });

  it('an update swaps ..data: the same path shows the new content, an open file keeps the old', async () => {
    const dir = target();
    await atomicWrite(
      dir,
      files({ a: ['old', 0o644], gone: ['x', 0o644], 'd/keep': ['k', 0o644], 'd/drop': ['d', 0o644] }),
    );
    const before = readlinkSync(join(dir, '..data'));
    const fd = openSync(join(dir, 'a'), 'r');
    try {
      expect(await atomicWrite(dir, files({ a: ['new', 0o644], 'd/keep': ['k', 0o644] }))).toBe(true);
      const after = readlinkSync(join(dir, '..data'));
      expect(after).not.toBe(before);
      expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('new');
      const buf = Buffer.alloc(3);
      readSync(fd, buf, 0, 3, 0);
      expect(buf.toString()).toBe('old');
      // Removed names disappear; the old timestamped directory is gone.
      expect(readdirSync(dir).sort()).toEqual([after, '..data', 'a', 'd'].sort());
      expect(readdirSync(join(dir, 'd'))).toEqual(['keep']);
    } finally {
      closeSync(fd);
    }
  });

  it('a key may change to a nested path and back', async () => {
    const dir = target();
    await atomicWrite(dir, files({ x: ['1', 0o644] }));
    await atomicWrite(dir, files({ 'x/y': ['2', 0o644] }));
    expect(readFileSync(join(dir, 'x/y'), 'utf8')).toBe('2');
    await atomicWrite(dir, files({ x: ['3', 0o644] }));
    expect(readFileSync(join(dir, 'x'), 'utf8')).toBe('3');
  });

  const invalid: Array<[string, string]> = [
    ['', 'invalid path: must not be empty'],
    ['/etc/passwd', 'invalid path: must be relative path: /etc/passwd'],
    ['a/../../b', "invalid path: must not contain '..': a/../../b"],
    ['..data/x', "invalid path: must not start with '..': ..data/x"],
    [`${'x'.repeat(256)}`, 'invalid path: filenames must be less than or equal to 255 characters'],
  ];
  it.each(invalid)('rejects %j', (path, message) => {
    expect(() => validatePath(path)).toThrow(message);
  });
});
