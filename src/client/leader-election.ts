/**
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's leaderelection: the holder
 * renews spec.renewTime every renewIntervalMs; anyone may take the lease once it has not been
 * renewed for leaseDurationSeconds. Optimistic concurrency (resourceVersion) makes a takeover
 * atomic, so at most one candidate leads at a time. A leader that stops releases the lease (as
 * client-go's ReleaseOnCancel), so a restarted server leads again at once instead of waiting out
 * its own old lease.
 */
import { isReason } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { Client, Clock } from './types.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  renewIntervalMs: number;
  clock: Clock;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  onStoppedLeading(): void;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** How long a stopping leader tries to release its lease. */
const RELEASE_TIMEOUT_MS = 2000;

/** metav1.MicroTime: RFC 3339 with microseconds. */
export function microTime(d: Date): string {
  return d.toISOString().replace('Z', '000Z');
}

export class LeaderElector {
  private leading = false;
  private stopped = false;
  private cancel: (() => void) | undefined;
  private lastRenew = 0;

  constructor(
    private readonly client: Client,
    private readonly opts: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
  ) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops campaigning; a leader stops acting first, then releases the lease (bounded, best effort). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.cancel?.();
    if (!this.leading) return;
    this.leading = false;
    this.callbacks.onStoppedLeading();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.release().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, RELEASE_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Gives the lease up if it is still ours: no holder, a one-second duration (as client-go). */
  private async release(): Promise<void> {
    const leases = this.client.resource('coordination.k8s.io', 'v1', 'leases');
    const lease = await leases.get(this.opts.namespace, this.opts.name);
    const spec = (lease.spec ?? {}) as LeaseSpec;
    if (spec.holderIdentity !== this.opts.identity) return;
    const { holderIdentity: _mine, ...rest } = spec;
    lease.spec = { ...rest, leaseDurationSeconds: 1, renewTime: microTime(this.opts.clock.now()) };
    await leases.update(this.opts.namespace, lease);
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let held = false;
    try {
      held = await this.tryAcquireOrRenew();
    } catch {
      held = false;
    }
    const now = this.opts.clock.now().getTime();
    if (held) {
      this.lastRenew = now;
      if (!this.leading && !this.stopped) {
        this.leading = true;
        this.callbacks.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.opts.leaseDurationSeconds * 1000) {
      // Could not renew for a whole lease: someone else may lead now. Stop acting at once.
      this.leading = false;
      this.callbacks.onStoppedLeading();
    }
    if (!this.stopped) this.cancel = this.opts.clock.after(this.opts.renewIntervalMs, () => void this.tick());
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const leases = this.client.resource('coordination.k8s.io', 'v1', 'leases');
    const now = this.opts.clock.now();
    const mine: LeaseSpec = {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: this.opts.leaseDurationSeconds,
      renewTime: microTime(now),
    };
    let lease: KObject;
    try {
      lease = await leases.get(this.opts.namespace, this.opts.name);
    } catch (err) {
      if (!isReason(err, 'NotFound')) throw err;
      await leases.create(this.opts.namespace, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: this.opts.name, namespace: this.opts.namespace },
        spec: { ...mine, acquireTime: microTime(now), leaseTransitions: 0 },
      });
      return true;
    }
    const spec = (lease.spec ?? {}) as LeaseSpec;
    if (spec.holderIdentity !== this.opts.identity) {
      const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
      const duration = (spec.leaseDurationSeconds ?? this.opts.leaseDurationSeconds) * 1000;
      if (spec.holderIdentity && renewed + duration > now.getTime()) return false;
      lease.spec = {
        ...spec,
        ...mine,
        acquireTime: microTime(now),
        leaseTransitions: (spec.leaseTransitions ?? 0) + 1,
      };
    } else {
      lease.spec = { ...spec, ...mine };
    }
    // The resourceVersion we read pins the write: a concurrent takeover makes ours a Conflict.
    await leases.update(this.opts.namespace, lease);
    return true;
  }
}
