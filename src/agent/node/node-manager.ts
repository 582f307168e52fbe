/**
 * Registers this agent's nodes and keeps them alive: a Lease renewal every 10 s and a status
 * post every 60 s (or at once when the API shows the node other than this agent reports it,
 * e.g. NotReady after a lost lease). Thousands of nodes share ONE timer: a loop that wakes every
 * tick, picks the nodes that are due and runs them through a bounded pool, with start times
 * spread over the interval by jitter so heartbeats never arrive as one burst.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { Informer } from '../../client/informer.js';
import type { Client, Clock, ResourceClient } from '../../client/types.js';
import {
  conditionsHold,
  LEASE_NAMESPACE,
  leaseObject,
  microTime,
  type NodeConfig,
  type NodeRuntimeInfo,
  nodeConditions,
  nodeObject,
} from './node-object.js';

export interface NodeManagerOptions {
  client: Client;
  clock: Clock;
  nodes: NodeConfig[];
  info: NodeRuntimeInfo;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  statusIntervalMs?: number;
  /** How often the loop looks for due work (default 200 ms). */
  tickMs?: number;
  /** API calls in flight at once (default 64). */
  concurrency?: number;
  /** Randomness for jitter, injectable for tests (default Math.random). */
  random?: () => number;
  /** One line per problem; the loop keeps going. */
  log?: (line: string) => void;
}

type NodeObject = Node & KObject;
type LeaseObject = Lease & KObject;

interface Entry {
  config: NodeConfig;
  registered: boolean;
  /** Deleted by someone: a kubelet does not re-register, so heartbeats stop. */
  gone: boolean;
  uid?: string;
  lease?: LeaseObject;
  nextLease: number;
  nextStatus: number;
  busy: boolean;
}

/** Keeps a set of nodes registered, leased and reporting status. */
export class NodeManager {
  private readonly entries = new Map<string, Entry>();
  private readonly nodesAPI: ResourceClient<NodeObject>;
  private readonly leasesAPI: ResourceClient<LeaseObject>;
  private readonly informer: Informer<NodeObject>;
  private readonly renewMs: number;
  private readonly statusMs: number;
  private readonly random: () => number;
  private inFlight = 0;
  private cancelTick: (() => void) | undefined;
  private stopped = false;
  private errors: string[] = [];

  constructor(private readonly options: NodeManagerOptions) {
    this.nodesAPI = options.client.resource<NodeObject>('', 'v1', 'nodes');
    this.leasesAPI = options.client.resource<LeaseObject>('coordination.k8s.io', 'v1', 'leases');
    this.renewMs = options.renewIntervalMs ?? 10_000;
    this.statusMs = options.statusIntervalMs ?? 60_000;
    this.random = options.random ?? Math.random;
    const now = options.clock.now().getTime();
    for (const config of options.nodes) {
      this.entries.set(config.name, {
        config,
        registered: false,
        gone: false,
        nextLease: now,
        nextStatus: now + this.random() * this.statusMs,
        busy: false,
      });
    }
    const names = options.nodes.map((n) => n.name);
    const fieldSelector = names.length === 1 ? `metadata.name=${names[0]}` : undefined;
    this.informer = new Informer(this.nodesAPI, '', { fieldSelector }, options.clock);
  }

  /** Registers every node (bounded concurrency), then starts heartbeats. */
  async start(): Promise<void> {
    this.informer.addHandlers({
      onUpdate: (_old, node) => this.noticed(node),
      onDelete: (node) => {
        const entry = this.entries.get(node.metadata.name!);
        if (entry && entry.uid === node.metadata.uid) entry.gone = true;
      },
    });
    await Promise.all([
      this.informer.start(),
      this.pool([...this.entries.values()], (e) => this.register(e)),
    ]);
    this.flushErrors('registering');
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTick?.();
    this.informer.stop();
  }

  /** Names of the nodes registered so far. */
  registered(): string[] {
    return [...this.entries.values()].filter((e) => e.registered).map((e) => e.config.name);
  }

  /** The API shows a node of ours other than we report it: post status now. */
  private noticed(node: NodeObject): void {
    const entry = this.entries.get(node.metadata.name!);
    if (entry?.registered && !conditionsHold(node.status?.conditions, entry.config.pressure?.())) {
      entry.nextStatus = Math.min(entry.nextStatus, this.options.clock.now().getTime());
    }
  }

  private async pool(entries: Entry[], fn: (e: Entry) => Promise<void>): Promise<void> {
    let next = 0;
    const limit = this.options.concurrency ?? 64;
    const worker = async () => {
      while (next < entries.length && !this.stopped) await this.run(entries[next++], fn);
    };
    await Promise.all(Array.from({ length: Math.min(limit, entries.length) }, worker));
  }

  private async run(entry: Entry, fn: (e: Entry) => Promise<void>): Promise<void> {
    entry.busy = true;
    this.inFlight++;
    try {
      await fn(entry);
    } catch (err) {
      this.errors.push(`${entry.config.name}: ${(err as Error).message}`);
    } finally {
      entry.busy = false;
      this.inFlight--;
    }
  }

  /** The one loop: start due work up to the concurrency limit, then sleep a tick. */
  private tick(): void {
    if (this.stopped) return;
    const now = this.options.clock.now().getTime();
    const limit = this.options.concurrency ?? 64;
    for (const entry of this.entries.values()) {
      if (this.inFlight >= limit) break;
      if (entry.busy || entry.gone) continue;
      if (!entry.registered) {
        if (entry.nextLease <= now) void this.run(entry, (e) => this.register(e));
      } else if (entry.nextStatus <= now) {
        void this.run(entry, (e) => this.postStatus(e));
      } else if (entry.nextLease <= now) {
        void this.run(entry, (e) => this.renewLease(e));
      }
    }
    this.flushErrors('heartbeats');
    this.cancelTick = this.options.clock.after(this.options.tickMs ?? 200, () => this.tick());
  }

  private flushErrors(what: string): void {
    if (this.errors.length === 0) return;
    const [first] = this.errors;
    this.options.log?.(`${what}: ${this.errors.length} failed, e.g. ${first}`);
    this.errors = [];
  }

  /** Creates the Node (or adopts an existing one), posts its status, then its Lease. */
  private async register(entry: Entry): Promise<void> {
    const now = this.options.clock.now();
    // A failed attempt is retried one renew interval later, not on every tick.
    entry.nextLease = now.getTime() + this.renewMs;
    const desired = nodeObject(entry.config, this.options.info, now) as NodeObject;
    let node: NodeObject;
    try {
      node = await this.nodesAPI.create('', desired);
    } catch (err) {
      if (!isReason(err, 'AlreadyExists')) throw err;
      node = await this.adopt(desired, entry.config);
    }
    entry.uid = node.metadata.uid;
    entry.registered = true;
    entry.gone = false;
    await this.renewLease(entry);
    // Spread later renewals over the interval: registering thousands at once must not make them
    // all renew in the same tick forever after.
    entry.nextLease = now.getTime() + this.random() * this.renewMs;
  }

  /** An existing Node of this name: our labels and pod CIDR on it, our status in it. */
  private async adopt(desired: NodeObject, config: NodeConfig): Promise<NodeObject> {
    const current = await this.nodesAPI.get('', desired.metadata.name!);
    const next = cloneJSON(current);
    next.metadata.labels = { ...current.metadata.labels, ...desired.metadata.labels };
    if (!next.spec?.podCIDR && desired.spec?.podCIDR)
      next.spec = { ...next.spec, podCIDR: desired.spec!.podCIDR, podCIDRs: desired.spec!.podCIDRs };
    const updated = await this.nodesAPI.update('', next);
    const status = {
      ...desired.status,
      conditions: nodeConditions(current.status?.conditions, this.options.clock.now(), config.pressure?.()),
    };
    return this.nodesAPI.patch('', updated.metadata.name!, 'merge', { status }, 'status');
  }

  private async postStatus(entry: Entry): Promise<void> {
    const now = this.options.clock.now();
    entry.nextStatus = now.getTime() + this.statusMs;
    const current = this.informer.get(entry.config.name);
    const conditions = nodeConditions(current?.status?.conditions, now, entry.config.pressure?.());
    try {
      // Strategic merge by condition type keeps conditions others own (e.g. NetworkUnavailable).
      await this.nodesAPI.patch('', entry.config.name, 'strategic', { status: { conditions } }, 'status');
    } catch (err) {
      if (isReason(err, 'NotFound')) entry.gone = true;
      throw err;
    }
  }

  private async renewLease(entry: Entry): Promise<void> {
    const now = this.options.clock.now();
    entry.nextLease = now.getTime() + this.renewMs;
    const name = entry.config.name;
    const duration = this.options.leaseDurationSeconds ?? 40;
    if (entry.lease) {
      const next = cloneJSON(entry.lease);
      next.spec = {
        ...next.spec,
        holderIdentity: name,
        leaseDurationSeconds: duration,
        renewTime: microTime(now),
      };
      try {
        entry.lease = await this.leasesAPI.update(LEASE_NAMESPACE, next);
        return;
      } catch (err) {
        // Someone else wrote it (or removed it): start again from what is there.
        if (!isReason(err, 'Conflict') && !isReason(err, 'NotFound')) throw err;
        entry.lease = undefined;
      }
    }
    const fresh = leaseObject(name, entry.uid, duration, now) as LeaseObject;
    try {
      entry.lease = await this.leasesAPI.create(LEASE_NAMESPACE, fresh);
    } catch (err) {
      if (!isReason(err, 'AlreadyExists')) throw err;
      const existing = await this.leasesAPI.get(LEASE_NAMESPACE, name);
      entry.lease = await this.leasesAPI.update(LEASE_NAMESPACE, { ...existing, spec: fresh.spec });
    }
  }
}
