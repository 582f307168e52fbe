/**
 * Where a server's CPU time went: run it under `node --cpu-prof` (profileArgs), then summarise the
 * .cpuprofile it writes on exit as the top functions by self time (topSelfTime), optionally only
 * over the measured window. V8's profile clock and process.hrtime are both CLOCK_MONOTONIC in
 * microseconds on Linux, so the bench can cut the window with its own timestamps.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type LineMap, loadLineMap } from './source-map.js';
import { round } from './stats.js';

/** Microseconds on the monotonic clock V8's profiler stamps samples with. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Node flags that make a child write a CPU profile into dir when it exits normally. */
export const profileArgs = (dir: string): string[] => [
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
  '--cpu-prof-interval=1000',
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the sampled time. */
export interface SelfTime {
  fn: string;
  ms: number;
  pct: number;
}

/** A profile summary: the top functions and the window it covers. */
export interface ProfileSummary {
  file: string;
  windowMs: number;
  /** Sampled time outside (idle): on a busy server, what is left over. */
  idlePct: number;
  top: SelfTime[];
}

/** Labels call frames "fn file:line", through the bundle's source maps in mapsDir when present. */
function labeller(mapsDir: string): (f: ProfileNode['callFrame']) => string {
  const maps = new Map<string, LineMap | undefined>();
  const mapFor = (file: string) => {
    if (!maps.has(file)) {
      const m = join(mapsDir, `${file}.map`);
      maps.set(file, existsSync(m) ? loadLineMap(m) : undefined);
    }
    return maps.get(file);
  };
  return (f) => {
    const file = f.url ? basename(f.url) : '';
    const where = file ? (mapFor(file)?.(f.lineNumber) ?? `${file}:${f.lineNumber + 1}`) : '';
    return `${f.functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
  };
}

/**
 * The top `n` functions by self time in the first .cpuprofile in dir, counting only samples
 * between fromUs and toUs (monotonicUs) when given; frames of the bundle are named by source
 * file when dir/maps holds its source maps (snapshotSourceMaps). Undefined without a profile.
 */
export function topSelfTime(dir: string, n = 15, fromUs = 0, toUs = Infinity): ProfileSummary | undefined {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return undefined;
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const label = labeller(join(dir, 'maps'));
  const byId = new Map(p.nodes.map((node) => [node.id, label(node.callFrame)]));
  const self = new Map<string, number>();
  let t = p.startTime;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    t += p.timeDeltas[i];
    if (t < fromUs || t > toUs) continue;
    const fn = byId.get(p.samples[i]) ?? '?';
    self.set(fn, (self.get(fn) ?? 0) + dt);
    total += dt;
  }
  const idle = self.get('(idle)') ?? 0;
  const top = [...self.entries()]
    .filter(([fn]) => fn !== '(idle)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({ fn, ms: round(us / 1000, 0), pct: round((100 * us) / Math.max(1, total), 1) }));
  return {
    file,
    windowMs: round(total / 1000, 0),
    idlePct: round((100 * idle) / Math.max(1, total), 1),
    top,
  };
}
