/**
 * The controller manager: runs every controller (and the scheduler) while this server holds the
 * leader Lease, and stops them all the moment it loses it. Controllers share one informer
 * factory, so each resource is watched once however many controllers read it.
 */
import { setMaxListeners } from 'node:events';
import { ApiEventRecorder, type EventRecorder } from '../client/events.js';
import { InformerFactory } from '../client/informer.js';
import { LeaderElector } from '../client/leader-election.js';
import type { Client, Clock } from '../client/types.js';

/** Tunables controllers read; defaults as Kubernetes unless noted. */
export interface ControllerOptions {
  /** Node lifecycle: how long a node may miss heartbeats before it is NotReady/Unknown. */
  nodeMonitorGracePeriodSeconds: number;
  /** Default tolerationSeconds for the not-ready/unreachable NoExecute taints. */
  defaultNotReadyTolerationSeconds: number;
}

export const defaultControllerOptions: ControllerOptions = {
  nodeMonitorGracePeriodSeconds: 40,
  defaultNotReadyTolerationSeconds: 300,
};

export interface ControllerContext {
  client: Client;
  informers: InformerFactory;
  clock: Clock;
  events(component: string): EventRecorder;
  options: ControllerOptions;
  /** Aborted when leadership is lost or the server stops. */
  signal: AbortSignal;
}

/** A controller: start informers and workers in run(); stop everything when signal aborts. */
export interface Controller {
  readonly name: string;
  run(ctx: ControllerContext): void | Promise<void>;
}

export interface ManagerOptions {
  identity: string;
  clock: Clock;
  options: ControllerOptions;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
}

export class ControllerManager {
  private readonly elector: LeaderElector;
  private running: { abort: AbortController; informers: InformerFactory } | undefined;

  constructor(
    private readonly client: Client,
    private readonly controllers: Controller[],
    private readonly opts: ManagerOptions,
  ) {
    this.elector = new LeaderElector(
      client,
      {
        namespace: 'kube-system',
        name: 'skiff-controller-manager',
        identity: opts.identity,
        leaseDurationSeconds: opts.leaseDurationSeconds ?? 10,
        renewIntervalMs: opts.renewIntervalMs ?? 2000,
        clock: opts.clock,
      },
      { onStartedLeading: () => this.startAll(), onStoppedLeading: () => this.stopAll() },
    );
  }

  get isLeader(): boolean {
    return this.elector.isLeader;
  }

  start(): void {
    this.elector.start();
  }

  /** Stops every controller, then gives up the leader lease so another server (or this one restarted) leads at once. */
  async stop(): Promise<void> {
    this.stopAll();
    await this.elector.stop();
  }

  private startAll(): void {
    const abort = new AbortController();
    // Every controller and informer listens for the abort: more than Node's default of 10.
    setMaxListeners(1000, abort.signal);
    const informers = new InformerFactory(this.client, this.opts.clock);
    this.running = { abort, informers };
    const recorders = new Map<string, EventRecorder>();
    const ctx: ControllerContext = {
      client: this.client,
      informers,
      clock: this.opts.clock,
      options: this.opts.options,
      signal: abort.signal,
      events: (component) => {
        let r = recorders.get(component);
        if (!r) {
          r = new ApiEventRecorder(this.client, component, this.opts.clock);
          recorders.set(component, r);
        }
        return r;
      },
    };
    for (const c of this.controllers) {
      Promise.resolve()
        .then(() => c.run(ctx))
        .catch((err) => process.stderr.write(`controller ${c.name} failed: ${(err as Error).message}\n`));
    }
  }

  private stopAll(): void {
    if (!this.running) return;
    this.running.abort.abort();
    this.running.informers.stop();
    this.running = undefined;
  }
}
