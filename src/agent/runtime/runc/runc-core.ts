/**
 * The engine under RuncRuntime: paths and binaries, re-adoption of what a previous agent left
 * on disk, exit handling (conmon's exit files become recorded exits, runc's state is cleaned
 * up), and stopping a container the kubelet's way (preStop, SIGTERM, SIGKILL after the grace).
 */
import { access, mkdir, readdir, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { type Clock, realClock } from '../../../client/types.js';
import type { RuntimeContainer, RuntimePod } from '../runtime.js';
import { type CgroupLayout, detectCgroups, oomKillCount, removePodCgroup } from './cgroups.js';
import { runCommand } from './command.js';
import { conmonPid } from './conmon.js';
import { ExitWatcher, readExit } from './exits.js';
import { runHandler } from './hooks.js';
import { defaultLogRotation, rotateIfNeeded } from './log-rotation.js';
import { connectInNetns, type ExecTarget, execSync } from './processes.js';
import {
  dirUid,
  type Entry,
  findBinary,
  isExited,
  MIN_GRACE_SECONDS,
  newEntry,
  type PodRecord,
  type RuncRuntimeOptions,
  type Slot,
  view,
} from './records.js';
import { removeDir } from './sandbox.js';
import { type ContainerState, containerDir, loadState, podDir, writeContainerState } from './state.js';
import { terminationMessage } from './termination-message.js';

/** How often running attempts are looked after (the kubelet's container log monitor period). */
const HOUSEKEEPING_MS = 10_000;

/** State and mechanisms shared by the runtime's operations. */
export abstract class RuncCore {
  protected root: string;
  protected readonly runcBin: string;
  protected readonly conmonBin: string;
  protected readonly python: string;
  protected readonly nsenter: string;
  protected readonly clock: Clock;
  protected readonly log: (line: string) => void;
  protected readonly pods = new Map<string, PodRecord>();
  protected readonly byId = new Map<string, { pod: PodRecord; entry: Entry }>();
  protected readonly listeners = new Set<(pod: RuntimePod) => void>();
  protected readonly streams = new Set<{ kill(): void }>();
  protected layout: CgroupLayout | undefined;
  protected watcher: ExitWatcher | undefined;
  protected housekeepingTimer: NodeJS.Timeout | undefined;
  private housekeepingBusy = false;
  protected started: Promise<void> | undefined;
  /** runc's version, read at start (containerRuntimeVersion shows it as runc://<version>). */
  protected runcVersion = '1.1';

  constructor(protected readonly options: RuncRuntimeOptions) {
    this.root = options.root;
    this.runcBin = options.runc ?? findBinary('runc');
    this.conmonBin = options.conmon ?? findBinary('conmon');
    this.python = options.python ?? findBinary('python3');
    this.nsenter = options.nsenter ?? findBinary('nsenter');
    this.clock = options.clock ?? realClock;
    this.log = options.log ?? (() => {});
  }

  protected get runcRoot() {
    return join(this.root, 'runc');
  }

  protected get exitDir() {
    return join(this.root, 'exits');
  }

  protected get socketDir() {
    return join(this.root, 'sockets');
  }

  /** Re-adopts pods and containers from disk and starts watching for exits. Idempotent. */
  start(): Promise<void> {
    this.started ??= this.adoptAll();
    return this.started;
  }

  protected async adoptAll(): Promise<void> {
    const v = await runCommand(this.runcBin, ['--version']).catch(() => undefined);
    this.runcVersion = /runc version (\d+\.\d+\.\d+)/.exec(v?.stdout ?? '')?.[1] ?? this.runcVersion;
    for (const d of [
      join(this.root, 'pods'),
      this.exitDir,
      this.socketDir,
      this.runcRoot,
      this.options.logRoot,
    ]) {
      await mkdir(d, { recursive: true });
    }
    // Mounts are matched by path in /proc/self/mountinfo, which shows resolved paths.
    this.root = await realpath(this.root);
    this.layout = detectCgroups();
    for (const saved of await loadState(this.root)) await this.adoptPod(saved);
    this.watcher = new ExitWatcher(this.exitDir, (id) => this.onExitFile(id), this.options.exitPollMs);
    this.watcher.start();
    this.housekeepingTimer = setInterval(
      () => void this.housekeeping(),
      this.options.housekeepingMs ?? HOUSEKEEPING_MS,
    );
    this.housekeepingTimer.unref();
    await Promise.all([...this.byId.values()].map(({ pod, entry }) => this.handleExit(pod, entry)));
    // Exit files of containers no state knows (a crash between launch and state write).
    for (const name of await readdir(this.exitDir)) {
      if (/^[0-9a-f]{64}$/.test(name) && !this.byId.has(name)) {
        await runCommand(this.runcBin, [`--root=${this.runcRoot}`, 'delete', '-f', name]);
        await rm(join(this.exitDir, name), { force: true });
      }
    }
  }

  protected async adoptPod(saved: Awaited<ReturnType<typeof loadState>>[number]): Promise<void> {
    const { pod: ps } = saved;
    if (ps.incomplete) {
      // The last agent died while creating this sandbox: take down whatever it got to.
      for (const id of [...saved.incomplete, ...saved.containers.map((c) => c.id)])
        await this.discardAttempt(ps.uid, id);
      await this.teardownSandbox(ps.uid, podDir(this.root, ps.uid), ps.cgroupParent, true);
      return;
    }
    const record: PodRecord = {
      state: ps,
      view: {
        uid: ps.uid,
        namespace: ps.namespace,
        name: ps.name,
        nodeName: ps.nodeName,
        ip: ps.ip,
        createdAt: new Date(ps.createdAt),
        stopping: ps.stopping,
        containers: [],
      },
      slots: new Map(),
      busy: Promise.resolve(),
    };
    // An attempt whose state was never written: the agent died while creating it.
    for (const id of saved.incomplete) await this.discardAttempt(ps.uid, id);
    const byName = new Map<string, ContainerState[]>();
    for (const c of saved.containers.sort((a, b) => a.createdAt.localeCompare(b.createdAt))) {
      byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
    }
    for (const [name, attempts] of byName) {
      attempts.sort((a, b) => b.attempt - a.attempt);
      const slot: Slot = {};
      for (const [i, c] of attempts.entries()) {
        const dir = containerDir(this.root, ps.uid, c.id);
        if (i === 0 && c.phase === 'created' && !(await this.adoptCreated(c, dir))) {
          // Created but never started: undo it, as a failed start is not counted.
          await this.discardAttempt(ps.uid, c.id, c.logPath);
          continue;
        }
        if (!slot.current) slot.current = newEntry(c, dir);
        else if (!slot.previous) slot.previous = newEntry(c, dir);
        else await this.discardAttempt(ps.uid, c.id, c.logPath);
      }
      if (!slot.current) continue;
      record.slots.set(name, slot);
      const cur = slot.current;
      this.byId.set(cur.state.id, { pod: record, entry: cur });
      if (cur.state.phase !== 'exited' && !(await readExit(this.exitDir, cur.dir, cur.state.id))) {
        // No exit recorded: it runs as long as its conmon does.
        if (!(await conmonPid(cur.dir, cur.state.id))) {
          this.log(`runc: container ${cur.state.id} lost its conmon; reporting it exited`);
          await this.recordExit(record, cur, 255, this.clock.now(), 'Unknown');
        }
      }
    }
    this.pods.set(ps.uid, record);
    this.refreshView(record);
  }

  /**
   * An attempt the last agent left in "created": kept (and made running) only when runc says it
   * runs or conmon recorded its exit, i.e. the agent died after starting it.
   */
  protected async adoptCreated(c: ContainerState, dir: string): Promise<boolean> {
    if (await readExit(this.exitDir, dir, c.id)) return true;
    if (!(await conmonPid(dir, c.id))) return false;
    const r = await runCommand(this.runcBin, [`--root=${this.runcRoot}`, 'state', c.id]);
    let status = '';
    try {
      status = (JSON.parse(r.stdout) as { status?: string }).status ?? '';
    } catch {
      // unknown to runc
    }
    if (status !== 'running') return false;
    c.phase = 'running';
    c.startedAt = c.createdAt;
    await writeContainerState(this.root, dirUid(dir), c);
    return true;
  }

  /** Removes an attempt that is not kept: runc state, rootfs, directory, log. */
  protected async discardAttempt(uid: string, id: string, logPath?: string): Promise<void> {
    const dir = containerDir(this.root, uid, id);
    await runCommand(this.runcBin, [`--root=${this.runcRoot}`, 'delete', '-f', id]);
    await this.options.images
      .release(dir)
      .catch((e) => this.log(`runc: releasing ${dir}: ${(e as Error).message}`));
    await removeDir(dir).catch((e) => this.log(`runc: ${(e as Error).message}`));
    await rm(join(this.exitDir, id), { force: true });
    await rm(join(this.socketDir, id.slice(0, 16)), { force: true });
    if (logPath) await rm(logPath, { force: true });
  }

  protected refreshView(record: PodRecord): void {
    const containers: RuntimeContainer[] = [];
    for (const slot of record.slots.values()) {
      if (slot.current) containers.push(view(slot.current, slot.previous));
    }
    record.view.containers = containers;
    record.view.stopping = record.state.stopping;
  }

  protected emit(record: PodRecord): void {
    for (const l of this.listeners) {
      try {
        l(record.view);
      } catch (err) {
        this.log(`runc: change listener failed: ${(err as Error).message}`);
      }
    }
  }

  protected record(uid: string): PodRecord {
    const r = this.pods.get(uid);
    if (!r) throw new Error(`no sandbox for pod ${uid}`);
    return r;
  }

  /** Takes the sandbox down step by step; returns what failed (each step runs regardless). */
  protected async teardownSandbox(
    uid: string,
    dir: string,
    cgroupParent: string,
    network: boolean,
  ): Promise<string[]> {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['network teardown', () => (network ? this.options.network.teardown(uid) : Promise.resolve())],
      ['removing cgroups', () => removePodCgroup(this.layout!, cgroupParent)],
      ['removing state', () => removeDir(dir)],
    ];
    const errors: string[] = [];
    for (const [what, step] of steps) {
      try {
        await step();
      } catch (err) {
        errors.push(`${what}: ${(err as Error).message}`);
        this.log(`runc: pod ${uid}: ${what}: ${(err as Error).message}`);
      }
    }
    return errors;
  }

  /** Kills the container if still there and waits (bounded) for its conmon to exit. */
  protected async waitConmonGone(dir: string, id: string, force: boolean): Promise<void> {
    if (force) await runCommand(this.runcBin, [`--root=${this.runcRoot}`, 'delete', '-f', id]);
    for (let i = 0; i < 100; i++) {
      const pid = await conmonPid(dir, id);
      if (!pid) return;
      if (i === 60) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  protected hookContext(record: PodRecord, entry: Entry, timeoutMs: number) {
    const ps = record.state;
    return {
      container: entry.state.spec,
      podDescription: `${ps.name}_${ps.namespace}(${ps.uid})`,
      podIP: ps.ip,
      timeoutMs,
      execSync: (cmd: string[], ms: number) => execSync(this.target(entry), cmd, ms),
      connect: (host: string, port: number) => this.connect(record, host, port),
    };
  }

  protected target(entry: Entry): ExecTarget {
    return {
      runc: this.runcBin,
      runcRoot: this.runcRoot,
      python: this.python,
      id: entry.state.id,
      bundle: entry.dir,
    };
  }

  /**
   * Every running attempt, every 10 s: its log rotated when it grew past the limit
   * (log-rotation.ts), and its conmon still there (lostMonitor when not).
   */
  protected async housekeeping(): Promise<void> {
    if (this.housekeepingBusy) return;
    this.housekeepingBusy = true;
    try {
      const limits = this.options.logRotation ?? defaultLogRotation;
      for (const record of this.pods.values()) {
        if (record.removing) continue;
        for (const slot of record.slots.values()) {
          const entry = slot.current;
          if (entry?.state.phase !== 'running' || entry.starting || entry.exitHandling) continue;
          if (!(await conmonPid(entry.dir, entry.state.id))) {
            await this.lostMonitor(record, entry);
            continue;
          }
          await rotateIfNeeded(entry.state.logPath, entry.dir, limits, this.clock.now()).catch((err) =>
            this.log(`runc: rotating ${entry.state.logPath}: ${(err as Error).message}`),
          );
        }
      }
    } catch (err) {
      this.log(`runc: housekeeping: ${(err as Error).message}`);
    } finally {
      this.housekeepingBusy = false;
    }
  }

  /**
   * A running attempt whose conmon is gone. conmon writes the exit file before it exits, so
   * without one it was killed (the OOM killer, where it cannot exempt itself, or a person): the
   * container's output has no reader and its exit no witness. What is left of it is killed and it
   * is reported exited (OOMKilled when its cgroup counted a kill), so pod sync restarts it by its
   * restartPolicy, as adoption does at start-up.
   */
  protected async lostMonitor(record: PodRecord, entry: Entry): Promise<void> {
    await this.handleExit(record, entry);
    if (isExited(entry)) return;
    const id = entry.state.id;
    this.log(`runc: container ${id} lost its conmon; killing what is left and reporting it exited`);
    const oom = (await oomKillCount(this.layout!, entry.state.cgroupsPath)) > 0;
    await runCommand(this.runcBin, [`--root=${this.runcRoot}`, 'delete', '-f', id]);
    entry.state.deleted = true;
    await this.recordExit(record, entry, oom ? 137 : 255, this.clock.now(), oom ? 'OOMKilled' : 'Unknown');
  }

  // ---- exits ----

  protected onExitFile(id: string): void {
    const known = this.byId.get(id);
    if (known && !known.entry.starting) void this.handleExit(known.pod, known.entry);
  }

  /** Records the exit of an attempt if conmon wrote one; then cleans up runc's state for it. */
  protected handleExit(record: PodRecord, entry: Entry): Promise<void> {
    if (entry.exitHandling || entry.starting) return entry.exitHandling ?? Promise.resolve();
    if (record.removing) return Promise.resolve();
    if (entry.state.phase === 'exited' && entry.state.deleted) return Promise.resolve();
    const p = (async () => {
      const id = entry.state.id;
      if (entry.state.phase !== 'exited') {
        const exit = await readExit(this.exitDir, entry.dir, id);
        if (!exit) {
          entry.exitHandling = undefined;
          return;
        }
        const oom =
          (await access(join(entry.dir, 'oom')).then(
            () => true,
            () => false,
          )) || (await oomKillCount(this.layout!, entry.state.cgroupsPath)) > 0;
        const reason = oom ? 'OOMKilled' : exit.code === 0 ? 'Completed' : 'Error';
        const message = await terminationMessage(entry.dir, entry.state.spec, exit.code, entry.state.logPath);
        await this.recordExit(record, entry, exit.code, exit.at, reason, message);
      }
      await runCommand(this.runcBin, [`--root=${this.runcRoot}`, 'delete', '-f', id]);
      await rm(join(this.exitDir, id), { force: true });
      entry.state.deleted = true;
      await writeContainerState(this.root, record.state.uid, entry.state).catch(() => {});
    })().catch((err) => {
      entry.exitHandling = undefined;
      this.log(`runc: handling the exit of ${entry.state.id}: ${(err as Error).message}`);
    });
    entry.exitHandling = p;
    return p;
  }

  protected async recordExit(
    record: PodRecord,
    entry: Entry,
    code: number,
    at: Date,
    reason: string,
    message?: string,
  ) {
    const s = entry.state;
    s.phase = 'exited';
    s.exitCode = code;
    if (message) s.message = message;
    s.finishedAt = at.toISOString();
    // A process that ends at once can finish before the start was timestamped.
    if (!s.startedAt || s.startedAt > s.finishedAt) s.startedAt = s.finishedAt;
    s.reason = reason;
    await writeContainerState(this.root, record.state.uid, s).catch(() => {});
    entry.markExited();
    this.refreshView(record);
    this.emit(record);
  }

  /** Waits for an attempt's exit up to ms; true when it exited. */
  protected async waitExit(record: PodRecord, entry: Entry, ms: number): Promise<boolean> {
    if (entry.state.phase === 'exited') return true;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), ms);
    });
    const done = await Promise.race([entry.exited.then(() => true), timedOut]);
    clearTimeout(timer);
    if (done) return true;
    // The watch may have missed it: look once.
    await this.handleExit(record, entry);
    return isExited(entry);
  }

  protected async signal(entry: Entry, signal: string): Promise<void> {
    await runCommand(this.runcBin, [`--root=${this.runcRoot}`, 'kill', entry.state.id, signal]);
  }

  /**
   * Stops one attempt as the kubelet's killContainer: the preStop hook (bounded by the grace
   * period), SIGTERM (or the image's STOPSIGNAL, as containerd and CRI-O send), SIGKILL once the
   * rest of the grace period (at least 2 s) has passed.
   */
  protected async stopContainer(record: PodRecord, entry: Entry, graceSeconds: number): Promise<void> {
    if (entry.state.phase === 'exited') return;
    let grace = Math.max(0, graceSeconds);
    const preStop = entry.state.spec.lifecycle?.preStop;
    if (preStop && grace > 0 && entry.state.phase === 'running') {
      const t0 = Date.now();
      try {
        await runHandler(preStop, this.hookContext(record, entry, grace * 1000));
      } catch (err) {
        this.log(`runc: FailedPreStopHook: ${(err as Error).message}`);
      }
      grace -= Math.floor((Date.now() - t0) / 1000);
    }
    grace = Math.max(MIN_GRACE_SECONDS, grace);
    if (isExited(entry)) return;
    await this.signal(entry, entry.state.stopSignal ?? 'TERM');
    if (await this.waitExit(record, entry, grace * 1000)) return;
    await this.signal(entry, 'KILL');
    if (!(await this.waitExit(record, entry, 10_000))) {
      this.log(`runc: container ${entry.state.id} did not exit after SIGKILL`);
    }
  }

  protected async connect(record: PodRecord, host: string, port: number): Promise<Duplex> {
    const duplex = await connectInNetns(this.python, this.nsenter, record.state.netnsPath, host, port);
    const handle = { kill: () => duplex.destroy() };
    this.streams.add(handle);
    duplex.on('close', () => this.streams.delete(handle));
    return duplex;
  }
}
