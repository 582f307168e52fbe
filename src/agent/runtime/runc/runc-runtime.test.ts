/**
 * The runc runtime against the real runc and conmon (as root): a busybox rootfs overlay-mounted
 * per container, pods in their own loopback-only network namespaces, cgroups under a test-only
 * parent. Every pod is removed after each test and checked for leftovers.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { ContainerStartError, type RuntimePod } from '../runtime.js';
import { type CgroupLayout, cgroupFile, detectCgroups } from './cgroups.js';
import { mountsUnder, mustRun, processAlive, runCommand } from './command.js';
import { RuncRuntime, type RuncRuntimeOptions } from './runc-runtime.js';
import { findLeftovers, makeBusyboxRootfs, removeCgroupParent, TestImages, TestNetwork } from './testing.js';

const CGROUP_PARENT = `/skiff-test-${process.pid}`;

let dir: string;
let root: string;
let logRoot: string;
let images: TestImages;
let network: TestNetwork;
let layout: CgroupLayout;
let runtime: RuncRuntime;
const created: Pod[] = [];

function options(): RuncRuntimeOptions {
  return {
    root,
    logRoot,
    images,
    network,
    cgroupParent: CGROUP_PARENT,
    exitPollMs: 1000,
    housekeepingMs: 300,
  };
}

function pod(containers: Container[], extra: Partial<Pod['spec']> = {}): Pod {
  const name = `p-${created.length}`;
  const p: Pod = {
    metadata: { name, namespace: 'default', uid: randomUUID() },
    spec: { containers, restartPolicy: 'Never', ...extra },
  };
  created.push(p);
  return p;
}

const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: 'busybox',
  command: ['sh', '-c', script],
  ...extra,
});

const uidOf = (p: Pod) => p.metadata!.uid!;
const sandbox = (p: Pod) => runtime.createSandbox(p, { nodeName: 'n1', podCIDR: '10.42.0.0/24' });
const containerOf = (r: RuncRuntime, p: Pod, name: string) =>
  r.getPod(uidOf(p))?.containers.find((c) => c.name === name);

/** Resolves once `pred` holds for the pod, checked on every change (bounded). */
function waitFor(
  r: RuncRuntime,
  p: Pod,
  pred: (rp: RuntimePod) => boolean,
  ms = 15_000,
): Promise<RuntimePod> {
  return new Promise((resolve, reject) => {
    const now = r.getPod(uidOf(p));
    if (now && pred(now)) return resolve(now);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out; pod is ${JSON.stringify(r.getPod(uidOf(p))?.containers)}`));
    }, ms);
    const off = r.onChange((rp) => {
      if (rp.uid === uidOf(p) && pred(rp)) {
        clearTimeout(timer);
        off();
        resolve(rp);
      }
    });
  });
}

const exited = (name: string) => (rp: RuntimePod) =>
  rp.containers.find((c) => c.name === name)?.phase === 'exited';

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (!stream) return '';
  let out = '';
  for await (const chunk of stream) out += chunk.toString();
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'skr-'));
  root = join(dir, 'state');
  logRoot = join(dir, 'logs');
  await makeBusyboxRootfs(join(dir, 'base'));
  images = new TestImages(join(dir, 'base'), {
    busybox: {},
    'busybox-app': { user: 'app' },
    'busybox-entry': { entrypoint: ['echo', 'entry'], cmd: ['from-cmd'] },
    'busybox-quit': { stopSignal: 'SIGQUIT' },
  });
  network = new TestNetwork();
  layout = detectCgroups();
  runtime = await RuncRuntime.open(options());
});

afterEach(async () => {
  for (const p of created.splice(0)) {
    await runtime.removePod(uidOf(p));
    const left = await findLeftovers({
      root,
      logRoot,
      uid: uidOf(p),
      namespace: 'default',
      name: p.metadata!.name!,
      layout,
      cgroupParent: CGROUP_PARENT,
    });
    expect(left).toEqual([]);
  }
});

afterAll(async () => {
  try {
    await runtime?.close();
    // Whatever a failed test left running in either runc root.
    for (const runcRoot of [join(root, 'runc'), join(dir, 'bare-runc')]) {
      const list = await runCommand('runc', [`--root=${runcRoot}`, 'list', '-q']);
      for (const id of list.stdout.split('\n').filter(Boolean)) {
        await runCommand('runc', [`--root=${runcRoot}`, 'delete', '-f', id]);
      }
    }
    await network?.cleanup();
    if (layout) await removeCgroupParent(layout, CGROUP_PARENT);
  } finally {
    for (const mp of await mountsUnder(dir)) await mustRun('umount', ['-l', mp]);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('RuncRuntime', () => {
  it('runs a container to completion with its exit code and CRI-format logs', async () => {
    const p = pod([sh('main', 'echo hello; echo oops >&2; exit 3')]);
    await sandbox(p);
    const t0 = performance.now();
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const startMs = performance.now() - t0;
    console.log(`startContainer → running: ${startMs.toFixed(1)} ms`);
    const rp = await waitFor(runtime, p, exited('main'));
    const c = rp.containers[0];
    expect(c).toMatchObject({ exitCode: 3, reason: 'Error', attempt: 0, image: 'busybox' });
    expect(c.id).toMatch(/^runc:\/\/[0-9a-f]{64}$/);
    expect(c.startedAt!.getTime()).toBeLessThanOrEqual(c.finishedAt!.getTime());
    const log = await readFile(runtime.logPath(uidOf(p), 'main', false)!, 'utf8');
    const lines = log.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d) stdout F hello$/);
    expect(lines[1]).toMatch(/ stderr F oops$/);
  });

  it('counts restarts as attempts with the previous state and log', async () => {
    const p = pod([sh('main', 'echo run; exit 3')]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const first = (await waitFor(runtime, p, exited('main'))).containers[0];
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const second = (await waitFor(runtime, p, (rp) => rp.containers[0].attempt === 1 && exited('main')(rp)))
      .containers[0];
    expect(second.id).not.toBe(first.id);
    expect(second.previous).toMatchObject({ id: first.id, exitCode: 3, reason: 'Error' });
    expect(runtime.logPath(uidOf(p), 'main', true)).toMatch(/main\/0\.log$/);
    expect(runtime.logPath(uidOf(p), 'main', false)).toMatch(/main\/1\.log$/);
    expect(await readFile(runtime.logPath(uidOf(p), 'main', true)!, 'utf8')).toMatch(/stdout F run/);
    // A third attempt: the first goes entirely, the second's rootfs is released, its log kept.
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const third = (await waitFor(runtime, p, (rp) => rp.containers[0].attempt === 2 && exited('main')(rp)))
      .containers[0];
    expect(third.previous?.id).toBe(second.id);
    const podDir = join(root, 'pods', uidOf(p));
    const kept = [second.id.slice(7), third.id.slice(7)].sort();
    // Retiring old attempts happens after the start, off its path.
    for (let i = 0; i < 50 && (await readdir(join(podDir, 'containers'))).length > 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await readdir(join(podDir, 'containers'))).sort()).toEqual(kept);
    expect(await mountsUnder(join(podDir, 'containers', second.id.slice(7)))).toEqual([]);
    expect((await readdir(join(logRoot, `default_${p.metadata!.name}_${uidOf(p)}`, 'main'))).sort()).toEqual([
      '1.log',
      '2.log',
    ]);
  });

  it('reports OOMKilled when a container allocates past its memory limit', async () => {
    const p = pod([
      sh('hog', 'x=a; while true; do x=$x$x; done', { resources: { limits: { memory: '20Mi' } } }),
    ]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const c = (await waitFor(runtime, p, exited('hog'), 30_000)).containers[0];
    expect(c).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('writes cpu shares, CFS quota and memory limit to the container and pod cgroups', async () => {
    const p = pod([
      sh('main', 'sleep 30', {
        resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '500m', memory: '64Mi' } },
      }),
    ]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const cg = runtime.cgroups(uidOf(p))!;
    expect(cg.pod).toBe(`${CGROUP_PARENT}/burstable/pod${uidOf(p)}`);
    const id = containerOf(runtime, p, 'main')!.id.slice('runc://'.length);
    expect(cg.containers.main).toBe(`${cg.pod}/${id}`);
    const read = async (ctl: string, path: string, file: string) =>
      (await readFile(cgroupFile(layout, ctl, path, file), 'utf8')).trim();
    if (layout.version === 1) {
      expect(await read('cpu', cg.containers.main, 'cpu.shares')).toBe('256');
      expect(await read('cpu', cg.containers.main, 'cpu.cfs_quota_us')).toBe('50000');
      expect(await read('cpu', cg.containers.main, 'cpu.cfs_period_us')).toBe('100000');
      expect(await read('memory', cg.containers.main, 'memory.limit_in_bytes')).toBe(
        String(64 * 1024 * 1024),
      );
      expect(await read('cpu', cg.pod, 'cpu.shares')).toBe('256');
      expect(await read('cpu', cg.pod, 'cpu.cfs_quota_us')).toBe('50000');
      expect(await read('memory', cg.pod, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
    } else {
      expect(await read('cpu', cg.containers.main, 'cpu.max')).toBe('50000 100000');
      expect(await read('memory', cg.containers.main, 'memory.max')).toBe(String(64 * 1024 * 1024));
    }
    // conmon lives in the pod's conmon cgroup, out of the agent's; on v1 its memory is charged
    // to the node-level conmon cgroup, not to the pod's limit.
    const conmon = (
      await readFile(join(root, 'pods', uidOf(p), 'containers', id, 'conmon.pid'), 'utf8')
    ).trim();
    const conmonCgroups = await readFile(`/proc/${conmon}/cgroup`, 'utf8');
    if (layout.version === 1) {
      expect(conmonCgroups).toMatch(new RegExp(`:cpu[^:]*:${cg.pod}/conmon\n`));
      expect(conmonCgroups).toContain(`:memory:${CGROUP_PARENT}/conmon\n`);
    } else {
      expect(conmonCgroups).toContain(`0::${cg.pod}/conmon`);
    }
    // Burstable: 1000 - 1000 * 32Mi / capacity.
    const adj = (
      await runtime.execSync(uidOf(p), 'main', ['cat', '/proc/1/oom_score_adj'], 5000)
    ).output.trim();
    expect(Number(adj)).toBeGreaterThan(2);
    expect(Number(adj)).toBeLessThan(1000);
  });

  it('gives every container the pod hostname and shares IPC and /dev/shm', async () => {
    const p = pod([sh('a', 'echo shared > /dev/shm/x; sleep 30'), sh('b', 'sleep 30')], {
      hostname: 'myhost',
    });
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    await runtime.startContainer(uidOf(p), p.spec!.containers[1], false);
    expect((await runtime.execSync(uidOf(p), 'b', ['hostname'], 5000)).output.trim()).toBe('myhost');
    expect((await runtime.execSync(uidOf(p), 'b', ['cat', '/dev/shm/x'], 5000)).output.trim()).toBe('shared');
    const ipc = async (c: string) =>
      (await runtime.execSync(uidOf(p), c, ['readlink', '/proc/self/ns/ipc'], 5000)).output;
    expect(await ipc('a')).toBe(await ipc('b'));
  });

  it('stops a container with SIGTERM, and with SIGKILL after the grace period', async () => {
    const p = pod([
      sh('polite', "trap 'exit 0' TERM; while true; do sleep 0.1; done"),
      sh('stubborn', "trap '' TERM; while true; do sleep 0.1; done"),
    ]);
    await sandbox(p);
    for (const c of p.spec!.containers) await runtime.startContainer(uidOf(p), c, false);
    let t0 = Date.now();
    await runtime.killContainer(uidOf(p), 'polite', 10);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(containerOf(runtime, p, 'polite')).toMatchObject({
      phase: 'exited',
      exitCode: 0,
      reason: 'Completed',
    });
    t0 = Date.now();
    await runtime.killContainer(uidOf(p), 'stubborn', 2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    expect(containerOf(runtime, p, 'stubborn')).toMatchObject({
      phase: 'exited',
      exitCode: 137,
      reason: 'Error',
    });
  });

  it("stops a container with its image's STOPSIGNAL instead of SIGTERM", async () => {
    const p = pod([
      sh('quits', "trap 'exit 3' QUIT; trap '' TERM; while true; do sleep 0.1; done", {
        image: 'busybox-quit',
      }),
    ]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const t0 = Date.now();
    await runtime.killContainer(uidOf(p), 'quits', 10);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(containerOf(runtime, p, 'quits')).toMatchObject({ phase: 'exited', exitCode: 3 });
  });

  it('stops a pod: preStop hooks, then SIGTERM to all in parallel, SIGKILL after the grace', async () => {
    const preStop = { exec: { command: ['sh', '-c', 'echo prestop-ran > /proc/1/fd/1'] } };
    const p = pod([
      sh('polite', "trap 'exit 0' TERM; while true; do sleep 0.1; done", { lifecycle: { preStop } }),
      sh('stubborn', "trap '' TERM; while true; do sleep 0.1; done"),
    ]);
    await sandbox(p);
    for (const c of p.spec!.containers) await runtime.startContainer(uidOf(p), c, false);
    const t0 = Date.now();
    await runtime.stopPod(uidOf(p), 2);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2000);
    expect(took).toBeLessThan(5000);
    const rp = runtime.getPod(uidOf(p))!;
    expect(rp.stopping).toBe(true);
    expect(rp.containers.map((c) => [c.name, c.exitCode])).toEqual([
      ['polite', 0],
      ['stubborn', 137],
    ]);
    expect(await readFile(runtime.logPath(uidOf(p), 'polite', false)!, 'utf8')).toMatch(
      /stdout F prestop-ran/,
    );
    await expect(runtime.startContainer(uidOf(p), p.spec!.containers[0], false)).rejects.toThrow(/stopping/);
  });

  it('runs exec and execSync with their exit codes, output and timeouts', async () => {
    const p = pod([sh('main', 'sleep 60')]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const uid = uidOf(p);
    expect(await runtime.execSync(uid, 'main', ['sh', '-c', 'echo hi; exit 4'], 5000)).toEqual({
      exitCode: 4,
      output: 'hi\n',
    });
    const missing = await runtime.execSync(uid, 'main', ['nope'], 5000);
    expect(missing.exitCode).toBe(127);
    expect(missing.output).toMatch(/executable file not found/);
    const t0 = Date.now();
    expect((await runtime.execSync(uid, 'main', ['sleep', '10'], 300)).exitCode).toBe(-1);
    expect(Date.now() - t0).toBeLessThan(3000);

    const cat = await runtime.exec(uid, 'main', ['sh', '-c', 'cat; echo err >&2; exit 6'], {
      stdin: true,
      stdout: true,
      stderr: true,
      tty: false,
    });
    cat.stdin!.end('abc');
    const [out, err, code] = await Promise.all([readAll(cat.stdout), readAll(cat.stderr), cat.exited]);
    expect({ out, err, code }).toEqual({ out: 'abc', err: 'err\n', code: 6 });
  });

  it('runs exec on a terminal that the process sees as one, with resize', async () => {
    const p = pod([sh('main', 'sleep 60')]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const proc = await runtime.exec(uidOf(p), 'main', ['sh'], {
      stdin: true,
      stdout: true,
      stderr: false,
      tty: true,
    });
    expect(proc.stderr).toBeUndefined();
    proc.resize(100, 30);
    const out = readAll(proc.stdout);
    await new Promise((r) => setTimeout(r, 300));
    proc.stdin!.write('[ -t 0 ] && [ -t 1 ] && echo IS-A-TTY; stty size; exit 5\n');
    expect(await proc.exited).toBe(5);
    const text = await out;
    expect(text).toContain('IS-A-TTY');
    expect(text).toContain('30 100');
  });

  it('attaches to the main process: output, and stdin for stdin containers', async () => {
    const p = pod([sh('main', 'while read l; do echo got $l; done', { stdin: true })]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const a = await runtime.attach(uidOf(p), 'main', { stdin: true, stdout: true, stderr: true, tty: false });
    let seen = '';
    const got = new Promise<void>((resolve) => {
      a.stdout!.on('data', (d: Buffer) => {
        seen += d.toString();
        if (seen.includes('got x')) resolve();
      });
    });
    await new Promise((r) => setTimeout(r, 200));
    a.stdin!.write('x\n');
    await got;
    a.kill();
    expect(await a.exited).toBe(-1);
    expect(containerOf(runtime, p, 'main')!.phase).toBe('running');
  });

  it('attaches to a terminal container: input, output and resize', async () => {
    const p = pod([{ name: 'term', image: 'busybox', command: ['sh'], stdin: true, tty: true }]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const a = await runtime.attach(uidOf(p), 'term', { stdin: true, stdout: true, stderr: false, tty: true });
    let seen = '';
    const saw = (text: string) =>
      new Promise<void>((resolve) => {
        const check = () => seen.includes(text) && resolve();
        a.stdout!.on('data', (d: Buffer) => {
          seen += d.toString();
          check();
        });
        check();
      });
    await new Promise((r) => setTimeout(r, 200));
    a.resize(120, 40);
    await new Promise((r) => setTimeout(r, 100));
    a.stdin!.write('echo sum-$((40+2)); stty size\n');
    await saw('sum-42');
    await saw('40 120');
    a.stdin!.write('exit 3\n');
    expect(await a.exited).toBe(3);
    // The attach sees the exit first; the runtime records it when conmon's exit file lands.
    await waitFor(runtime, p, exited('term'));
    expect(containerOf(runtime, p, 'term')).toMatchObject({ phase: 'exited', exitCode: 3 });
  });

  it('forwards a port to localhost inside the pod, and runs httpGet hooks against the pod', async () => {
    const hook = { httpGet: { port: 'web' as unknown as number, path: '/prestop' } };
    const p = pod([
      sh('web', 'httpd -f -vv -p 8080 -h /www', {
        ports: [{ name: 'web', containerPort: 8080 }],
        lifecycle: { preStop: hook },
      }),
    ]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    await new Promise((r) => setTimeout(r, 200));
    const conn = await runtime.portForward(uidOf(p), 8080);
    conn.write('GET /index.html HTTP/1.0\r\n\r\n');
    const reply = await readAll(conn);
    expect(reply).toMatch(/^HTTP\/1\.[01] 200/);
    expect(reply).toContain('hello from the pod');
    await expect(runtime.portForward(uidOf(p), 9)).rejects.toThrow(/refused/i);
    await runtime.stopPod(uidOf(p), 2);
    expect(await readFile(runtime.logPath(uidOf(p), 'web', false)!, 'utf8')).toContain('url:/prestop');
  });

  it('fails a start with runc’s own error, and does not count the attempt', async () => {
    const p = pod([{ name: 'bad', image: 'busybox', command: ['nope'] }]);
    await sandbox(p);
    const err = await runtime.startContainer(uidOf(p), p.spec!.containers[0], false).catch((e) => e);
    expect(err).toBeInstanceOf(ContainerStartError);
    expect(err.reason).toBe('RunContainerError');
    expect(err.message).toContain('exec: "nope": executable file not found in $PATH');
    expect(runtime.getPod(uidOf(p))!.containers).toEqual([]);
    const pull = await runtime
      .startContainer(uidOf(p), { name: 'x', image: 'does-not-exist' }, false)
      .catch((e) => e);
    expect(pull).toMatchObject({ reason: 'ErrImagePull' });
    const user = await runtime
      .startContainer(
        uidOf(p),
        { name: 'y', image: 'busybox', securityContext: { runAsNonRoot: true } },
        false,
      )
      .catch((e) => e);
    expect(user).toMatchObject({ reason: 'CreateContainerConfigError' });
  });

  it('runs as the image user resolved from the rootfs, and honours the image entrypoint', async () => {
    const p = pod([
      { name: 'who', image: 'busybox-app', command: ['id'] },
      { name: 'entry', image: 'busybox-entry' },
    ]);
    await sandbox(p);
    for (const c of p.spec!.containers) await runtime.startContainer(uidOf(p), c, false);
    await waitFor(runtime, p, (rp) => rp.containers.every((c) => c.phase === 'exited'));
    expect(await readFile(runtime.logPath(uidOf(p), 'who', false)!, 'utf8')).toMatch(
      /uid=1000\(app\) gid=1000\(app\) groups=1000\(app\),2000\(extra\)/,
    );
    expect(await readFile(runtime.logPath(uidOf(p), 'entry', false)!, 'utf8')).toMatch(
      /stdout F entry from-cmd/,
    );
  });

  it('kills a container whose postStart hook fails', async () => {
    const p = pod([
      sh('main', "trap 'exit 0' TERM; while true; do sleep 0.1; done", {
        lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 2'] } } },
      }),
    ]);
    await sandbox(p);
    const err = await runtime.startContainer(uidOf(p), p.spec!.containers[0], false).catch((e) => e);
    expect(err).toMatchObject({ reason: 'PostStartHookError' });
    expect(err.message).toMatch(
      /Exec lifecycle hook .* failed - error: command 'sh -c exit 2' exited with 2/,
    );
    expect(containerOf(runtime, p, 'main')).toMatchObject({ phase: 'exited', exitCode: 0 });
  });

  it('reports a container whose conmon was killed as exited, and leaves nothing of it running', async () => {
    const p = pod([sh('orphan', 'sleep 300')]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    const dir = join(root, 'pods', uidOf(p), 'containers', containerOf(runtime, p, 'orphan')!.id.slice(7));
    const conmon = Number(await readFile(join(dir, 'conmon.pid'), 'utf8'));
    const init = Number(await readFile(join(dir, 'pidfile'), 'utf8'));
    process.kill(conmon, 'SIGKILL');
    await waitFor(runtime, p, exited('orphan'), 5000);
    expect(containerOf(runtime, p, 'orphan')).toMatchObject({
      phase: 'exited',
      exitCode: 255,
      reason: 'Unknown',
    });
    expect(await processAlive(init)).toBe(false);
  });

  it('is re-adopted by a new runtime on the same root: running stays running, exits are seen', async () => {
    const p = pod([sh('long', 'sleep 2; exit 7'), sh('quick', 'exit 9')]);
    await sandbox(p);
    await runtime.startContainer(uidOf(p), p.spec!.containers[0], false);
    await runtime.startContainer(uidOf(p), p.spec!.containers[1], false);
    const before = runtime
      .getPod(uidOf(p))!
      .containers.map((c) => ({ name: c.name, id: c.id, attempt: c.attempt }));
    // Stand-in for kill -9 of the agent: this object stops watching; conmon is not its child.
    await runtime.close();
    const conmon = Number(
      await readFile(join(root, 'pods', uidOf(p), 'containers', before[0].id.slice(7), 'conmon.pid'), 'utf8'),
    );
    expect(await processAlive(conmon)).toBe(true);
    const ppid = (await readFile(`/proc/${conmon}/stat`, 'utf8')).split(') ')[1].split(' ')[1];
    expect(Number(ppid)).not.toBe(process.pid);
    await new Promise((r) => setTimeout(r, 300));
    runtime = await RuncRuntime.open(options());
    const adopted = runtime.getPod(uidOf(p))!;
    expect(adopted.containers.map((c) => ({ name: c.name, id: c.id, attempt: c.attempt }))).toEqual(before);
    expect(containerOf(runtime, p, 'long')!.phase).toBe('running');
    expect(containerOf(runtime, p, 'quick')).toMatchObject({ phase: 'exited', exitCode: 9 });
    const rp = await waitFor(runtime, p, exited('long'));
    expect(rp.containers.find((c) => c.name === 'long')).toMatchObject({ exitCode: 7, reason: 'Error' });
  });

  it('survives kill -9 of the agent process: a new runtime sees the same containers, attempts and exits', async () => {
    const p = pod([sh('long', 'sleep 3; exit 7'), sh('quick', 'exit 9')]);
    const { netnsPath } = await network.setup({ uid: uidOf(p) });
    // The "agent": a separate Node process running the runtime, bundled from this folder.
    const esbuild = await import('esbuild');
    const agent = join(dir, `agent-${uidOf(p)}.mjs`);
    await esbuild.build({
      stdin: {
        contents: `
          import { RuncRuntime } from './runc-runtime.ts';
          import { TestImages } from './testing.ts';
          const [root, logRoot, base, netnsPath, cgroupParent, podJSON] = process.argv.slice(2);
          const pod = JSON.parse(podJSON);
          const uid = pod.metadata.uid;
          const network = { setup: async () => ({ netnsPath, ip: '127.0.0.1' }), teardown: async () => {} };
          const rt = await RuncRuntime.open({ root, logRoot, images: new TestImages(base), network, cgroupParent });
          await rt.createSandbox(pod, { nodeName: 'n1', podCIDR: '10.42.0.0/24' });
          const quick = pod.spec.containers[1];
          const quickExited = () => new Promise((resolve) => {
            const check = () => rt.getPod(uid).containers.find((c) => c.name === 'quick')?.phase === 'exited';
            if (check()) return resolve();
            const off = rt.onChange(() => check() && (off(), resolve()));
          });
          await rt.startContainer(uid, quick, false);
          await quickExited();
          await rt.startContainer(uid, quick, false);
          await quickExited();
          await rt.startContainer(uid, pod.spec.containers[0], false);
          process.stdout.write(JSON.stringify(rt.getPod(uid).containers) + '\\n');
          setInterval(() => {}, 1000);
        `,
        resolveDir: import.meta.dirname,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: agent,
      logLevel: 'silent',
    });
    const child = spawn(
      process.execPath,
      [agent, root, logRoot, join(dir, 'base'), netnsPath, CGROUP_PARENT, JSON.stringify(p)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    // Killed here on any failure too, so no "agent" outlives the test.
    const killChild = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    onTestFinished(killChild);
    let line = '';
    const before = await new Promise<
      Array<{ name: string; id: string; attempt: number; previous?: { id: string } }>
    >((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        line += d.toString();
        if (line.includes('\n')) resolve(JSON.parse(line));
      });
      child.on('exit', (code) => reject(new Error(`agent exited early (${code})`)));
    });
    const gone = new Promise((r) => child.once('exit', r));
    killChild();
    await gone;
    await runtime.close();
    runtime = await RuncRuntime.open(options());
    const shape = (cs: typeof before) =>
      cs.map((c) => ({ name: c.name, id: c.id, attempt: c.attempt, previous: c.previous?.id }));
    expect(shape(runtime.getPod(uidOf(p))!.containers as typeof before)).toEqual(shape(before));
    expect(containerOf(runtime, p, 'quick')).toMatchObject({ phase: 'exited', exitCode: 9, attempt: 1 });
    expect(containerOf(runtime, p, 'long')!.phase).toBe('running');
    const rp = await waitFor(runtime, p, exited('long'));
    expect(rp.containers.find((c) => c.name === 'long')).toMatchObject({ exitCode: 7, reason: 'Error' });
  });

  it('measures startContainer → running against bare runc run on the same host', async () => {
    const samples = 5;
    const p = pod(Array.from({ length: samples }, (_, i) => sh(`c${i}`, 'sleep 30')));
    await sandbox(p);
    const ours: number[] = [];
    const prepare: number[] = [];
    for (const c of p.spec!.containers) {
      const t0 = performance.now();
      await runtime.startContainer(uidOf(p), c, false);
      ours.push(performance.now() - t0);
      prepare.push(images.prepareMs.at(-1)!);
    }
    // The floor: runc alone, detached, on a default spec over the same rootfs.
    const bundle = join(dir, 'bare');
    const bareRoot = join(dir, 'bare-runc');
    await mkdir(bundle, { recursive: true });
    await runCommand('runc', ['spec', '--bundle', bundle]);
    const spec = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8'));
    spec.root = { path: join(dir, 'base'), readonly: true };
    spec.process.terminal = false;
    spec.process.args = ['sleep', '30'];
    spec.linux.cgroupsPath = `${CGROUP_PARENT}/bare`;
    await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
    const bare: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      // Detached, the container inherits runc's stdio: /dev/null, so only runc's exit is awaited.
      const child = spawn('runc', [`--root=${bareRoot}`, 'run', '-d', '--bundle', bundle, `bare${i}`], {
        stdio: 'ignore',
      });
      const code = await new Promise((r) => child.on('exit', r));
      bare.push(performance.now() - t0);
      expect(code).toBe(0);
      await runCommand('runc', [`--root=${bareRoot}`, 'delete', '-f', `bare${i}`]);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      JSON.stringify({
        bench: 'runc-start',
        startContainerMedianMs: Math.round(median(ours)),
        imagePrepareMedianMs: Math.round(median(prepare)),
        runtimeOwnMedianMs: Math.round(median(ours.map((x, i) => x - prepare[i]))),
        runcRunDetachedMedianMs: Math.round(median(bare)),
        samples,
      }),
    );
    expect(runtime.getPod(uidOf(p))!.containers.every((c) => c.phase === 'running')).toBe(true);
  });

  it('removes a pod without leftovers, idempotently', async () => {
    const p = pod([sh('a', 'sleep 60'), sh('b', 'exit 0')]);
    await sandbox(p);
    for (const c of p.spec!.containers) await runtime.startContainer(uidOf(p), c, false);
    await waitFor(runtime, p, exited('b'));
    await runtime.removePod(uidOf(p));
    expect(runtime.getPod(uidOf(p))).toBeUndefined();
    await runtime.removePod(uidOf(p));
    // afterEach checks for leftovers
  });
});
