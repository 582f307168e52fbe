/**
 * LIST and WATCH benchmark against a real `skiff server` on sqlite, over HTTP/2 (one session for
 * requests, one shared by all watchers, as informers do).
 * 1. Create 10,000 pods (64 concurrent streams).
 * 2. LIST all of them 5 times: time to the last byte ("received") and after JSON.parse ("parsed").
 *    Target: median received ≤ 200 ms.
 * 3. 100 watchers from the latest resourceVersion; 50 writes (create, then patch, alternating), one
 *    at a time, 50 ms apart. Delay = a watcher's chunk arrival minus the write's response; p99 over
 *    all (watcher, event) pairs. Target: p99 ≤ 50 ms.
 * Limits in the same run: the identical LIST bytes served by a bare Node HTTP/2 server to the same
 * client (the transfer + parse floor), and the same LIST read straight from the server's sqlite
 * file after it stopped (what a server without a watch cache would pay before sending a byte).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBareHttps } from './lib/bare-https.js';
import { makeTempDir, removeTempDir } from './lib/cleanup.js';
import { type H2Client, h2Client } from './lib/client.js';
import { closedLoop } from './lib/load.js';
import { rawSqliteList } from './lib/raw-sqlite.js';
import { type SkiffProcess, startSkiff } from './lib/skiff-process.js';
import { machine, median, round, rssMb } from './lib/stats.js';
import { measureWatchDelays } from './lib/watch-delay.js';

const PODS = 10_000;
const LIST_RUNS = 5;
const WATCHERS = 100;
const WRITES = 50;
const targets = { listMsMax: 200, watchP99MsMax: 50 };
const PODS_PATH = '/api/v1/namespaces/default/pods';

const podBody = (name: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench' } },
    // No scheduler serves this name: the bench measures the API server, not pod placement
    // (the scheduler and deployment benches measure that).
    spec: { schedulerName: 'skiff-bench-unscheduled', containers: [{ name: 'c', image: 'busybox' }] },
  });

/** One timed GET: ms to the last byte and to the parsed value; checks status and item count. */
async function timeGet(client: H2Client, path: string, expectItems?: number) {
  const t0 = performance.now();
  const res = await client.request('GET', path);
  const list = JSON.parse(res.body.toString('utf8'));
  const t1 = performance.now();
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status}`);
  if (expectItems !== undefined && list.items?.length !== expectItems) {
    throw new Error(`GET ${path}: ${list.items?.length} items, expected ${expectItems}`);
  }
  return {
    received: res.endedAt - t0,
    parsed: t1 - t0,
    body: res.body,
    rv: list.metadata?.resourceVersion ?? '',
  };
}

const stat = (xs: number[]) => ({ median: round(median(xs), 1), max: round(Math.max(...xs), 1) });
const summary = (runs: { received: number; parsed: number }[], bytes: number) => ({
  received: stat(runs.map((r) => r.received)),
  receivedParsed: stat(runs.map((r) => r.parsed)),
  bytes,
});

/**
 * LIST from skiff and the same bytes from the bare server, alternating run by run so that load
 * from other processes hits both alike. One untimed warm-up on each side.
 */
async function compareLists(skiff: SkiffProcess, client: H2Client, root: string, items: number) {
  const first = await timeGet(client, PODS_PATH, items);
  const blobFile = join(root, 'list.json');
  writeFileSync(blobFile, first.body);
  const bare = await startBareHttps(join(skiff.dataDir, 'tls'), blobFile);
  try {
    const bareClient = await h2Client(bare.port, skiff.tls);
    try {
      await timeGet(bareClient, '/blob');
      const ours: Awaited<ReturnType<typeof timeGet>>[] = [];
      const theirs: Awaited<ReturnType<typeof timeGet>>[] = [];
      for (let i = 0; i < LIST_RUNS; i++) {
        ours.push(await timeGet(client, PODS_PATH, items));
        theirs.push(await timeGet(bareClient, '/blob'));
      }
      const resourceVersion = ours[ours.length - 1].rv;
      return {
        skiff: summary(ours, first.body.length),
        bare: summary(theirs, first.body.length),
        resourceVersion,
      };
    } finally {
      bareClient.close();
    }
  } finally {
    await bare.stop();
  }
}

async function createPods(client: H2Client) {
  const t0 = performance.now();
  const phase = await closedLoop(64, 40_000, PODS, async (i) => {
    const res = await client.request('POST', PODS_PATH, podBody(`pod-${i}`));
    return res.status === 201;
  });
  return { ...phase, seconds: round((performance.now() - t0) / 1000, 2) };
}

/** Steps 1-3 against the running server. */
async function measureSkiff(skiff: SkiffProcess, root: string) {
  const client = await h2Client(skiff.port, skiff.tls);
  const watchClient = await h2Client(skiff.port, skiff.tls);
  try {
    const creates = await createPods(client);
    skiff.assertAlive();
    const lists = await compareLists(skiff, client, root, creates.ok);
    const watch = await measureWatchDelays(client, watchClient, {
      path: PODS_PATH,
      resourceVersion: lists.resourceVersion,
      watchers: WATCHERS,
      writes: WRITES,
      spacingMs: 50,
      body: podBody,
    });
    skiff.assertAlive();
    return { creates, list: lists.skiff, bareList: lists.bare, watch, rssMb: rssMb(skiff.pid) };
  } finally {
    client.close();
    watchClient.close();
  }
}

/** Runs the benchmark (about 30-50 s) and returns its figures. */
export async function run(): Promise<Record<string, unknown>> {
  const root = makeTempDir('skiff-bench-list-watch-');
  try {
    const dataDir = join(root, 'data');
    const skiff = await startSkiff(dataDir);
    let measured: Awaited<ReturnType<typeof measureSkiff>>;
    try {
      measured = await measureSkiff(skiff, root);
    } finally {
      await skiff.stop();
    }
    const { list, bareList: bareBlob } = measured;
    const sqliteRuns = Array.from({ length: LIST_RUNS }, () =>
      rawSqliteList(join(dataDir, 'db', 'state.db'), '/registry/core/pods/default/', 'PodList'),
    );
    const rawSqlite = {
      medianMs: round(median(sqliteRuns.map((r) => r.ms)), 1),
      readOnlyMedianMs: round(median(sqliteRuns.map((r) => r.readMs)), 1),
      items: sqliteRuns[0].items,
      bytes: sqliteRuns[0].bytes,
    };
    const delays = measured.watch.fromResponseMs;
    const pass =
      measured.creates.ok === PODS &&
      list.received.median <= targets.listMsMax &&
      measured.watch.missing === 0 &&
      delays.p99 <= targets.watchP99MsMax;
    return {
      bench: 'list-watch',
      machine: machine(),
      skiff: { creates: measured.creates, list, watch: measured.watch, rssMbAfterRun: measured.rssMb },
      bareHttpsSameBytes: bareBlob,
      rawSqliteList: rawSqlite,
      ratio: {
        listReceived: round(list.received.median / Math.max(0.1, bareBlob.received.median), 2),
        listReceivedParsed: round(
          list.receivedParsed.median / Math.max(0.1, bareBlob.receivedParsed.median),
          2,
        ),
      },
      targets,
      pass,
    };
  } finally {
    removeTempDir(root);
  }
}
