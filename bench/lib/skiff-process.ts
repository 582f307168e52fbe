/**
 * Runs a real `skiff server` process for a benchmark: a free loopback port, a data dir, readiness
 * by polling /readyz, and the admin client credentials the server wrote.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild, trackChild } from './cleanup.js';

/** Client TLS material: the cluster CA and the admin client certificate. */
export interface ClientTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** A started skiff server. */
export interface SkiffProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  dataDir: string;
  /** Milliseconds from spawn to the first /readyz "ok". */
  readyMs: number;
  tls: ClientTls;
  /** SIGTERM (graceful close), SIGKILL after a grace period. The data dir is left for the caller. */
  stop(): Promise<void>;
  /** Throws, with the end of the server's stderr, if it exited: a crash must not pass as slowness. */
  assertAlive(): void;
}

/** The repo root: bench.mjs passes it; running from the repo works too. */
export const repoRoot = (): string => process.env.SKIFF_BENCH_REPO ?? process.cwd();

/** True when GET /readyz answers 200 "ok"; false on refusal or any other answer. */
export function probeReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, agent: false, timeout: 2000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve(res.statusCode === 200 && body.trim() === 'ok'));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** The port the server announces on stderr ("listening on https://HOST:PORT"), once it has. */
const announcedPort = (stderr: string): number | undefined => {
  const m = /listening on https:\/\/[^\s/]+:(\d+)/.exec(stderr);
  return m ? Number(m[1]) : undefined;
};

/** Waits for the announced port, then polls /readyz; rejects if the child exits or after timeoutMs. */
async function waitReady(child: ChildProcess, stderr: () => string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`skiff server exited (${child.exitCode ?? child.signalCode}): ${stderr()}`);
    }
    const port = announcedPort(stderr());
    if (port && (await probeReady(port))) return port;
    await sleep(10);
  }
  throw new Error(`skiff server not ready after ${timeoutMs} ms: ${stderr()}`);
}

/**
 * Spawns `node bin/skiff.js server` on sqlite in dataDir and waits for /readyz. It listens on
 * port 0 and the bench reads the port it announces: no window for another process to take it.
 */
export async function startSkiff(dataDir: string, timeoutMs = 30_000): Promise<SkiffProcess> {
  const bin = join(repoRoot(), 'bin', 'skiff.js');
  const args = [bin, 'server', '--data-dir', dataDir, '--port', '0', '--bind-address', '127.0.0.1'];
  const t0 = performance.now();
  const child = trackChild(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] }));
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    err = (err + c).slice(-4000);
  });
  const stop = () => stopChild(child);
  let port: number;
  try {
    port = await waitReady(child, () => err, timeoutMs);
  } catch (e) {
    await stop();
    throw e;
  }
  const readyMs = performance.now() - t0;
  const tlsDir = join(dataDir, 'tls');
  const tls = {
    ca: readFileSync(join(tlsDir, 'ca.crt')),
    cert: readFileSync(join(tlsDir, 'admin.crt')),
    key: readFileSync(join(tlsDir, 'admin.key')),
  };
  const assertAlive = () => {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`skiff server died during the run (${child.exitCode ?? child.signalCode}): ${err}`);
    }
  };
  return { child, pid: child.pid ?? -1, port, dataDir, readyMs, tls, stop, assertAlive };
}
