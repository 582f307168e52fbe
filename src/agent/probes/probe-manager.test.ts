/**
 * The probe state machines on a manual clock, probing a real HTTP server on 127.0.0.1 (and real
 * processes for exec): thresholds, initial delay and period, startup gating, liveness restarts
 * once per attempt, results reset per container id, and the kubelet's events.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeContainer, RuntimePod } from '../runtime/runtime.js';
import { ManualClock } from '../testing.js';
import { ProbeManager } from './probe-manager.js';

let clock: ManualClock;
let t0: number;
let manager: ProbeManager;
let changes: number;
let failures: string[];
let events: string[];
const status: Record<string, number> = {};
const hits: Array<{ path: string; at: number }> = [];
let server: Server;
let port = 0;
const dir = mkdtempSync(join(tmpdir(), `skiff-probes-${process.pid}-`));

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.push({ path, at: (clock.now().getTime() - t0) / 1000 });
    res.statusCode = status[path] ?? 200;
    res.end(path);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function hostExec(_uid: string, _c: string, command: string[], timeoutMs: number) {
  return new Promise<{ exitCode: number; output: string }>((resolve) => {
    execFile(command[0], command.slice(1), { timeout: timeoutMs }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number; killed?: boolean }) | null;
      resolve({ exitCode: e?.killed ? -1 : e ? Number(e.code ?? 127) : 0, output: stdout + stderr });
    });
  });
}

beforeEach(() => {
  clock = new ManualClock();
  t0 = clock.now().getTime();
  changes = 0;
  failures = [];
  events = [];
  hits.length = 0;
  for (const k of Object.keys(status)) delete status[k];
  manager = new ProbeManager({
    clock,
    execProbe: hostExec,
    onChange: () => changes++,
    onLivenessFailure: (_uid, _c, message) => failures.push(message),
    event: (_pod, type, reason, message) => events.push(`${type} ${reason} ${message}`),
  });
});
afterEach(() => manager.close());

const http = (path: string, extra: Partial<Probe> = {}): Probe => ({
  httpGet: { path, port },
  periodSeconds: 1,
  timeoutSeconds: 1,
  ...extra,
});

function podWith(c: Partial<Container>, extra: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: { name: 'web', namespace: 'ns', uid: 'u1' },
    spec: { restartPolicy: 'Always', containers: [{ name: 'app', image: 'x', ...c }], ...extra },
    status: { phase: 'Running' },
  };
}

function running(id: string, extra: Partial<RuntimeContainer> = {}): RuntimePod {
  return {
    uid: 'u1',
    namespace: 'ns',
    name: 'web',
    nodeName: 'n1',
    ip: '127.0.0.1',
    createdAt: clock.now(),
    stopping: false,
    containers: [
      {
        name: 'app',
        id,
        image: 'x',
        imageID: 'x',
        phase: 'running',
        attempt: 0,
        init: false,
        createdAt: clock.now(),
        startedAt: clock.now(),
        ...extra,
      },
    ],
  };
}

/** Moves the clock second by second, letting each probe finish before the next second. */
async function run(seconds: number) {
  await manager.settled();
  for (let i = 0; i < seconds; i++) {
    clock.advance(1000);
    await manager.settled();
  }
}
const times = (path: string) => hits.filter((h) => h.path === path).map((h) => h.at);

describe('readiness', () => {
  it('becomes ready after successThreshold successes and unready after failureThreshold failures', async () => {
    const pod = podWith({
      readinessProbe: http('/ready', { periodSeconds: 5, successThreshold: 2, failureThreshold: 2 }),
    });
    manager.sync(pod, running('runc://a1'));
    await run(0);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(false);
    await run(5);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(true);
    expect(changes).toBe(1);
    status['/ready'] = 500;
    await run(5);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(true);
    await run(5);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(false);
    expect(changes).toBe(2);
    expect(times('/ready')).toEqual([0, 5, 10, 15]);
    expect(events).toEqual([
      'Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500',
      'Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500',
    ]);
  });

  it('waits initialDelaySeconds, probing on the period grid', async () => {
    manager.sync(
      podWith({ readinessProbe: http('/ready', { periodSeconds: 5, initialDelaySeconds: 12 }) }),
      running('runc://a1'),
    );
    await run(21);
    expect(times('/ready')).toEqual([15, 20]);
  });

  it('without a readiness probe a running container is ready; a stale container id is not', async () => {
    manager.sync(podWith({}), running('runc://a1'));
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(true);
    expect(manager.isStarted('u1', 'app', 'runc://a1')).toBe(true);
    manager.sync(podWith({ readinessProbe: http('/ready') }), running('runc://a2'));
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(false);
  });

  it('a probe that cannot run is reported and does not count', async () => {
    manager.sync(
      podWith({ readinessProbe: http('/ready', { httpGet: { path: '/ready', port: 'nope' } }) }),
      running('runc://a1'),
    );
    await run(0);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(false);
    expect(changes).toBe(0);
    expect(events).toEqual([
      'Warning Unhealthy Readiness probe errored and resulted in unknown state: strconv.Atoi: parsing "nope": invalid syntax',
    ]);
  });

  it('a redirect to another host is ready with a ProbeWarning', async () => {
    const probe: Probe = { httpGet: { path: '/away', port, httpHeaders: [] }, periodSeconds: 1 };
    const redirect = createServer((_req, res) =>
      res.writeHead(302, { Location: 'http://example.invalid/' }).end('bye'),
    );
    await new Promise<void>((r) => redirect.listen(0, '127.0.0.1', r));
    try {
      probe.httpGet!.port = (redirect.address() as AddressInfo).port;
      manager.sync(podWith({ readinessProbe: probe }), running('runc://a1'));
      await run(0);
      expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(true);
      expect(events).toEqual([
        'Warning ProbeWarning Readiness probe warning: Probe terminated redirects, Response body: bye',
      ]);
    } finally {
      manager.close();
      await new Promise((r) => redirect.close(r));
    }
  });
});

describe('startup', () => {
  it('holds liveness and readiness until it passes; readiness then runs at once', async () => {
    status['/startup'] = 503;
    const pod = podWith({
      startupProbe: http('/startup', { periodSeconds: 2, failureThreshold: 10 }),
      livenessProbe: http('/live', { periodSeconds: 3 }),
      readinessProbe: http('/ready', { periodSeconds: 10 }),
    });
    manager.sync(pod, running('runc://a1'));
    await run(3);
    expect(manager.isStarted('u1', 'app', 'runc://a1')).toBe(false);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(false);
    status['/startup'] = 200;
    await run(1);
    expect(manager.isStarted('u1', 'app', 'runc://a1')).toBe(true);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(true);
    await run(4);
    expect(times('/startup')).toEqual([0, 2, 4]);
    expect(times('/ready')).toEqual([4]);
    expect(times('/live')).toEqual([6]);
    expect(
      events.filter((e) =>
        e.startsWith('Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 503'),
      ),
    ).toHaveLength(2);
  });

  it('failing past its threshold restarts the container, once', async () => {
    status['/startup'] = 500;
    manager.sync(podWith({ startupProbe: http('/startup', { failureThreshold: 3 }) }), running('runc://a1'));
    await run(6);
    expect(failures).toEqual(['Container app failed startup probe, will be restarted']);
    expect(times('/startup')).toEqual([0, 1, 2]);
  });
});

describe('liveness', () => {
  it('fails once per attempt past failureThreshold; a new container id starts over', async () => {
    status['/live'] = 500;
    const pod = podWith({
      livenessProbe: http('/live', { failureThreshold: 3 }),
      readinessProbe: http('/ready'),
    });
    manager.sync(pod, running('runc://a1'));
    await run(5);
    expect(failures).toEqual(['Container app failed liveness probe, will be restarted']);
    expect(times('/live')).toEqual([0, 1, 2]);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(true);

    status['/live'] = 200;
    manager.sync(pod, running('runc://a2', { attempt: 1 }));
    expect(manager.isReady('u1', 'app', 'runc://a2')).toBe(false);
    await run(3);
    expect(failures).toHaveLength(1);
    expect(manager.isReady('u1', 'app', 'runc://a2')).toBe(true);
    expect(times('/live')).toEqual([0, 1, 2, 5, 6, 7, 8]);
  });

  it('with restartPolicy Never the container is not restarted', async () => {
    status['/live'] = 500;
    manager.sync(
      podWith({ livenessProbe: http('/live', { failureThreshold: 1 }) }, { restartPolicy: 'Never' }),
      running('runc://a1'),
    );
    await run(0);
    expect(failures).toEqual(['Container app failed liveness probe']);
  });

  it('stops on a terminating pod (readiness goes on)', async () => {
    const pod = podWith({ livenessProbe: http('/live'), readinessProbe: http('/ready') });
    manager.sync(pod, running('runc://a1'));
    await run(1);
    manager.sync(
      { ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2025-01-01T00:00:01Z' } },
      running('runc://a1'),
    );
    status['/live'] = 500;
    await run(3);
    expect(times('/live')).toEqual([0, 1]);
    expect(times('/ready')).toEqual([0, 1, 2, 3, 4]);
    expect(failures).toEqual([]);
  });
});

describe('workers follow the runtime', () => {
  it('an exited container, a stopping or removed pod have no workers', async () => {
    const pod = podWith({ livenessProbe: http('/live'), readinessProbe: http('/ready') });
    manager.sync(pod, running('runc://a1'));
    expect(manager.workerCount).toBe(2);
    manager.sync(pod, running('runc://a1', { phase: 'exited', exitCode: 1 }));
    expect(manager.workerCount).toBe(0);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(false);
    manager.sync(pod, running('runc://a2'));
    expect(manager.workerCount).toBe(2);
    manager.sync(pod, { ...running('runc://a2'), stopping: true });
    expect(manager.workerCount).toBe(0);
    manager.sync(pod, running('runc://a2'));
    manager.remove('u1');
    expect(manager.workerCount).toBe(0);
    await manager.settled();
    expect(clock.pending).toBe(0);
  });

  it('sidecar init containers are probed', async () => {
    const pod = podWith({});
    pod.spec!.initContainers = [
      { name: 'proxy', image: 'x', restartPolicy: 'Always', readinessProbe: http('/proxy') },
    ];
    const rp = running('runc://a1');
    rp.containers.push({ ...rp.containers[0], name: 'proxy', id: 'runc://p1', init: true });
    manager.sync(pod, rp);
    await run(0);
    expect(manager.isReady('u1', 'proxy', 'runc://p1')).toBe(true);
    expect(times('/proxy')).toEqual([0]);
  });
});

describe('exec probes', () => {
  it('readiness follows a file the command checks', async () => {
    const flag = join(dir, 'ready');
    manager.sync(
      podWith({
        readinessProbe: { exec: { command: ['/bin/sh', '-c', `test -f ${flag}`] }, periodSeconds: 2 },
      }),
      running('runc://a1'),
    );
    await run(2);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(false);
    writeFileSync(flag, '');
    await run(2);
    expect(manager.isReady('u1', 'app', 'runc://a1')).toBe(true);
    expect(events).toEqual([
      'Warning Unhealthy Readiness probe failed: ',
      'Warning Unhealthy Readiness probe failed: ',
    ]);
  });
});
