/**
 * Runs a long-lived kubectl (e.g. `get -w`) in a background child process and lets a test wait
 * for a line in its output. The child is killed by stop(), which tests call in finally/afterAll so
 * a failing assertion never leaves a kubectl behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TestServer } from './cluster.js';

/** A kubectl running in the background. */
export interface BackgroundKubectl {
  child: ChildProcess;
  /** stdout so far. */
  stdout(): string;
  /** stderr so far, for failure messages. */
  stderr(): string;
  /** Resolves when stdout satisfies `pred`; rejects after timeoutMs or if kubectl exits first. */
  waitFor(pred: (stdout: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Kills kubectl (SIGKILL) and waits for it to exit; idempotent. */
  stop(): Promise<void>;
}

/** Starts `kubectl <args>` against a server, with the same private discovery cache as kubectl(). */
export function startKubectl(server: Pick<TestServer, 'kubeconfig'>, args: string[]): BackgroundKubectl {
  const child = spawn('kubectl', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      KUBECONFIG: server.kubeconfig,
      KUBECACHEDIR: join(server.kubeconfig, '..', 'kubecache'),
    },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = async (pred: (stdout: string) => boolean, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pred(out)) {
      if (child.exitCode !== null) {
        throw new Error(`kubectl ${args.join(' ')} exited ${child.exitCode}\nstdout: ${out}\nstderr: ${err}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `kubectl ${args.join(' ')}: condition not met in ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return out;
  };
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitFor,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
