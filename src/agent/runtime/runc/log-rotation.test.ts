import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { compressAndPrune, rotateIfNeeded } from './log-rotation.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-logrot-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('container log rotation', () => {
  it('leaves a log under the limit alone', async () => {
    const dir = mkdtempSync(join(root, 'a-'));
    writeFileSync(join(dir, '0.log'), 'small\n');
    expect(await rotateIfNeeded(join(dir, '0.log'), dir, { maxBytes: 100, maxFiles: 3 }, new Date())).toBe(
      false,
    );
    expect(readdirSync(dir)).toEqual(['0.log']);
  });

  it('renames a log past the limit and asks conmon to reopen it through its control fifo', async () => {
    const dir = mkdtempSync(join(root, 'b-'));
    const log = join(dir, '0.log');
    writeFileSync(log, 'x'.repeat(200));
    execFileSync('mkfifo', [join(dir, 'ctl')]);
    // A reader on the fifo stands in for conmon.
    const reader = spawn('sh', ['-c', `cat ${join(dir, 'ctl')} > ${join(dir, 'got')}`], { stdio: 'ignore' });
    const readerDone = new Promise((r) => reader.once('exit', r));
    await new Promise((r) => setTimeout(r, 200));
    const at = new Date('2026-11-27T07:45:12Z');
    expect(await rotateIfNeeded(log, dir, { maxBytes: 100, maxFiles: 3 }, at)).toBe(true);
    expect(readFileSync(join(dir, '0.log.20261127-074512'), 'utf8')).toHaveLength(200);
    await readerDone;
    expect(readFileSync(join(dir, 'got'), 'utf8')).toBe('2 0 0\n');
  });

  it('rotates without a conmon to tell, and never overwrites an earlier rotation', async () => {
    const dir = mkdtempSync(join(root, 'c-'));
    const log = join(dir, '0.log');
    const at = new Date('2026-11-27T07:45:12Z');
    for (const fill of ['a', 'b']) {
      writeFileSync(log, fill.repeat(200));
      expect(await rotateIfNeeded(log, dir, { maxBytes: 100, maxFiles: 5 }, at)).toBe(true);
    }
    expect(readdirSync(dir).sort()).toEqual(['0.log.20261127-074512.gz', '0.log.20261127-074512.1'].sort());
  });

  it('compresses all but the newest rotated file and keeps maxFiles - 1 of them', async () => {
    const dir = mkdtempSync(join(root, 'd-'));
    const log = join(dir, '1.log');
    writeFileSync(log, 'current\n');
    for (const t of ['20261127-070000', '20261127-070100', '20261127-070200', '20261127-070300'])
      writeFileSync(`${log}.${t}`, `rotated at ${t}\n`);
    await compressAndPrune(log, 3);
    expect(readdirSync(dir).sort()).toEqual(['1.log', '1.log.20261127-070200.gz', '1.log.20261127-070300']);
    expect(gunzipSync(readFileSync(join(dir, '1.log.20261127-070200.gz'))).toString()).toBe(
      'rotated at 20261127-070200\n',
    );
  });
});
