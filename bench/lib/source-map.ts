/**
 * Maps a line of the bundled CLI (dist/*.mjs) back to its source file, so a CPU profile of the
 * server names `src/apiserver/watch-cache.ts` rather than `skiff.mjs:6995`. Only the source file
 * and line of the first mapping on a generated line are needed, which keeps the decoder small.
 * snapshotSourceMaps copies the maps when the server starts: a rebuild by someone else during a
 * long run must not shift the lines under the profile.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const digit = new Map([...B64].map((c, i) => [c, i]));

/** Decodes one segment's base64 VLQ fields. */
function decodeSegment(seg: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of seg) {
    const d = digit.get(c) ?? 0;
    value += (d & 31) << shift;
    if (d & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

/** Source "file:line" of each generated line (0-based index), from a v3 source map. */
export type LineMap = (generatedLine: number) => string | undefined;

/** Loads a source map file into a line lookup. */
export function loadLineMap(mapFile: string): LineMap {
  const map = JSON.parse(readFileSync(mapFile, 'utf8')) as { sources: string[]; mappings: string };
  const sources = map.sources.map((s) => s.replace(/^(\.\.\/)+/, ''));
  const lines: Array<string | undefined> = [];
  let src = 0;
  let srcLine = 0;
  for (const line of map.mappings.split(';')) {
    let first: string | undefined;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const f = decodeSegment(seg);
      if (f.length < 4) continue;
      src += f[1];
      srcLine += f[2];
      first ??= `${sources[src]}:${srcLine + 1}`;
    }
    lines.push(first);
  }
  return (n) => lines[n];
}

/** Copies every *.map under dist (and dist/chunks) into dir. */
export function snapshotSourceMaps(distDir: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const sub of ['', 'chunks']) {
    const from = join(distDir, sub);
    if (!existsSync(from)) continue;
    for (const f of readdirSync(from)) if (f.endsWith('.map')) copyFileSync(join(from, f), join(dir, f));
  }
}
