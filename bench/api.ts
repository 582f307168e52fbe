/**
 * API benchmark: pod creates/s and latency with 1 and 64 concurrent HTTPS/1.1 keep-alive clients
 * against a real `skiff server` on sqlite, compared in the same run with (1) a bare Node.js HTTPS
 * server that parses the same body and answers 201 with it, driven by the same client code, and
 * (2) raw better-sqlite3 inserts with the same durability. Target: skiff keeps at least half the
 * bare server's throughput at 64 clients, and at most twice its p99.
 */
import { join } from 'node:path';
import { startBareHttps } from './lib/bare-https.js';
import { makeTempDir, removeTempDir } from './lib/cleanup.js';
import { type Client, h1Client } from './lib/client.js';
import { closedLoop, type PhaseResult } from './lib/load.js';
import { rawInserts } from './lib/raw-sqlite.js';
import { startSkiff } from './lib/skiff-process.js';
import { machine, round, rssMb } from './lib/stats.js';

const PHASE_MS = 5000;
const WARMUP_MS = 1000;
const MAX_REQUESTS = { c1: 50_000, c64: 100_000 };
const targets = { rpsRatioMin: 0.5, p99RatioMax: 2 };

const podBody = (name: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });

/** One closed-loop phase of pod creates through a fresh client with `concurrency` sockets. */
async function createPhase(
  make: (sockets: number) => Client,
  tag: string,
  concurrency: number,
  ms: number,
  max: number,
): Promise<PhaseResult> {
  const client = make(concurrency);
  try {
    return await closedLoop(concurrency, ms, max, async (i) => {
      const res = await client.request('POST', '/api/v1/namespaces/default/pods', podBody(`${tag}-${i}`));
      return res.status === 201;
    });
  } finally {
    client.close();
  }
}

/** Warm-up (JIT, connections), then 1 and 64 concurrent clients. */
async function measure(make: (sockets: number) => Client, tag: string) {
  await createPhase(make, `${tag}-warm`, 8, WARMUP_MS, 5000);
  const c1 = await createPhase(make, `${tag}-c1`, 1, PHASE_MS, MAX_REQUESTS.c1);
  const c64 = await createPhase(make, `${tag}-c64`, 64, PHASE_MS, MAX_REQUESTS.c64);
  return { c1, c64 };
}

/** Runs the benchmark (about 30 s) and returns its figures. */
export async function run(): Promise<Record<string, unknown>> {
  const root = makeTempDir('skiff-bench-api-');
  try {
    const dataDir = join(root, 'data');
    const skiff = await startSkiff(dataDir);
    let skiffResult: Record<string, unknown>;
    let samplePod = '';
    try {
      const figures = await measure((n) => h1Client(skiff.port, skiff.tls, n), 's');
      skiff.assertAlive();
      const probe = h1Client(skiff.port, skiff.tls, 1);
      samplePod = (await probe.request('GET', '/api/v1/namespaces/default/pods/s-c1-0')).body.toString();
      probe.close();
      skiffResult = {
        ...figures,
        rssMbAfterRun: rssMb(skiff.pid),
        podsCreated: figures.c1.ok + figures.c64.ok,
      };
    } finally {
      await skiff.stop();
    }

    const bare = await startBareHttps(join(dataDir, 'tls'));
    let bareResult: Awaited<ReturnType<typeof measure>> & { rssMbAfterRun?: number };
    try {
      bareResult = await measure((n) => h1Client(bare.port, skiff.tls, n), 'b');
      bareResult.rssMbAfterRun = rssMb(bare.pid);
    } finally {
      await bare.stop();
    }

    // The value a create stores: the pod as skiff returned it (defaults filled in).
    const value = samplePod || podBody('raw');
    const rawSqlite = {
      valueBytes: value.length,
      onePerCommit: rawInserts(join(root, 'raw1.db'), value, 1, 2000, 50_000),
      sixtyFourPerCommit: rawInserts(join(root, 'raw64.db'), value, 64, 2000, 500_000),
    };

    const s = skiffResult as unknown as { c1: PhaseResult; c64: PhaseResult };
    const ratio = {
      rps64: round(s.c64.rps / Math.max(1, bareResult.c64.rps), 3),
      p99_64: round(s.c64.p99 / Math.max(0.001, bareResult.c64.p99), 2),
      rps1: round(s.c1.rps / Math.max(1, bareResult.c1.rps), 3),
      p99_1: round(s.c1.p99 / Math.max(0.001, bareResult.c1.p99), 2),
      rps64VsRawSqliteOnePerCommit: round(s.c64.rps / Math.max(1, rawSqlite.onePerCommit.rowsPerS), 2),
    };
    return {
      bench: 'api',
      machine: machine(),
      phaseMs: PHASE_MS,
      skiff: skiffResult,
      bareHttps: bareResult,
      rawSqlite,
      ratio,
      targets,
      pass: ratio.rps64 >= targets.rpsRatioMin && ratio.p99_64 <= targets.p99RatioMax && s.c64.errors === 0,
    };
  } finally {
    removeTempDir(root);
  }
}
