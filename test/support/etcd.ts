/**
 * Starts a throwaway single-member etcd on loopback for tests (storage conformance, e2e HA).
 * Each instance gets its own data directory and free ports; stop() kills it and removes the
 * directory. A missing binary is a test failure with the install hint, never a skip: CI installs it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** The etcd binary from Debian's etcd-server package. */
export const ETCD_BINARY = process.env.SKIFF_ETCD_BINARY ?? '/usr/bin/etcd';

/** A running test etcd. */
export interface TestEtcd {
  /** Client URL, e.g. http://127.0.0.1:41234. */
  endpoint: string;
  /** Kills etcd and removes its data directory; idempotent. */
  stop(): Promise<void>;
}

/** Polls etcd's /health until it reports healthy, or fails after timeoutMs. */
async function waitHealthy(endpoint: string, child: ChildProcess, log: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}:\n${log()}`);
    try {
      const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (body.health === 'true') return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`etcd at ${endpoint} not healthy after ${timeoutMs} ms:\n${log()}`);
}

/** Starts etcd on free loopback ports and waits until it answers. */
export async function startEtcd(): Promise<TestEtcd> {
  if (!existsSync(ETCD_BINARY)) {
    throw new Error(`${ETCD_BINARY} not found: install it with 'apt-get install -y etcd-server'`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const endpoint = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  let output = '';
  const child = spawn(
    ETCD_BINARY,
    [
      '--name=default',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${endpoint}`,
      `--advertise-client-urls=${endpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--log-level=error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await waitHealthy(endpoint, child, () => output, 20_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}
