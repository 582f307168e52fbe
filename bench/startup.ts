/**
 * Start-up benchmark: `skiff server` from spawn to the first /readyz "ok" with an empty data dir
 * (so certificate generation is included), median of 5 cold starts, and RSS after 3 s idle.
 * Targets: ≤ 1000 ms, ≤ 80 MB. Same-run limits: `node -e 0` (the floor of any Node process) and a
 * bare Node HTTPS server (same certificate, same /readyz probe), its start time and idle RSS.
 * Three warm restarts on existing data dirs show what certificate generation costs.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startBareHttps } from './lib/bare-https.js';
import { makeTempDir, removeTempDir, trackChild } from './lib/cleanup.js';
import { probeReady, startSkiff } from './lib/skiff-process.js';
import { machine, median, round, rssMb } from './lib/stats.js';

const RUNS = 5;
const IDLE_MS = 3000;
const targets = { startMsMax: 1000, idleRssMbMax: 80 };

/** One start in dataDir: ms to ready and RSS after idleMs idle. */
async function startOnce(dataDir: string, idleMs = IDLE_MS) {
  const skiff = await startSkiff(dataDir);
  try {
    await sleep(idleMs);
    return { readyMs: skiff.readyMs, idleRssMb: rssMb(skiff.pid) };
  } finally {
    await skiff.stop();
  }
}

/** Milliseconds from spawn to exit of `node -e 0`. */
async function nodeNoop(): Promise<number> {
  const t0 = performance.now();
  const child = trackChild(spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' }));
  await new Promise((done) => child.once('exit', done));
  return performance.now() - t0;
}

/** The bare server: ms from spawn to its first /readyz "ok" (same method as skiff) and idle RSS. */
async function bareOnce(tlsDir: string) {
  const t0 = performance.now();
  const bare = await startBareHttps(tlsDir);
  try {
    const deadline = t0 + 10_000;
    while (!(await probeReady(bare.port)) && performance.now() < deadline) await sleep(10);
    const readyMs = performance.now() - t0;
    await sleep(IDLE_MS);
    return { readyMs, idleRssMb: rssMb(bare.pid) };
  } finally {
    await bare.stop();
  }
}

/** Runs the benchmark (about 30 s) and returns its figures. */
export async function run(): Promise<Record<string, unknown>> {
  const root = makeTempDir('skiff-bench-startup-');
  try {
    // Each cold start is paired with a `node -e 0` right after it: both see the same machine load.
    const cold: { readyMs: number; idleRssMb: number }[] = [];
    const noop: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      cold.push(await startOnce(join(root, `data-${i}`)));
      noop.push(await nodeNoop());
    }
    const warm: number[] = [];
    for (let i = 0; i < 3; i++) warm.push((await startOnce(join(root, `data-${i}`), 0)).readyMs);
    const bare = await bareOnce(join(root, `data-${RUNS - 1}`, 'tls'));

    const coldMs = cold.map((c) => c.readyMs);
    const skiff = {
      coldStartMs: {
        median: round(median(coldMs), 0),
        max: round(Math.max(...coldMs), 0),
        runs: coldMs.map((x) => round(x, 0)),
      },
      warmStartMs: { median: round(median(warm), 0), runs: warm.map((x) => round(x, 0)) },
      idleRssMb: median(cold.map((c) => c.idleRssMb)),
    };
    const limits = {
      nodeNoopMs: { median: round(median(noop), 0), max: round(Math.max(...noop), 0) },
      bareHttps: { readyMs: round(bare.readyMs, 0), idleRssMb: bare.idleRssMb },
    };
    return {
      bench: 'startup',
      machine: machine(),
      idleMs: IDLE_MS,
      skiff,
      limits,
      ratio: {
        startVsNodeNoop: round(skiff.coldStartMs.median / Math.max(1, limits.nodeNoopMs.median), 1),
        startVsBareHttps: round(skiff.coldStartMs.median / Math.max(1, limits.bareHttps.readyMs), 1),
        rssVsBareHttps: round(skiff.idleRssMb / Math.max(1, limits.bareHttps.idleRssMb), 2),
      },
      targets,
      pass: skiff.coldStartMs.median <= targets.startMsMax && skiff.idleRssMb <= targets.idleRssMbMax,
    };
  } finally {
    removeTempDir(root);
  }
}
