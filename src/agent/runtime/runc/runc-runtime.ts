/**
 * The runc runtime: skiff's containerd + runc. Each container attempt is an OCI bundle run by
 * runc under its own conmon (detached, so containers outlive an agent restart); every state
 * change is written under `root` so a new RuncRuntime on the same root re-adopts pods with the
 * same ids, attempts and previous states. Pods share a network namespace (from the network
 * plugin), a UTS and an IPC namespace and a /dev/shm (sandbox.ts) without a pause container.
 * Exits come from conmon's exit files (exits.ts); a dedicated `runc --root <root>/runc` keeps
 * skiff's containers apart from anything else on the host.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import {
  type ContainerRunConfig,
  ContainerStartError,
  type Runtime,
  type RuntimePod,
  type SandboxConfig,
} from '../runtime.js';
import type { ContainerProcess, PodCgroups, StreamingRuntime, StreamOptions } from '../streams.js';
import { containerSpec } from './bundle.js';
import { conmonCgroupProcs, createPodCgroup } from './cgroups.js';
import { processAlive } from './command.js';
import { conmonPid, createViaConmon, startCreated } from './conmon.js';
import { runHandler } from './hooks.js';
import {
  containerLogPath,
  defaultRunConfig,
  podHostname,
  podLogDir,
  pullPolicy,
  stopSignalOf,
} from './naming.js';
import { attachProcess, execProcess, execSync } from './processes.js';
import { type Entry, newEntry, type PodRecord, type RuncRuntimeOptions, startError } from './records.js';
import { PODS_CGROUP_ROOT, podCgroupParent, podCgroupValues, qosClass } from './resources.js';
import { RuncCore } from './runc-core.js';
import { createSandboxMounts, sandboxPaths } from './sandbox.js';
import {
  type ContainerState,
  containerDir,
  type PodState,
  podDir,
  writeContainerState,
  writeJSON,
  writePodState,
} from './state.js';
import { withTerminationMessageFile } from './termination-message.js';

export type { RuncImages, RuncNetwork, RuncRuntimeOptions } from './records.js';

/** Containers as real OCI containers: runc under conmon, state on disk, re-adopted on start. */
export class RuncRuntime extends RuncCore implements Runtime, StreamingRuntime {
  readonly name = 'runc';
  private readonly creating = new Map<string, Promise<RuntimePod>>();

  get version(): string {
    return this.runcVersion;
  }

  /** The cgroup all pods go under. */
  private get podsRoot(): string {
    return this.options.cgroupParent ?? PODS_CGROUP_ROOT;
  }

  /** A runtime that has re-adopted what `root` holds. */
  static async open(options: RuncRuntimeOptions): Promise<RuncRuntime> {
    const r = new RuncRuntime(options);
    await r.start();
    return r;
  }

  // ---- sandbox ----

  createSandbox(spec: Pod, config: SandboxConfig): Promise<RuntimePod> {
    const uid = spec.metadata?.uid;
    if (!uid) return Promise.reject(new Error('pod has no uid'));
    const existing = this.pods.get(uid);
    if (existing) return Promise.resolve(existing.view);
    let p = this.creating.get(uid);
    if (!p) {
      p = this.newSandbox(uid, spec, config).finally(() => this.creating.delete(uid));
      this.creating.set(uid, p);
    }
    return p;
  }

  private async newSandbox(uid: string, spec: Pod, config: SandboxConfig): Promise<RuntimePod> {
    await this.start();
    const namespace = spec.metadata?.namespace ?? 'default';
    const name = spec.metadata?.name ?? uid;
    const dir = podDir(this.root, uid);
    const qos = qosClass(spec);
    const cgroupParent = podCgroupParent(uid, qos, this.options.cgroupParent);
    await mkdir(join(dir, 'containers'), { recursive: true });
    const state: PodState = {
      uid,
      namespace,
      name,
      nodeName: config.nodeName,
      ip: '',
      netnsPath: '',
      createdAt: this.clock.now().toISOString(),
      stopping: false,
      qos,
      cgroupParent,
      hostname: podHostname(spec),
      spec: spec.spec ?? { containers: [] },
      incomplete: true,
    };
    // Written first, so a crash part-way leaves enough to undo what was done.
    await writePodState(this.root, state);
    const portMappings = (spec.spec?.containers ?? []).flatMap((c) =>
      (c.ports ?? [])
        .filter((p) => p.hostPort)
        .map((p) => ({
          hostPort: p.hostPort!,
          containerPort: p.containerPort,
          protocol: p.protocol ?? 'TCP',
          ...(p.hostIP ? { hostIP: p.hostIP } : {}),
        })),
    );
    const results = await Promise.allSettled([
      this.options.network.setup({ uid, namespace, name }, portMappings),
      createSandboxMounts(dir),
      createPodCgroup(
        this.layout!,
        cgroupParent,
        podCgroupValues(spec, this.options.pidsLimit),
        this.podsRoot,
      ),
    ]);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    if (failed) {
      await this.teardownSandbox(uid, dir, cgroupParent, results[0].status === 'fulfilled');
      throw new Error(
        `creating the sandbox of pod ${namespace}/${name}: ${(failed.reason as Error)?.message}`,
      );
    }
    const net = (results[0] as PromiseFulfilledResult<{ netnsPath: string; ip: string }>).value;
    state.ip = net.ip;
    state.netnsPath = net.netnsPath;
    delete state.incomplete;
    await writePodState(this.root, state);
    const record: PodRecord = {
      state,
      view: {
        uid,
        namespace,
        name,
        nodeName: config.nodeName,
        ip: net.ip,
        createdAt: new Date(state.createdAt),
        stopping: false,
        containers: [],
      },
      slots: new Map(),
      busy: Promise.resolve(),
    };
    this.pods.set(uid, record);
    return record.view;
  }

  // ---- containers ----

  async startContainer(podUID: string, container: Container, init: boolean, config?: ContainerRunConfig) {
    await this.start();
    const record = this.record(podUID);
    if (record.state.stopping) throw new Error(`pod ${podUID} is stopping; cannot start ${container.name}`);
    const slot = record.slots.get(container.name) ?? {};
    if (slot.current && slot.current.state.phase !== 'exited') return;
    const id = randomBytes(32).toString('hex');
    const dir = containerDir(this.root, podUID, id);
    const attempt = slot.current ? slot.current.state.attempt + 1 : 0;
    const ps = record.state;
    const logPath = containerLogPath(
      podLogDir(this.options.logRoot, ps.namespace, ps.name, ps.uid),
      container.name,
      attempt,
    );
    await mkdir(dir, { recursive: true });
    const run = await withTerminationMessageFile(config ?? defaultRunConfig(container), container, dir);
    let entry: Entry | undefined;
    let launched = false;
    try {
      const image = await this.options.images.prepare(
        container.image ?? '',
        pullPolicy(container),
        run.pullAuths,
        dir,
      );
      const spec = await containerSpec({
        pod: ps,
        sandbox: sandboxPaths(podDir(this.root, ps.uid)),
        container,
        run,
        image,
        cgroupsPath: `${ps.cgroupParent}/${id}`,
        pidsLimit: this.options.pidsLimit,
        memoryCapacity: this.options.memoryCapacity ?? totalmem(),
        cgroupV2: this.layout?.version === 2,
      });
      await Promise.all([
        writeJSON(join(dir, 'config.json'), spec),
        mkdir(join(podLogDir(this.options.logRoot, ps.namespace, ps.name, ps.uid), container.name), {
          recursive: true,
        }),
      ]);
      const state: ContainerState = {
        id,
        name: container.name,
        attempt,
        init,
        image: container.image ?? '',
        imageID: image.imageID || image.imageRef,
        phase: 'created',
        createdAt: this.clock.now().toISOString(),
        spec: container,
        logPath,
        cgroupsPath: `${ps.cgroupParent}/${id}`,
        ...stopSignalOf(image.config.stopSignal),
      };
      await writeContainerState(this.root, podUID, state);
      entry = newEntry(state, dir);
      entry.starting = true;
      const replaced = slot.current;
      const before = { ...slot };
      record.slots.set(container.name, { current: entry, previous: replaced ?? slot.previous });
      this.byId.set(id, { pod: record, entry });
      this.refreshView(record);
      try {
        launched = true;
        const pid = await createViaConmon({
          conmon: this.conmonBin,
          runc: this.runcBin,
          runcRoot: this.runcRoot,
          id,
          name: `${ps.namespace}_${ps.name}_${container.name}`,
          bundle: dir,
          logPath,
          exitDir: this.exitDir,
          socketDir: this.socketDir,
          tty: container.tty === true,
          stdin: container.stdin === true,
          leaveStdinOpen: container.stdinOnce !== true,
          cgroupProcs: conmonCgroupProcs(this.layout!, ps.cgroupParent, this.podsRoot),
        });
        await startCreated(this.runcBin, this.runcRoot, id, pid);
      } catch (err) {
        record.slots.set(container.name, before);
        if (!before.current && !before.previous) record.slots.delete(container.name);
        this.byId.delete(id);
        this.refreshView(record);
        throw err;
      }
      entry.starting = false;
      if (state.phase === 'created') {
        state.phase = 'running';
        state.startedAt = this.clock.now().toISOString();
      }
      this.refreshView(record);
      await writeContainerState(this.root, podUID, state);
      this.emit(record);
      // An exit that came while it was starting was left for this look.
      void this.handleExit(record, entry);
      if (replaced) this.retire(record, replaced, before.previous);
    } catch (err) {
      if (entry) entry.starting = false;
      await this.abortAttempt(podUID, id, dir, logPath, launched);
      throw startError(err);
    }
    const postStart = container.lifecycle?.postStart;
    if (postStart) await this.runPostStart(record, entry, postStart);
  }

  /** Undoes a failed start: nothing of the attempt stays (it is not counted). */
  private async abortAttempt(uid: string, id: string, dir: string, logPath: string, launched: boolean) {
    try {
      if (launched) await this.waitConmonGone(dir, id, true);
      await this.discardAttempt(uid, id, logPath);
    } catch (err) {
      this.log(`runc: cleaning up failed attempt ${id}: ${(err as Error).message}`);
    }
  }

  /**
   * An attempt became "previous": its rootfs is released now (the log and state stay for
   * lastState and --previous); the attempt before it goes entirely.
   */
  private retire(record: PodRecord, replaced: Entry, dropped: Entry | undefined): void {
    this.byId.delete(replaced.state.id);
    record.busy = record.busy.then(async () => {
      try {
        await this.options.images.release(replaced.dir);
        replaced.state.released = true;
        await writeContainerState(this.root, record.state.uid, replaced.state).catch(() => {});
        if (dropped) await this.discardAttempt(record.state.uid, dropped.state.id, dropped.state.logPath);
      } catch (err) {
        this.log(`runc: retiring attempt ${replaced.state.id}: ${(err as Error).message}`);
      }
    });
  }

  private async runPostStart(
    record: PodRecord,
    entry: Entry,
    handler: NonNullable<Container['lifecycle']>['postStart'],
  ) {
    try {
      await runHandler(handler!, this.hookContext(record, entry, 0));
    } catch (err) {
      const message = (err as Error).message;
      this.log(`runc: FailedPostStartHook: ${message}`);
      // As the kubelet: a failed postStart hook kills the container (which then restarts by policy).
      await this.stopContainer(record, entry, record.state.spec.terminationGracePeriodSeconds ?? 30);
      throw new ContainerStartError('PostStartHookError', message);
    }
  }

  async killContainer(podUID: string, name: string, gracePeriodSeconds: number): Promise<void> {
    const record = this.pods.get(podUID);
    const entry = record?.slots.get(name)?.current;
    if (!record || !entry || entry.state.phase === 'exited') return;
    await this.stopContainer(record, entry, gracePeriodSeconds);
  }

  async stopPod(podUID: string, gracePeriodSeconds: number): Promise<void> {
    const record = this.pods.get(podUID);
    if (!record) return;
    if (!record.state.stopping) {
      record.state.stopping = true;
      this.refreshView(record);
      await writePodState(this.root, record.state);
    }
    const live = [...record.slots.values()].map((s) => s.current).filter((e): e is Entry => !!e);
    await Promise.all(live.map((e) => this.stopContainer(record, e, gracePeriodSeconds)));
  }

  async removePod(podUID: string): Promise<void> {
    await this.start();
    const record = this.pods.get(podUID);
    if (!record) return;
    record.removing = true;
    await record.busy;
    const entries = [...record.slots.values()]
      .flatMap((s) => [s.current, s.previous])
      .filter((e): e is Entry => !!e);
    await Promise.all(entries.map((e) => e.exitHandling));
    const dir = podDir(this.root, podUID);
    let ids: string[] = [];
    try {
      ids = await readdir(join(dir, 'containers'));
    } catch {
      // none
    }
    await Promise.all(ids.map((id) => this.waitConmonGone(containerDir(this.root, podUID, id), id, true)));
    for (const id of ids) {
      const cdir = containerDir(this.root, podUID, id);
      await this.options.images
        .release(cdir)
        .catch((e) => this.log(`runc: releasing ${cdir}: ${(e as Error).message}`));
      await rm(join(this.exitDir, id), { force: true });
      await rm(join(this.socketDir, id.slice(0, 16)), { force: true });
      this.byId.delete(id);
    }
    const ps = record.state;
    const errors = await this.teardownSandbox(podUID, dir, ps.cgroupParent, true);
    await rm(podLogDir(this.options.logRoot, ps.namespace, ps.name, ps.uid), {
      recursive: true,
      force: true,
    });
    // Kept while anything failed, so pod sync calls again (every step is idempotent).
    if (errors.length > 0) throw new Error(`removing pod ${ps.namespace}/${ps.name}: ${errors.join('; ')}`);
    this.pods.delete(podUID);
  }

  listPods(): RuntimePod[] {
    return [...this.pods.values()].map((r) => r.view);
  }

  getPod(podUID: string): RuntimePod | undefined {
    return this.pods.get(podUID)?.view;
  }

  onChange(listener: (pod: RuntimePod) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.watcher?.close();
    clearInterval(this.housekeepingTimer);
    for (const s of this.streams) s.kill();
    this.streams.clear();
    this.listeners.clear();
    await Promise.all([...this.pods.values()].map((r) => r.busy));
  }

  // ---- streaming ----

  private running(podUID: string, name: string): { record: PodRecord; entry: Entry } {
    const record = this.pods.get(podUID);
    const entry = record?.slots.get(name)?.current;
    if (!record || !entry) throw new Error(`container ${name} not found in pod ${podUID}`);
    if (entry.state.phase !== 'running') throw new Error(`container ${name} is not running`);
    return { record, entry };
  }

  logPath(podUID: string, container: string, previous: boolean): string | undefined {
    const slot = this.pods.get(podUID)?.slots.get(container);
    return (previous ? slot?.previous : slot?.current)?.state.logPath;
  }

  async exec(
    podUID: string,
    container: string,
    command: string[],
    options: StreamOptions,
  ): Promise<ContainerProcess> {
    const { entry } = this.running(podUID, container);
    if (command.length === 0) throw new Error('exec needs a command');
    return this.track(execProcess(this.target(entry), command, options));
  }

  async execSync(podUID: string, container: string, command: string[], timeoutMs: number) {
    const { entry } = this.running(podUID, container);
    return execSync(this.target(entry), command, timeoutMs);
  }

  async attach(podUID: string, container: string, options: StreamOptions): Promise<ContainerProcess> {
    const { record, entry } = this.running(podUID, container);
    if (options.stdin && entry.state.spec.stdin !== true) {
      throw new Error(`container ${container} was not started with stdin: true; cannot attach stdin`);
    }
    const exitCode = async () =>
      (await this.waitExit(record, entry, 5000)) ? (entry.state.exitCode ?? -1) : -1;
    return this.track(
      attachProcess(this.python, entry.dir, { ...options, tty: entry.state.spec.tty === true }, exitCode),
    );
  }

  async portForward(podUID: string, port: number): Promise<Duplex> {
    const record = this.record(podUID);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`invalid port ${port}`);
    // As the kubelet: the connection goes to localhost inside the pod's network namespace.
    return this.connect(record, '127.0.0.1', port);
  }

  private track(p: ContainerProcess): ContainerProcess {
    this.streams.add(p);
    void p.exited.then(() => this.streams.delete(p));
    return p;
  }

  cgroups(podUID: string): PodCgroups | undefined {
    const record = this.pods.get(podUID);
    if (!record) return undefined;
    const containers: Record<string, string> = {};
    for (const [name, slot] of record.slots) {
      if (slot.current && slot.current.state.phase !== 'exited')
        containers[name] = slot.current.state.cgroupsPath;
    }
    return { pod: record.state.cgroupParent, containers };
  }

  /** Where this runtime keeps runc's state (for tests and diagnostics). */
  get runcStateRoot(): string {
    return this.runcRoot;
  }

  /** Whether a container's init process still runs (diagnostics). */
  async containerRunning(podUID: string, name: string): Promise<boolean> {
    const entry = this.pods.get(podUID)?.slots.get(name)?.current;
    if (!entry || entry.state.phase === 'exited') return false;
    const pid = await conmonPid(entry.dir, entry.state.id);
    return pid !== undefined && (await processAlive(pid));
  }
}
