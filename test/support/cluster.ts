/**
 * Starts real `skiff server` processes (the built bin, as a user runs it) on free loopback ports
 * with throwaway data directories, and runs the real kubectl against them. stop() kills the
 * process and removes the directory; tests call it in afterAll so failures clean up too.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export { freePort };

const repoRoot = new URL('../..', import.meta.url).pathname;
export const skiffBin = join(repoRoot, 'bin', 'skiff.js');

export interface ServerOptions {
  /** Reuse a data directory (restart tests); a new temporary one otherwise. */
  dataDir?: string;
  port?: number;
  /** Extra `skiff server` flags, e.g. ['--store', 'etcd', '--etcd-endpoints', url]. */
  args?: string[];
}

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  kubeconfig: string;
  process: ChildProcess;
  /** Output so far, for failure messages. */
  log(): string;
  /** SIGKILL without cleanup of the data directory (crash tests). */
  kill(): Promise<void>;
  /** Stops the process and removes the data directory unless it was passed in. */
  stop(): Promise<void>;
}

async function waitReady(
  url: string,
  child: ChildProcess,
  log: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`skiff server exited with ${child.exitCode}:\n${log()}`);
    if ((await probe(`${url}/readyz`)) === 'ok') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`skiff server at ${url} not ready after ${timeoutMs} ms:\n${log()}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** GETs a URL over HTTPS without verifying the server (readiness only); '' on failure. */
function probe(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpsGet(url, { rejectUnauthorized: false, timeout: 1000 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', () => resolve(''));
    req.on('timeout', () => req.destroy());
  });
}

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  const port = opts.port ?? (await freePort());
  const child = spawn(
    process.execPath,
    [
      skiffBin,
      'server',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--bind-address',
      '127.0.0.1',
      ...(opts.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const url = `https://127.0.0.1:${port}`;
  const server: TestServer = {
    url,
    port,
    dataDir,
    kubeconfig: join(dataDir, 'kubeconfig.yaml'),
    process: child,
    log: () => output,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(timer);
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(url, child, server.log);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real kubectl with the server's kubeconfig; `input` is piped to stdin. */
export function kubectl(
  server: Pick<TestServer, 'kubeconfig'>,
  args: string[],
  input?: string,
  env: Record<string, string> = {},
): KubectlResult {
  const res = spawnSync('kubectl', args, {
    input,
    encoding: 'utf8',
    timeout: 60_000,
    // A private discovery cache per server: kubectl caches discovery for hours otherwise.
    env: {
      ...process.env,
      KUBECONFIG: server.kubeconfig,
      KUBECACHEDIR: join(server.kubeconfig, '..', 'kubecache'),
      ...env,
    },
  });
  return { code: res.status ?? -1, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

/** kubectl that must succeed; throws with its stderr otherwise. */
export function kubectlOk(
  server: Pick<TestServer, 'kubeconfig'>,
  args: string[],
  input?: string,
  env?: Record<string, string>,
): string {
  const res = kubectl(server, args, input, env);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res.stdout;
}
