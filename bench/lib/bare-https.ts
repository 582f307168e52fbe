/** Starts the bare HTTPS limit server (bare-https-server.ts, bundled by scripts/bench.mjs) as a child. */
import { type ChildProcess, spawn } from 'node:child_process';
import { stopChild, trackChild } from './cleanup.js';

/** A running bare HTTPS server. */
export interface BareServer {
  child: ChildProcess;
  pid: number;
  port: number;
  /** Milliseconds from spawn to the port being printed (listening). */
  listenMs: number;
  stop(): Promise<void>;
}

/** Spawns the bare server (on a free port it announces) with the certificates in tlsDir; blob is an optional file served at GET /blob. */
export async function startBareHttps(tlsDir: string, blob?: string): Promise<BareServer> {
  const script = process.env.SKIFF_BENCH_BARE_SERVER;
  if (!script)
    throw new Error('SKIFF_BENCH_BARE_SERVER is not set: run benchmarks with `npm run bench -- NAME`');
  const env: NodeJS.ProcessEnv = { ...process.env, SKIFF_BENCH_TLS_DIR: tlsDir };
  if (blob) env.SKIFF_BENCH_BLOB = blob;
  const t0 = performance.now();
  const child = trackChild(spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  const stop = () => stopChild(child);
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    err = (err + c).slice(-4000);
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (c: string) => {
        out += c;
        const line = out.split('\n')[0];
        if (out.includes('\n')) resolve(JSON.parse(line).port);
      });
      child.once('exit', (code) => reject(new Error(`bare server exited (${code}): ${err}`)));
      setTimeout(() => reject(new Error(`bare server did not listen: ${err}`)), 10_000).unref();
    });
    return { child, pid: child.pid ?? -1, port, listenMs: performance.now() - t0, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
