import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  findTailOffset,
  formatCRILine,
  formatRFC3339Nano,
  LogFormatter,
  type LogOptions,
  parseCRILine,
  parseTimestampNs,
  streamLogFile,
} from './cri-log.js';

const dir = mkdtempSync(join(tmpdir(), `skiff-cri-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (content: string | Buffer) => {
  const path = join(dir, `${n++}.log`);
  writeFileSync(path, content);
  return path;
};

const T = (s: number) => `2026-11-27T04:00:${String(s).padStart(2, '0')}.123456789Z`;
const rec = (s: number, content: string, partial = false, stream: 'stdout' | 'stderr' = 'stdout') =>
  `${T(s)} ${stream} ${partial ? 'P' : 'F'} ${content}\n`;

/** A log: one, a partial "two" over three records, three, four. */
const sample =
  rec(1, 'one') +
  rec(2, 'tw', true) +
  rec(3, 'o-', true, 'stderr') +
  rec(4, 'end') +
  rec(5, 'three') +
  rec(6, 'four');

async function read(path: string, options: Partial<LogOptions>): Promise<string> {
  const out: Buffer[] = [];
  await streamLogFile(path, {
    options: { follow: false, timestamps: false, ...options },
    write: async (c) => {
      out.push(c);
    },
    signal: new AbortController().signal,
    stillCurrent: () => true,
  });
  return Buffer.concat(out).toString();
}

describe('CRI records', () => {
  it('parse the timestamp to the nanosecond, the stream, the tag and the content', () => {
    const r = parseCRILine(Buffer.from(`${T(1)} stderr P some text with spaces`))!;
    expect(r.timestamp).toBe(T(1));
    expect(r.time).toBe(parseTimestampNs(T(1)));
    expect(r.time % 1_000_000_000n).toBe(123456789n);
    expect([r.stream, r.partial, r.content.toString()]).toEqual(['stderr', true, 'some text with spaces']);
  });

  it('accept timezone offsets, fewer fraction digits, extra tags and empty content', () => {
    expect(parseTimestampNs('2026-11-27T05:00:00.5+01:00')).toBe(
      parseTimestampNs('2026-11-27T04:00:00.500000000Z'),
    );
    expect(parseCRILine(Buffer.from(`${T(1)} stdout F:x hi`))?.content.toString()).toBe('hi');
    expect(parseCRILine(Buffer.from(`${T(1)} stdout F `))?.content.toString()).toBe('');
    expect(parseCRILine(Buffer.from(`${T(1)} stdout F`))?.content.toString()).toBe('');
  });

  it('reject lines that are not records', () => {
    for (const line of ['', 'hello', `${T(1)} stdin F x`, `${T(1)} stdout X x`, 'yesterday stdout F x'])
      expect(parseCRILine(Buffer.from(line))).toBeUndefined();
  });

  it('formatCRILine writes what parseCRILine reads', () => {
    const line = formatCRILine(new Date('2026-11-27T04:00:00.250Z'), 'stdout', 'hi there');
    const r = parseCRILine(line.subarray(0, -1))!;
    expect([r.timestamp, r.content.toString()]).toEqual(['2026-11-27T04:00:00.250000000Z', 'hi there']);
  });
});

describe('LogFormatter', () => {
  const records = sample
    .trim()
    .split('\n')
    .map((l) => parseCRILine(Buffer.from(l))!);
  const format = (o: Partial<LogOptions>) => {
    const f = new LogFormatter({ follow: false, timestamps: false, ...o });
    return Buffer.concat(records.map((r) => f.format(r) ?? Buffer.alloc(0))).toString();
  };

  it('joins partial records into one line', () => {
    expect(format({})).toBe('one\ntwo-end\nthree\nfour\n');
  });

  it('puts the timestamp only where a line starts', () => {
    expect(format({ timestamps: true }).split('\n')[1]).toBe(`${T(2)} two-end`);
  });

  it('drops records before since and stops at limitBytes mid-line', () => {
    expect(format({ sinceNs: parseTimestampNs(T(5)) })).toBe('three\nfour\n');
    expect(format({ limitBytes: 6 })).toBe('one\ntw');
    expect(format({ limitBytes: 0 })).toBe('');
  });
});

describe('tail', () => {
  it('finds the start of the last N logical lines, counting a partial run as one line', async () => {
    const path = file(sample);
    expect(await read(path, { tailLines: 1 })).toBe('four\n');
    expect(await read(path, { tailLines: 3 })).toBe('two-end\nthree\nfour\n');
    expect(await read(path, { tailLines: 4 })).toBe('one\ntwo-end\nthree\nfour\n');
    expect(await read(path, { tailLines: 100 })).toBe('one\ntwo-end\nthree\nfour\n');
    expect(await read(path, { tailLines: 0 })).toBe('');
  });

  it('ignores a record still being written at the end of the file', async () => {
    const path = file(`${sample}${T(7)} stdout F half-writ`);
    expect(await read(path, { tailLines: 1 })).toBe('four\n');
    const fh = await open(path);
    const size = (await fh.stat()).size;
    expect(await findTailOffset(fh, size, 0)).toBe(Buffer.byteLength(sample));
    await fh.close();
  });

  it('works across chunk boundaries in a large file', async () => {
    const lines = Array.from({ length: 5000 }, (_, i) => rec(i % 60, `line-${i}-${'x'.repeat(40)}`)).join('');
    const path = file(lines);
    const out = await read(path, { tailLines: 1500 });
    const got = out.trim().split('\n');
    expect(got).toHaveLength(1500);
    expect(got[0].startsWith('line-3500-')).toBe(true);
    expect(got.at(-1)!.startsWith('line-4999-')).toBe(true);
  });

  it('combines tail with since and timestamps', async () => {
    const path = file(sample);
    expect(await read(path, { tailLines: 3, sinceNs: parseTimestampNs(T(5)), timestamps: true })).toBe(
      `${T(5)} three\n${T(6)} four\n`,
    );
  });
});

describe('follow', () => {
  it('sends lines appended later, then ends once the attempt is over', async () => {
    const path = file(rec(1, 'before'));
    let current = true;
    const out: string[] = [];
    const done = streamLogFile(path, {
      options: { follow: true, timestamps: false },
      write: async (c) => {
        out.push(c.toString());
      },
      signal: new AbortController().signal,
      stillCurrent: () => current,
      pollMs: 20,
    });
    await waitFor(() => out.join('') === 'before\n');
    appendFileSync(path, rec(2, 'after-1'));
    await waitFor(() => out.join('').endsWith('after-1\n'));
    // A record arriving in two writes is sent once complete.
    appendFileSync(path, `${T(3)} stdout F spl`);
    appendFileSync(path, 'it\n');
    await waitFor(() => out.join('').endsWith('split\n'));
    appendFileSync(path, rec(4, 'last-words'));
    current = false;
    await done;
    expect(out.join('')).toBe('before\nafter-1\nsplit\nlast-words\n');
  });

  it('ends when the client goes away', async () => {
    const path = file(rec(1, 'x'));
    const abort = new AbortController();
    const done = streamLogFile(path, {
      options: { follow: true, timestamps: false },
      write: async () => {},
      signal: abort.signal,
      stillCurrent: () => true,
      pollMs: 20,
    });
    setTimeout(() => abort.abort(), 50);
    await done;
  });

  it('follows a rotated file from its start and waits for a file that does not exist yet', async () => {
    const path = join(dir, 'rotating.log');
    const out: string[] = [];
    const abort = new AbortController();
    const done = streamLogFile(path, {
      options: { follow: true, timestamps: false },
      write: async (c) => {
        out.push(c.toString());
      },
      signal: abort.signal,
      stillCurrent: () => true,
      pollMs: 20,
    });
    await new Promise((r) => setTimeout(r, 60));
    writeFileSync(path, rec(1, 'created'));
    await waitFor(() => out.join('') === 'created\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, rec(2, 'rotated'));
    await waitFor(() => out.join('') === 'created\nrotated\n');
    abort.abort();
    await done;
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('formatRFC3339Nano', () => {
  it('writes UTC with Z and drops trailing fraction zeros, as Go does', () => {
    const ns = parseTimestampNs('2026-11-27T04:50:12.014028900+00:00')!;
    expect(formatRFC3339Nano(ns)).toBe('2026-11-27T04:50:12.0140289Z');
    expect(formatRFC3339Nano(parseTimestampNs('2026-11-27T05:00:00+01:00')!)).toBe('2026-11-27T04:00:00Z');
  });
});
