/**
 * Small e2e helpers over the real kubectl: JSON reads, polling until a condition holds, kubectl
 * without blocking the event loop (for commands that wait, such as drain, while the test acts),
 * and a raw pod watch (`kubectl get --raw ...?watch=1`) that replays every event into a pod map so
 * a test can check an invariant after each one.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { type KubectlResult, kubectlOk, type TestServer } from './cluster.js';
import { type BackgroundKubectl, startKubectl } from './kubectl-watch.js';

type Server = Pick<TestServer, 'kubeconfig'>;

/** Runs kubectl (must succeed) and parses its JSON output. */
export function getJson<T>(server: Server, args: string[]): T {
  return JSON.parse(kubectlOk(server, args)) as T;
}

/** Polls `check` until it returns a truthy value; throws with the last error after timeoutMs. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** kubectl in a child process without blocking the event loop; resolves with its exit code. */
export function kubectlAsync(server: Server, args: string[], timeoutMs = 120_000): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        KUBECONFIG: server.kubeconfig,
        KUBECACHEDIR: join(server.kubeconfig, '..', 'kubecache'),
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** True when the pod is bound, Running, Ready and not being deleted. */
export function isReady(pod: Pod): boolean {
  return (
    !pod.metadata?.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    !!pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** True while the pod counts towards a controller's replicas (not terminating, not finished). */
export function isActive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/** Pods of a namespace (optionally by label selector) through kubectl. */
export function listPods(server: Server, namespace: string, selector?: string): Pod[] {
  const args = ['get', 'pods', '-n', namespace, '-o', 'json', ...(selector ? ['-l', selector] : [])];
  return getJson<{ items: Pod[] }>(server, args).items;
}

/** A live pod map fed by a raw watch, with invariants checked after every event. */
export interface PodWatch {
  /** The pods as of the last event, by name. */
  pods(): Map<string, Pod>;
  /** Number of events seen. */
  events(): number;
  /** Registers an invariant; from now on, after each event, a returned string is a violation. */
  check(name: string, invariant: (pods: Pod[]) => string | undefined): void;
  /** Violations recorded so far ("<name> after event <n>: <message>"). */
  violations(): string[];
  /** Resolves when `pred` holds on the current pods. */
  waitFor(pred: (pods: Pod[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  stop(): Promise<void>;
}

/** Watches pods of `namespace` matching `selector` with `kubectl get --raw` (one JSON event per line). */
export function watchPods(server: Server, namespace: string, selector: string): PodWatch {
  const path = `/api/v1/namespaces/${namespace}/pods?watch=1&labelSelector=${encodeURIComponent(selector)}`;
  const bg: BackgroundKubectl = startKubectl(server, ['get', '--raw', path]);
  const pods = new Map<string, Pod>();
  const checks: { name: string; invariant: (pods: Pod[]) => string | undefined }[] = [];
  const violations: string[] = [];
  let consumed = 0;
  let count = 0;
  // Parse lazily from the child's accumulated stdout, so event order is exactly the wire order.
  const drain = () => {
    const out = bg.stdout();
    let nl = out.indexOf('\n', consumed);
    while (nl >= 0) {
      const line = out.slice(consumed, nl).trim();
      consumed = nl + 1;
      if (line) apply(JSON.parse(line) as { type: string; object: Pod });
      nl = out.indexOf('\n', consumed);
    }
  };
  const apply = (ev: { type: string; object: Pod }) => {
    if (ev.type === 'ERROR') {
      violations.push(`watch ERROR event: ${JSON.stringify(ev.object)}`);
      return;
    }
    if (ev.type === 'BOOKMARK') return;
    const name = ev.object.metadata?.name ?? '';
    if (ev.type === 'DELETED') pods.delete(name);
    else pods.set(name, ev.object);
    count++;
    const list = [...pods.values()];
    for (const c of checks) {
      const msg = c.invariant(list);
      if (msg) violations.push(`${c.name} after event ${count} (${ev.type} ${name}): ${msg}`);
    }
  };
  const timer = setInterval(drain, 20);
  return {
    pods: () => {
      drain();
      return pods;
    },
    events: () => {
      drain();
      return count;
    },
    check: (name, invariant) => {
      drain();
      checks.push({ name, invariant });
    },
    violations: () => {
      drain();
      return violations;
    },
    waitFor: async (pred, timeoutMs, what) => {
      await eventually(
        () => {
          drain();
          if (bg.child.exitCode !== null) throw new Error(`watch ended: ${bg.stderr()}`);
          return pred([...pods.values()]);
        },
        timeoutMs,
        what,
        50,
      );
    },
    stop: async () => {
      clearInterval(timer);
      await bg.stop();
    },
  };
}
