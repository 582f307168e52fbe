/**
 * The virtual runtime: containers that exist only as state and timers, so one process can hold
 * the pods of thousands of simulated nodes (as kwok does). A container "starts" after a delay and
 * runs; containers of pods that are meant to finish (restartPolicy Never or OnFailure) exit after
 * a run duration. Per-pod annotations choose another exit code or duration, so tests can make
 * pods fail or crash-loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { type Clock, realClock } from '../../../client/types.js';
import type { Runtime, RuntimeContainer, RuntimePod, SandboxConfig } from '../runtime.js';
import { IPPool } from './ip-pool.js';

/** Exit code every container of the pod finishes with (default 0). */
export const EXIT_CODE_ANNOTATION = 'skiff.dev/virtual-exit-code';
/**
 * Seconds each container of the pod runs before it exits. Applies to every restart policy, so
 * an Always pod with it crash-loops; without it, only Never/OnFailure pods exit.
 */
export const RUN_SECONDS_ANNOTATION = 'skiff.dev/virtual-run-seconds';

export interface VirtualRuntimeOptions {
  clock?: Clock;
  /** Milliseconds from startContainer until the container runs (default 100). */
  startDelayMs?: number;
  /** Milliseconds a Never/OnFailure container runs before it exits (default 1000). */
  runDurationMs?: number;
}

interface PodRecord {
  pod: RuntimePod;
  spec: Pod;
  cidr: string;
  /** Cancels for pending start/exit timers, by container name. */
  timers: Map<string, () => void>;
}

function annotationNumber(pod: Pod, key: string): number | undefined {
  const raw = pod.metadata?.annotations?.[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function imageID(image: string): string {
  const digest = createHash('sha256').update(image).digest('hex');
  return `${image.split('@')[0]}@sha256:${digest}`;
}

/** A Runtime whose containers are simulated: no processes, no network, only timing. */
export class VirtualRuntime implements Runtime {
  readonly name = 'virtual';
  readonly version = '1.0';
  private readonly clock: Clock;
  private readonly startDelayMs: number;
  private readonly runDurationMs: number;
  private readonly pods = new Map<string, PodRecord>();
  private readonly pools = new Map<string, IPPool>();
  private readonly listeners = new Set<(pod: RuntimePod) => void>();

  constructor(options: VirtualRuntimeOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.startDelayMs = options.startDelayMs ?? 100;
    this.runDurationMs = options.runDurationMs ?? 1000;
  }

  async createSandbox(spec: Pod, config: SandboxConfig): Promise<RuntimePod> {
    const uid = spec.metadata!.uid!;
    const existing = this.pods.get(uid);
    if (existing) return existing.pod;
    let pool = this.pools.get(config.podCIDR);
    if (!pool) {
      pool = new IPPool(config.podCIDR);
      this.pools.set(config.podCIDR, pool);
    }
    const pod: RuntimePod = {
      uid,
      namespace: spec.metadata!.namespace ?? 'default',
      name: spec.metadata!.name!,
      nodeName: config.nodeName,
      ip: pool.allocate(),
      createdAt: this.clock.now(),
      stopping: false,
      containers: [],
    };
    this.pods.set(uid, { pod, spec, cidr: config.podCIDR, timers: new Map() });
    return pod;
  }

  async startContainer(podUID: string, container: Container, init: boolean): Promise<void> {
    const record = this.record(podUID);
    if (record.pod.stopping) throw new Error(`pod ${podUID} is stopping; cannot start ${container.name}`);
    const containers = record.pod.containers;
    const index = containers.findIndex((c) => c.name === container.name);
    const prev = index >= 0 ? containers[index] : undefined;
    if (prev && prev.phase !== 'exited') return;
    const next: RuntimeContainer = {
      name: container.name,
      id: `virtual://${randomBytes(16).toString('hex')}`,
      image: container.image ?? '',
      imageID: imageID(container.image ?? ''),
      phase: 'created',
      attempt: prev ? prev.attempt + 1 : 0,
      init,
      createdAt: this.clock.now(),
      previous: prev?.finishedAt
        ? {
            id: prev.id,
            startedAt: prev.startedAt,
            finishedAt: prev.finishedAt,
            exitCode: prev.exitCode ?? 0,
            reason: prev.reason ?? 'Completed',
          }
        : undefined,
    };
    if (index >= 0) containers[index] = next;
    else containers.push(next);
    this.schedule(record, container.name, this.startDelayMs, () => this.run(record, next));
  }

  /** The container is up; arrange its exit if it is meant to finish. */
  private run(record: PodRecord, c: RuntimeContainer): void {
    c.phase = 'running';
    c.startedAt = this.clock.now();
    const runMs = this.runtimeOf(record.spec, c);
    if (runMs !== undefined) {
      this.schedule(record, c.name, runMs, () => {
        const code = c.init ? 0 : (annotationNumber(record.spec, EXIT_CODE_ANNOTATION) ?? 0);
        this.exit(c, code);
        this.emit(record.pod);
      });
    }
    this.emit(record.pod);
  }

  /** How long a container runs before exiting, or undefined to run until stopped. */
  private runtimeOf(spec: Pod, c: RuntimeContainer): number | undefined {
    // Init containers exist to finish; they do so as soon as they are up.
    if (c.init) return 0;
    const seconds = annotationNumber(spec, RUN_SECONDS_ANNOTATION);
    if (seconds !== undefined) return Math.max(0, seconds * 1000);
    const policy = spec.spec?.restartPolicy ?? 'Always';
    return policy === 'Always' ? undefined : this.runDurationMs;
  }

  private exit(c: RuntimeContainer, code: number): void {
    c.phase = 'exited';
    c.finishedAt = this.clock.now();
    c.exitCode = code;
    c.reason = code === 0 ? 'Completed' : 'Error';
  }

  async stopPod(podUID: string, _gracePeriodSeconds: number): Promise<void> {
    const record = this.pods.get(podUID);
    if (!record) return;
    record.pod.stopping = true;
    for (const cancel of record.timers.values()) cancel();
    record.timers.clear();
    // Simulated processes honour SIGTERM at once and exit cleanly.
    for (const c of record.pod.containers) if (c.phase !== 'exited') this.exit(c, 0);
  }

  async killContainer(podUID: string, name: string, _gracePeriodSeconds: number): Promise<void> {
    const record = this.pods.get(podUID);
    const c = record?.pod.containers.find((x) => x.name === name && x.phase !== 'exited');
    if (!record || !c) return;
    record.timers.get(name)?.();
    record.timers.delete(name);
    // A simulated process killed for a failed probe: SIGKILL's 137, as runc would report.
    this.exit(c, 137);
    this.emit(record.pod);
  }

  async removePod(podUID: string): Promise<void> {
    const record = this.pods.get(podUID);
    if (!record) return;
    for (const cancel of record.timers.values()) cancel();
    this.pods.delete(podUID);
    this.pools.get(record.cidr)?.release(record.pod.ip);
  }

  listPods(): RuntimePod[] {
    return [...this.pods.values()].map((r) => r.pod);
  }

  getPod(podUID: string): RuntimePod | undefined {
    return this.pods.get(podUID)?.pod;
  }

  onChange(listener: (pod: RuntimePod) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const r of this.pods.values()) for (const cancel of r.timers.values()) cancel();
    this.listeners.clear();
  }

  private record(uid: string): PodRecord {
    const record = this.pods.get(uid);
    if (!record) throw new Error(`no sandbox for pod ${uid}`);
    return record;
  }

  private schedule(record: PodRecord, name: string, ms: number, fn: () => void): void {
    record.timers.get(name)?.();
    const cancel = this.clock.after(ms, () => {
      record.timers.delete(name);
      fn();
    });
    record.timers.set(name, cancel);
  }

  private emit(pod: RuntimePod): void {
    for (const l of this.listeners) l(pod);
  }
}
