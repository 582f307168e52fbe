/**
 * The agent's probe manager (the kubelet's prober manager): one worker per probe of each running
 * container attempt, started and stopped by sync() as pod sync observes the runtime. It answers
 * the two questions container statuses need, started and ready, for a given container id, so a
 * restarted container starts over (not started, not ready) however its previous attempt did.
 * It reports back through callbacks: onChange when started/ready changed (pod sync re-plans and
 * writes status), onLivenessFailure when a liveness or startup probe failed past its threshold
 * (pod sync kills the container; it restarts per restartPolicy), event for the kubelet's
 * Unhealthy/ProbeWarning events.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/types.js';
import type { RuntimePod } from '../runtime/runtime.js';
import type { ProberDeps } from './prober.js';
import { type ProbeKind, type ProbeState, ProbeWorker, type WorkerHost } from './worker.js';

export interface ProbeManagerOptions {
  clock: Clock;
  /** Runs a command in the container (StreamingRuntime.execSync): exit code -1 means it timed out. */
  execProbe(
    podUID: string,
    container: string,
    command: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }>;
  /** started or ready changed for a container of the pod. */
  onChange(podUID: string): void;
  /** A liveness or startup probe failed past its threshold: kill the container (message for the Killing event). */
  onLivenessFailure(podUID: string, container: string, message: string): void;
  /** Records an event on the pod (Unhealthy, ProbeWarning). */
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** The User-Agent of HTTP probes (default kube-probe/1.32). */
  userAgent?: string;
}

interface PodEntry {
  pod: Pod;
  podIP: string;
  /** By `<container>/<kind>`. */
  workers: Map<string, ProbeWorker>;
}

const KINDS: Array<[ProbeKind, 'livenessProbe' | 'readinessProbe' | 'startupProbe']> = [
  ['startup', 'startupProbe'],
  ['readiness', 'readinessProbe'],
  ['liveness', 'livenessProbe'],
];

/** The containers that are probed: regular ones and sidecars (init containers that keep running). */
function probedContainers(pod: Pod): Array<{ spec: Container; init: boolean }> {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [
    ...(pod.spec?.containers ?? []).map((spec) => ({ spec, init: false })),
    ...sidecars.map((spec) => ({ spec, init: true })),
  ];
}

function findSpec(pod: Pod, name: string): Container | undefined {
  return probedContainers(pod).find((c) => c.spec.name === name)?.spec;
}

export class ProbeManager {
  private readonly pods = new Map<string, PodEntry>();
  private readonly deps: ProberDeps;
  /** Probes of stopped workers still finishing (their results are dropped). */
  private readonly draining = new Set<Promise<void>>();

  constructor(private readonly options: ProbeManagerOptions) {
    this.deps = {
      clock: options.clock,
      execProbe: (uid, container, command, timeoutMs) =>
        options.execProbe(uid, container, command, timeoutMs),
      userAgent: options.userAgent ?? 'kube-probe/1.32',
    };
  }

  /**
   * Brings the workers in line with the pod and what the runtime runs: a worker per probe for
   * every running container attempt, none for containers that exited or are gone.
   */
  sync(pod: Pod, rp: RuntimePod | undefined): void {
    const uid = pod.metadata?.uid ?? '';
    const phase = pod.status?.phase;
    if (!rp || rp.stopping || phase === 'Succeeded' || phase === 'Failed') {
      this.remove(uid);
      return;
    }
    let entry = this.pods.get(uid);
    if (!entry) {
      entry = { pod, podIP: rp.ip, workers: new Map() };
      this.pods.set(uid, entry);
    }
    entry.pod = pod;
    entry.podIP = rp.ip;
    const wanted = new Set<string>();
    for (const { spec, init } of probedContainers(pod)) {
      const rc = rp.containers.find((c) => c.name === spec.name && c.init === init);
      if (rc?.phase !== 'running') continue;
      for (const [kind, field] of KINDS) {
        const probe = spec[field];
        if (!probe) continue;
        const key = `${spec.name}/${kind}`;
        wanted.add(key);
        const current = entry.workers.get(key);
        if (current && current.containerID === rc.id) continue;
        if (current) this.stopWorker(current);
        const worker = new ProbeWorker(
          kind,
          uid,
          spec,
          rc.id,
          probe,
          rc.startedAt ?? this.options.clock.now(),
          this.host(entry),
        );
        entry.workers.set(key, worker);
        worker.start();
      }
    }
    for (const [key, worker] of entry.workers) {
      if (!wanted.has(key)) {
        this.stopWorker(worker);
        entry.workers.delete(key);
      }
    }
  }

  private stopWorker(worker: ProbeWorker): void {
    worker.stop();
    const inflight = worker.inflight;
    if (!inflight) return;
    this.draining.add(inflight);
    void inflight.finally(() => this.draining.delete(inflight));
  }

  private host(entry: PodEntry): WorkerHost {
    return {
      clock: this.options.clock,
      deps: this.deps,
      pod: () => entry.pod,
      podIP: () => entry.podIP,
      started: (w) => this.startedIn(entry, w.container.name, w.containerID),
      publish: (w, state) => this.publish(entry, w, state),
      event: (pod, type, reason, message) => this.options.event(pod, type, reason, message),
    };
  }

  private publish(entry: PodEntry, worker: ProbeWorker, state: ProbeState): void {
    if (entry.workers.get(`${worker.container.name}/${worker.kind}`) !== worker) return;
    const previous = worker.state;
    worker.state = state;
    const uid = worker.podUID;
    const name = worker.container.name;
    if (state === 'failure' && worker.kind !== 'readiness') {
      const restart = this.restarts(entry.pod, worker.container);
      const message = `Container ${name} failed ${worker.kind} probe${restart ? ', will be restarted' : ''}`;
      this.options.onLivenessFailure(uid, name, message);
    }
    if (previous === state) return;
    if (worker.kind === 'startup' && state === 'success') {
      // Readiness is probed at once rather than at its next tick, as the kubelet triggers it.
      entry.workers.get(`${name}/readiness`)?.trigger();
    }
    if (worker.kind !== 'liveness') this.options.onChange(uid);
  }

  private restarts(pod: Pod, container: Container): boolean {
    const sidecar = pod.spec?.initContainers?.some(
      (c) => c.name === container.name && c.restartPolicy === 'Always',
    );
    return sidecar === true || pod.spec?.restartPolicy !== 'Never';
  }

  private startedIn(entry: PodEntry, name: string, containerID: string): boolean {
    if (!findSpec(entry.pod, name)?.startupProbe) return true;
    const w = entry.workers.get(`${name}/startup`);
    return w !== undefined && w.containerID === containerID && w.state === 'success';
  }

  /**
   * Whether the running container attempt counts as started: no startup probe, or it passed.
   * A pod never synced has no known probes: started.
   */
  isStarted(podUID: string, container: string, containerID: string): boolean {
    const entry = this.pods.get(podUID);
    return entry ? this.startedIn(entry, container, containerID) : true;
  }

  /**
   * Whether the running container attempt is ready: started, and without a readiness probe or
   * with one that reached successThreshold. Only meaningful for running containers.
   */
  isReady(podUID: string, container: string, containerID: string): boolean {
    const entry = this.pods.get(podUID);
    if (!entry) return true;
    if (!this.startedIn(entry, container, containerID)) return false;
    if (!findSpec(entry.pod, container)?.readinessProbe) return true;
    const w = entry.workers.get(`${container}/readiness`);
    return w !== undefined && w.containerID === containerID && w.state === 'success';
  }

  /** Stops the pod's workers and forgets it. */
  remove(podUID: string): void {
    const entry = this.pods.get(podUID);
    if (!entry) return;
    for (const w of entry.workers.values()) this.stopWorker(w);
    this.pods.delete(podUID);
  }

  /** Waits until no probe is running (tests: after advancing a manual clock). */
  async settled(): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const running = [...this.pods.values()]
        .flatMap((e) => [...e.workers.values()].map((w) => w.inflight))
        .filter(Boolean);
      running.push(...this.draining);
      if (running.length === 0) return;
      await Promise.allSettled(running);
    }
  }

  /** Number of running workers (tests). */
  get workerCount(): number {
    let n = 0;
    for (const e of this.pods.values()) n += e.workers.size;
    return n;
  }

  close(): void {
    for (const uid of [...this.pods.keys()]) this.remove(uid);
  }
}
