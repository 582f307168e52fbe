/**
 * Durability of acknowledged writes on the embedded SQLite store: 50 keep-alive HTTPS clients
 * create ConfigMaps as fast as the server answers, the server is SIGKILLed mid-stream, and after
 * a restart on the same data directory every name that was answered 201 must exist. Writes in
 * flight at the kill may or may not exist; only an acknowledged write that vanished is a failure.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/cluster.js';
import { type AdminTls, adminAgent, adminTls, rawRequest } from '../support/https.js';

const CLIENTS = 50;
// Both bounds keep the loop finite if the kill never lands; the kill normally stops it first.
const MAX_PER_CLIENT = 2000;
const LOAD_DEADLINE_MS = 15_000;
const KILL_AFTER_MS = 1500;
const path = '/api/v1/namespaces/default/configmaps';

interface LoadResult {
  acked: Set<string>;
  /** Connection errors: expected for requests in flight at the kill. */
  dropped: number;
  /** Any HTTP answer but 201: none expected. */
  unexpected: string[];
}

/** One client: creates ConfigMaps in a loop on one keep-alive connection until an error. */
async function client(port: number, tls: AdminTls, id: number, result: LoadResult, deadline: number) {
  const agent = adminAgent(tls);
  try {
    for (let i = 0; i < MAX_PER_CLIENT && Date.now() < deadline; i++) {
      const name = `load-${id}-${i}`;
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name },
        data: { i: `${i}` },
      });
      let status: number;
      try {
        status = (await rawRequest(port, tls, { method: 'POST', path, body, agent })).status;
      } catch {
        result.dropped++;
        return;
      }
      if (status !== 201) {
        result.unexpected.push(`${name}: ${status}`);
        return;
      }
      result.acked.add(name);
    }
  } finally {
    agent.destroy();
  }
}

describe('crash durability on sqlite', () => {
  let dataDir = '';
  let server: TestServer | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-crash-'));
    server = await startServer({ dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('every ConfigMap acknowledged before a SIGKILL exists after restart', async () => {
    const first = server!;
    const tls = adminTls(dataDir);
    const result: LoadResult = { acked: new Set(), dropped: 0, unexpected: [] };
    const deadline = Date.now() + LOAD_DEADLINE_MS;
    const load = Promise.all(
      Array.from({ length: CLIENTS }, (_, id) => client(first.port, tls, id, result, deadline)),
    );
    await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
    await first.kill();
    await load;

    expect(result.unexpected).toEqual([]);
    // The kill must have landed mid-stream with real load behind it, or the test proves nothing.
    expect(result.dropped).toBeGreaterThan(0);
    expect(result.acked.size).toBeGreaterThan(CLIENTS);

    server = await startServer({ dataDir, port: first.port });
    const list = await rawRequest(server.port, tls, { path, timeoutMs: 30_000 });
    expect(list.status).toBe(200);
    const stored = new Set<string>(list.json.items.map((i: any) => i.metadata.name));
    const lost = [...result.acked].filter((name) => !stored.has(name));
    expect(lost).toEqual([]);

    // Resource versions keep rising after the crash: a new write is newer than all survivors.
    const maxRv = Math.max(...list.json.items.map((i: any) => Number(i.metadata.resourceVersion)));
    const after = await rawRequest(server.port, tls, {
      method: 'POST',
      path,
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'after-restart' } }),
    });
    expect(after.status).toBe(201);
    expect(Number(after.json.metadata.resourceVersion)).toBeGreaterThan(maxRv);
  });
});
