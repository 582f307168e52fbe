/**
 * Watch fan-out delay: N watchers on one HTTP/2 session, then writes one at a time; for every
 * (watcher, event) pair, the time from the write's response to the event reaching that watcher.
 * Events are matched by resourceVersion, which is unique per write.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { H2Client, WatchStream } from './client.js';
import { percentile, round } from './stats.js';

/** What to watch and how to write. */
export interface WatchDelayOptions {
  path: string;
  resourceVersion: string;
  watchers: number;
  writes: number;
  spacingMs: number;
  /** A pod body for a given name. */
  body: (name: string) => string;
}

const summarize = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return {
    p50: round(percentile(sorted, 0.5), 2),
    p99: round(percentile(sorted, 0.99), 2),
    max: round(sorted.at(-1) ?? 0, 2),
  };
};

/** Write i: even i creates watch-(i/2); odd i merge-patches that pod. Returns its resourceVersion. */
async function write(client: H2Client, o: WatchDelayOptions, i: number): Promise<string> {
  const name = `watch-${Math.floor(i / 2)}`;
  const res =
    i % 2 === 0
      ? await client.request('POST', o.path, o.body(name))
      : await client.request(
          'PATCH',
          `${o.path}/${name}`,
          JSON.stringify({ metadata: { labels: { step: String(i) } } }),
          'application/merge-patch+json',
        );
  if (res.status !== 201 && res.status !== 200) throw new Error(`write ${i}: ${res.status} ${res.body}`);
  return JSON.parse(res.body.toString('utf8')).metadata.resourceVersion;
}

/** Opens the watchers, performs the writes, waits (≤ 5 s) for stragglers, and returns delays in ms. */
export async function measureWatchDelays(writer: H2Client, watchSession: H2Client, o: WatchDelayOptions) {
  const seen = Array.from({ length: o.watchers }, () => new Map<string, number>());
  const streams: WatchStream[] = [];
  const query = `${o.path}?watch=1&resourceVersion=${o.resourceVersion}`;
  try {
    for (let w = 0; w < o.watchers; w++) {
      streams.push(
        watchSession.watch(query, (line, at) => {
          const rv = JSON.parse(line)?.object?.metadata?.resourceVersion;
          if (rv && !seen[w].has(rv)) seen[w].set(rv, at);
        }),
      );
    }
    const statuses = await Promise.all(streams.map((s) => s.opened));
    if (statuses.some((s) => s !== 200)) throw new Error(`watch statuses: ${[...new Set(statuses)]}`);

    const writes: { rv: string; sentAt: number; respondedAt: number }[] = [];
    for (let i = 0; i < o.writes; i++) {
      const sentAt = performance.now();
      const rv = await write(writer, o, i);
      writes.push({ rv, sentAt, respondedAt: performance.now() });
      await sleep(o.spacingMs);
    }
    const expected = o.watchers * o.writes;
    const count = () => seen.reduce((n, m) => n + writes.filter((x) => m.has(x.rv)).length, 0);
    const deadline = performance.now() + 5000;
    while (count() < expected && performance.now() < deadline) await sleep(20);

    const fromResponse: number[] = [];
    const fromRequest: number[] = [];
    let beforeResponse = 0;
    for (const m of seen) {
      for (const x of writes) {
        const at = m.get(x.rv);
        if (at === undefined) continue;
        // The server may push the event before the write's own response: that is a zero delay.
        if (at < x.respondedAt) beforeResponse++;
        fromResponse.push(Math.max(0, at - x.respondedAt));
        fromRequest.push(at - x.sentAt);
      }
    }
    return {
      watchers: o.watchers,
      writes: o.writes,
      pairs: fromResponse.length,
      missing: expected - fromResponse.length,
      seenBeforeResponse: beforeResponse,
      fromResponseMs: summarize(fromResponse),
      fromRequestMs: summarize(fromRequest),
    };
  } finally {
    for (const s of streams) s.close();
  }
}
