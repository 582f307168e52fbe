/**
 * A real API server inside the test process, on a throwaway SQLite database, running only the
 * controllers a test names (DESIGN.md convention 7: real over fake). Use `client` to create
 * objects and `waitFor` to poll for a controller's effect.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultServerConfig, type RunningServer, startServer } from '../../src/apiserver/server.js';
import type { Client } from '../../src/client/types.js';
import type { Controller, ControllerOptions } from '../../src/controllers/manager.js';

export interface TestServer {
  server: RunningServer;
  client: Client;
  dataDir: string;
  close(): Promise<void>;
}

export async function startTestServer(
  controllers: Controller[],
  controllerOptions: Partial<ControllerOptions> = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-test-'));
  const server = await startServer({
    ...defaultServerConfig(dataDir),
    port: 0,
    bindAddress: '127.0.0.1',
    controllers,
    controllerOptions,
  });
  return {
    server,
    client: server.client,
    dataDir,
    async close() {
      try {
        await server.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** Polls until check returns a truthy value (returned), or fails after timeoutMs. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
