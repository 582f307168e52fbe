import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container } from 'kubernetes-types/core/v1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { lastLogLines, terminationMessage, withTerminationMessageFile } from './termination-message.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-termination-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const container = (c: Partial<Container> = {}): Container => ({ name: 'app', ...c });
const run = { env: [], mounts: [], pullAuths: [] };
const criLog = (lines: string[]) => lines.map((l) => `2026-11-27T07:00:00.000000000Z stdout ${l}`).join('\n');

describe('termination messages', () => {
  it('mounts an empty file at the terminationMessagePath, unless a volume is there', async () => {
    const attempt = mkdtempSync(join(dir, 'a-'));
    const withFile = await withTerminationMessageFile(
      run,
      container({ terminationMessagePath: '/tmp/msg' }),
      attempt,
    );
    expect(withFile.mounts).toEqual([
      { containerPath: '/tmp/msg', hostPath: join(attempt, 'termination-log'), readOnly: false },
    ]);
    expect(readFileSync(join(attempt, 'termination-log'), 'utf8')).toBe('');
    const volume = {
      ...run,
      mounts: [{ containerPath: '/dev/termination-log', hostPath: '/v', readOnly: false }],
    };
    expect(await withTerminationMessageFile(volume, container(), attempt)).toBe(volume);
  });

  it('reports the end of what the container wrote, at most 4 KiB', async () => {
    const attempt = mkdtempSync(join(dir, 'b-'));
    writeFileSync(join(attempt, 'termination-log'), `${'x'.repeat(5000)}the end`);
    const message = await terminationMessage(attempt, container(), 1, join(attempt, 'none.log'));
    expect(message).toHaveLength(4096);
    expect(message?.endsWith('the end')).toBe(true);
  });

  it('falls back to the log only when asked, on failure, and with an empty file', async () => {
    const attempt = mkdtempSync(join(dir, 'c-'));
    writeFileSync(join(attempt, 'termination-log'), '');
    const log = join(attempt, '0.log');
    writeFileSync(log, `${criLog(['F first', 'P par', 'F tial', 'F last'])}\n`);
    const fallback = container({ terminationMessagePolicy: 'FallbackToLogsOnError' });
    expect(await terminationMessage(attempt, fallback, 2, log)).toBe('first\npartial\nlast\n');
    expect(await terminationMessage(attempt, fallback, 0, log)).toBeUndefined();
    expect(await terminationMessage(attempt, container(), 2, log)).toBeUndefined();
  });

  it('keeps the last 80 log lines, at most 2 KiB', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `F line ${i}`);
    const tail = lastLogLines(criLog(lines), 80);
    expect(tail.split('\n')[0]).toBe('line 20');
    const attempt = mkdtempSync(join(dir, 'd-'));
    const log = join(attempt, '0.log');
    writeFileSync(log, criLog(Array.from({ length: 80 }, () => `F ${'y'.repeat(100)}`)));
    const message = await terminationMessage(
      attempt,
      container({ terminationMessagePolicy: 'FallbackToLogsOnError' }),
      1,
      log,
    );
    expect(Buffer.byteLength(message ?? '')).toBe(2048);
  });
});
