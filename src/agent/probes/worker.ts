/**
 * One probe of one container attempt (the kubelet's prober worker). It ticks every periodSeconds
 * from its start (the first tick at once), skips ticks within initialDelaySeconds of the
 * container's start, holds liveness and readiness until the startup probe passed (and the startup
 * probe after it passed), and counts consecutive results: the published result changes only after
 * successThreshold successes or failureThreshold failures in a row. A liveness or startup failure
 * puts the worker on hold: the container is about to be restarted and a new attempt gets a new
 * worker. Ticks and probe timeouts run on the injected clock.
 */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/types.js';
import { type ProberDeps, runProbeWithRetries } from './prober.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeState = 'success' | 'failure' | 'unknown';

const TITLE: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

/** The result a worker publishes before its first decision (the kubelet's initialValue). */
const INITIAL: Record<ProbeKind, ProbeState> = {
  liveness: 'success',
  readiness: 'failure',
  startup: 'unknown',
};

/** What a worker needs from its manager. */
export interface WorkerHost {
  clock: Clock;
  deps: ProberDeps;
  /** The latest pod object and IP. */
  pod(): Pod;
  podIP(): string;
  /** True once the container counts as started (no startup probe, or it succeeded). */
  started(worker: ProbeWorker): boolean;
  /** A decision crossed its threshold. */
  publish(worker: ProbeWorker, state: ProbeState): void;
  event(pod: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void;
}

export class ProbeWorker {
  /** The published result for this attempt. */
  state: ProbeState;
  /** The probe running now, if any (tests await it through the manager). */
  inflight: Promise<void> | undefined;
  private lastResult: ProbeState | undefined;
  private resultRun = 0;
  private onHold = false;
  private stopped = false;
  private cancelTimer: (() => void) | undefined;
  private readonly t0: number;

  constructor(
    readonly kind: ProbeKind,
    readonly podUID: string,
    readonly container: Container,
    readonly containerID: string,
    private readonly spec: Probe,
    private readonly startedAt: Date,
    private readonly host: WorkerHost,
  ) {
    this.state = INITIAL[kind];
    this.t0 = host.clock.now().getTime();
  }

  start(): void {
    this.tick();
  }

  /** Probes now (the kubelet's manual trigger, e.g. readiness right after startup passed). */
  trigger(): void {
    if (this.stopped || this.inflight) return;
    this.cancelTimer?.();
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private get periodMs(): number {
    return (this.spec.periodSeconds || 10) * 1000;
  }

  private tick = (): void => {
    this.cancelTimer = undefined;
    if (this.stopped) return;
    const at = this.host.clock.now().getTime();
    this.inflight = this.doProbe()
      .catch(() => {})
      .finally(() => {
        this.inflight = undefined;
        this.scheduleAfter(at);
      });
  };

  /** The next tick on the period grid after `from` (a late probe runs at once, as Go's ticker). */
  private scheduleAfter(from: number): void {
    if (this.stopped) return;
    const k = Math.floor((from - this.t0) / this.periodMs) + 1;
    const next = this.t0 + k * this.periodMs;
    this.cancelTimer = this.host.clock.after(Math.max(0, next - this.host.clock.now().getTime()), this.tick);
  }

  private async doProbe(): Promise<void> {
    if (this.onHold) return;
    const pod = this.host.pod();
    if (pod.metadata?.deletionTimestamp && this.kind !== 'readiness') {
      // A terminating pod is not restarted by its probes: leave quietly with a success.
      this.host.publish(this, 'success');
      this.stop();
      return;
    }
    const runningFor = Math.trunc((this.host.clock.now().getTime() - this.startedAt.getTime()) / 1000);
    if (runningFor < (this.spec.initialDelaySeconds ?? 0)) return;
    const started = this.host.started(this);
    if (this.kind === 'startup' ? started : !started) return;

    const title = TITLE[this.kind];
    let outcome: 'success' | 'failure';
    try {
      const r = await runProbeWithRetries(this.host.deps, this.spec, {
        podUID: this.podUID,
        podIP: this.host.podIP(),
        container: this.container,
      });
      if (this.stopped) return;
      if (r.result === 'failure')
        this.host.event(pod, 'Warning', 'Unhealthy', `${title} probe failed: ${r.output}`);
      if (r.result === 'warning')
        this.host.event(pod, 'Warning', 'ProbeWarning', `${title} probe warning: ${r.output}`);
      outcome = r.result === 'failure' ? 'failure' : 'success';
    } catch (err) {
      // A probe that could not run says nothing about the container: reported, not counted.
      if (!this.stopped) {
        const message = `${title} probe errored and resulted in unknown state: ${(err as Error).message}`;
        this.host.event(pod, 'Warning', 'Unhealthy', message);
      }
      return;
    }

    if (this.lastResult === outcome) this.resultRun++;
    else {
      this.lastResult = outcome;
      this.resultRun = 1;
    }
    const threshold =
      outcome === 'failure' ? this.spec.failureThreshold || 3 : this.spec.successThreshold || 1;
    if (this.resultRun < threshold) return;
    this.host.publish(this, outcome);
    if (this.kind !== 'readiness' && outcome === 'failure') {
      this.onHold = true;
      this.resultRun = 0;
    }
  }
}
