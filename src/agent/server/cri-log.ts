/**
 * CRI container log files, as conmon writes them: one record per line,
 * `<RFC 3339 nano timestamp> <stdout|stderr> <P|F> <content>`, where P marks a partial line whose
 * rest follows in the next record(s) and F ends it. This module parses records, finds where the
 * last N lines start without reading the whole file, and streams a file with the kubelet's log
 * options (tailLines, sinceTime, timestamps, limitBytes, follow).
 *
 * tailLines counts logical lines (a run of P records and their F), not records, so
 * `--tail=1` never starts in the middle of a long line.
 */

import { watch } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';

export interface CRIRecord {
  /** The timestamp as written. */
  timestamp: string;
  /** Nanoseconds since the epoch. */
  time: bigint;
  stream: 'stdout' | 'stderr';
  /** True for a P record: the line continues in the next record. */
  partial: boolean;
  content: Buffer;
}

const timestampPattern = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch of an RFC 3339 timestamp with up to 9 fraction digits. */
export function parseTimestampNs(ts: string): bigint | undefined {
  const m = timestampPattern.exec(ts);
  if (!m) return undefined;
  const seconds = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(seconds)) return undefined;
  const fraction = BigInt((m[2] ?? '').padEnd(9, '0'));
  return BigInt(seconds) * 1_000_000n + fraction;
}

/**
 * A time as Go's RFC3339Nano in UTC (trailing fraction zeros dropped), which `kubectl logs
 * --timestamps` shows whatever offset the runtime wrote (conmon writes +00:00).
 */
export function formatRFC3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const base = new Date(ms - (ms % 1000)).toISOString().slice(0, 19);
  const fraction = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}

/** Parses one record (without its newline); undefined when it is not a CRI record. */
export function parseCRILine(line: Buffer): CRIRecord | undefined {
  const s1 = line.indexOf(0x20);
  if (s1 < 0) return undefined;
  const s2 = line.indexOf(0x20, s1 + 1);
  if (s2 < 0) return undefined;
  const timestamp = line.subarray(0, s1).toString('latin1');
  const time = parseTimestampNs(timestamp);
  const stream = line.subarray(s1 + 1, s2).toString('latin1');
  if (time === undefined || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  // The tag field may carry more tags after a ':' (P:foo); only the first matters here.
  const s3 = line.indexOf(0x20, s2 + 1);
  const tags = line.subarray(s2 + 1, s3 < 0 ? line.length : s3).toString('latin1');
  const tag = tags.split(':')[0];
  if (tag !== 'P' && tag !== 'F') return undefined;
  return {
    timestamp,
    time,
    stream,
    partial: tag === 'P',
    content: s3 < 0 ? Buffer.alloc(0) : line.subarray(s3 + 1),
  };
}

/** Formats one CRI record as a conmon-style line (for tests and test runtimes). */
export function formatCRILine(
  time: Date | string,
  stream: 'stdout' | 'stderr',
  content: string | Buffer,
  partial = false,
): Buffer {
  const ts = typeof time === 'string' ? time : time.toISOString().replace('Z', '000000Z');
  return Buffer.concat([
    Buffer.from(`${ts} ${stream} ${partial ? 'P' : 'F'} `),
    Buffer.from(content),
    Buffer.from('\n'),
  ]);
}

export interface LogOptions {
  /** Keep reading as the file grows. */
  follow: boolean;
  /** Only the last N lines (0: none). */
  tailLines?: number;
  /** Only records at or after this time (ns since the epoch). */
  sinceNs?: bigint;
  /** Prefix each line with its timestamp. */
  timestamps: boolean;
  /** Stop after this many bytes of output. */
  limitBytes?: number;
}

/**
 * Turns records into output bytes. Stateful: a timestamp prefix goes only at the start of a
 * logical line, and the byte limit spans the whole response.
 */
export class LogFormatter {
  private atLineStart = true;
  private written = 0;
  /** True once limitBytes is reached: nothing more may be written. */
  done = false;

  constructor(private readonly options: LogOptions) {}

  format(rec: CRIRecord): Buffer | undefined {
    const startsLine = this.atLineStart;
    this.atLineStart = !rec.partial;
    if (this.done) return undefined;
    if (this.options.sinceNs !== undefined && rec.time < this.options.sinceNs) return undefined;
    const parts: Buffer[] = [];
    if (this.options.timestamps && startsLine) parts.push(Buffer.from(`${formatRFC3339Nano(rec.time)} `));
    parts.push(rec.content);
    if (!rec.partial) parts.push(Buffer.from('\n'));
    let out = Buffer.concat(parts);
    const limit = this.options.limitBytes;
    if (limit !== undefined) {
      const room = limit - this.written;
      if (out.length >= room) {
        out = out.subarray(0, room);
        this.done = true;
      }
    }
    this.written += out.length;
    return out.length > 0 ? out : undefined;
  }
}

const chunkSize = 64 * 1024;

/**
 * Complete records before `end` (which must follow a newline or be 0), last first, with the
 * offset just past each one's newline. Reads backwards in chunks.
 */
async function* recordsBackward(fh: FileHandle, end: number): AsyncGenerator<{ line: Buffer; end: number }> {
  let bufStart = end;
  let buf: Buffer = Buffer.alloc(0);
  for (;;) {
    const nl = buf.length >= 2 ? buf.lastIndexOf(0x0a, buf.length - 2) : -1;
    if (nl >= 0 || (bufStart === 0 && buf.length > 0)) {
      const lineStart = nl + 1;
      yield { line: buf.subarray(lineStart, buf.length - 1), end: bufStart + buf.length };
      buf = buf.subarray(0, lineStart);
      continue;
    }
    if (bufStart === 0) return;
    const size = Math.min(chunkSize, bufStart);
    const chunk = Buffer.alloc(size);
    await fh.read(chunk, 0, size, bufStart - size);
    bufStart -= size;
    buf = Buffer.concat([chunk, buf]);
  }
}

/** The offset just past the last newline before `end` (0 when there is none). */
async function lastNewlineEnd(fh: FileHandle, end: number): Promise<number> {
  let pos = end;
  while (pos > 0) {
    const size = Math.min(chunkSize, pos);
    const chunk = Buffer.alloc(size);
    await fh.read(chunk, 0, size, pos - size);
    const nl = chunk.lastIndexOf(0x0a);
    if (nl >= 0) return pos - size + nl + 1;
    pos -= size;
  }
  return 0;
}

/**
 * The file offset where the last `lines` logical lines begin, reading backwards from `end`.
 * Bytes after the last newline (a record still being written) are not counted.
 */
export async function findTailOffset(fh: FileHandle, end: number, lines: number): Promise<number> {
  const complete = await lastNewlineEnd(fh, end);
  if (lines <= 0) return complete;
  let count = 0;
  for await (const r of recordsBackward(fh, complete)) {
    const rec = parseCRILine(r.line);
    // The last record belongs to line 1 whatever its tag; each earlier F ends one more line.
    if (count === 0) count = 1;
    else if (!rec?.partial) {
      count++;
      if (count > lines) return r.end;
    }
  }
  return 0;
}

export interface StreamLogOptions {
  options: LogOptions;
  /** Delivers output; resolves when the consumer can take more. */
  write(chunk: Buffer): Promise<void>;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /**
   * Polled while following: false once the container stopped or a new attempt writes another
   * file. What is in the file then is still sent, and the stream ends.
   */
  stillCurrent(): boolean;
  /** Poll interval while following (default 250 ms; file change notifications come sooner). */
  pollMs?: number;
}

/** Streams a CRI log file with the given options; resolves when done. */
export async function streamLogFile(path: string, o: StreamLogOptions): Promise<void> {
  const formatter = new LogFormatter(o.options);
  let fh: FileHandle | undefined;
  let ino = 0;
  let offset = 0;
  let carry: Buffer = Buffer.alloc(0);
  const openFile = async (fromTail: boolean): Promise<boolean> => {
    try {
      fh = await open(path, 'r');
    } catch {
      return false;
    }
    const st = await fh.stat();
    ino = st.ino;
    offset =
      fromTail && o.options.tailLines !== undefined
        ? await findTailOffset(fh, st.size, o.options.tailLines)
        : 0;
    carry = Buffer.alloc(0);
    return true;
  };
  /** Reads from offset to EOF, emitting complete records. */
  const drain = async (): Promise<void> => {
    if (!fh) return;
    const buf = Buffer.alloc(chunkSize);
    for (;;) {
      if (o.signal.aborted || formatter.done) return;
      const { bytesRead } = await fh.read(buf, 0, chunkSize, offset);
      if (bytesRead === 0) return;
      offset += bytesRead;
      let data = Buffer.concat([carry, buf.subarray(0, bytesRead)]);
      let nl = data.indexOf(0x0a);
      while (nl >= 0) {
        const rec = parseCRILine(data.subarray(0, nl));
        if (rec) {
          const out = formatter.format(rec);
          if (out) await o.write(out);
          if (formatter.done || o.signal.aborted) return;
        }
        data = data.subarray(nl + 1);
        nl = data.indexOf(0x0a);
      }
      carry = Buffer.from(data);
    }
  };
  const closeFile = async () => {
    await fh?.close().catch(() => {});
    fh = undefined;
  };

  try {
    await openFile(true);
    await drain();
    if (!o.options.follow) return;
    const wake = new Wake(path, o.pollMs ?? 250, o.signal);
    try {
      while (!o.signal.aborted && !formatter.done) {
        await wake.next();
        await drain();
        const current = await stat(path).catch(() => undefined);
        if (!fh && current) {
          // The file appeared (the container had not written yet).
          if (await openFile(false)) await drain();
          continue;
        }
        if (current && current.ino !== ino) {
          // Rotated: the rest of the old file was read above; continue with the new one.
          await closeFile();
          if (await openFile(false)) await drain();
          continue;
        }
        if (current && current.size < offset) {
          // Truncated in place: start over.
          offset = 0;
          carry = Buffer.alloc(0);
          await drain();
        }
        if (!o.stillCurrent()) {
          await drain();
          return;
        }
      }
    } finally {
      wake.close();
    }
  } finally {
    await closeFile();
  }
}

/** Resolves next() on a change notification for the file or after the poll interval. */
class Wake {
  private resolve: (() => void) | undefined;
  private watcher: ReturnType<typeof watch> | undefined;
  private pending = false;

  constructor(
    path: string,
    private readonly pollMs: number,
    private readonly signal: AbortSignal,
  ) {
    try {
      this.watcher = watch(path, { persistent: false }, () => this.fire());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      // No file yet, or no inotify: polling alone will do.
    }
    signal.addEventListener('abort', () => this.fire(), { once: true });
  }

  next(): Promise<void> {
    if (this.pending || this.signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fire(), this.pollMs);
      this.resolve = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private fire(): void {
    const r = this.resolve;
    this.resolve = undefined;
    if (r) r();
    else this.pending = true;
  }

  close(): void {
    this.watcher?.close();
    this.fire();
  }
}
