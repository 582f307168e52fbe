/**
 * Pod sync: the agent's one loop over pods. One informer watches every pod bound to this agent's
 * nodes (a single watch however many nodes the agent holds), runtime changes wake the same queue,
 * and workers reconcile one pod at a time: plan, apply runtime actions, look again, and finally
 * write status or delete the object. Level-based: a reconcile never trusts the event that woke it.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { ApiEventRecorder, type EventRecorder } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { Client, Clock, ResourceClient } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import type { Runtime, RuntimePod } from '../runtime/runtime.js';
import { type Action, type PlanContext, plan } from './plan.js';
import { type Backoff, defaultBackoff } from './restart.js';

/** What pod sync needs to know of each node it serves. */
export interface NodeNetwork {
  podCIDR: string;
  hostIP: string;
}

export interface PodSyncOptions {
  client: Client;
  runtime: Runtime;
  clock: Clock;
  /** The nodes this agent serves, by name. */
  nodes: ReadonlyMap<string, NodeNetwork>;
  backoff?: Backoff;
  /** Concurrent reconciles (default 64). */
  workers?: number;
  /**
   * How long a new pod's "containers are being created" status may wait for the containers to
   * start, so a fast start costs one status write instead of two (default 200 ms; 0: never wait).
   */
  statusCoalesceMs?: number;
}

type PodObject = Pod & KObject;

const keyOfPod = (p: { metadata?: { namespace?: string; name?: string } }) =>
  `${p.metadata?.namespace ?? 'default'}/${p.metadata?.name}`;
const runtimeAction = (a: Action) =>
  a.type === 'createSandbox' || a.type === 'startContainer' || a.type === 'stopPod' || a.type === 'removePod';

/** True for a status that only says the pod's containers are still being created. */
function onlyCreating(a: Action): boolean {
  if (a.type !== 'updateStatus' || a.status.phase !== 'Pending') return false;
  const all = [...(a.status.initContainerStatuses ?? []), ...(a.status.containerStatuses ?? [])];
  return all.length > 0 && all.every((c) => c.state?.waiting?.reason === 'ContainerCreating');
}

/** Rounds of plan-then-act per reconcile before writing to the API: enough for stop → remove. */
const MAX_ROUNDS = 4;

function newer(a: PodObject | undefined, b: PodObject | undefined): PodObject | undefined {
  if (!a || !b || a.metadata.uid !== b.metadata.uid) return a;
  // skiff's resourceVersions are store revisions: numerically ordered.
  return Number(b.metadata.resourceVersion) > Number(a.metadata.resourceVersion) ? b : a;
}

/** Runs pods of this agent's nodes on the runtime and reports their status. */
export class PodSync {
  private readonly queue: WorkQueue;
  private readonly informer: Informer<PodObject>;
  private readonly pods: ResourceClient<PodObject>;
  private readonly events: EventRecorder;
  /** Runtime sandboxes by pod key: two uids while a pod recreated under one name replaces another. */
  private readonly sandboxes = new Map<string, Set<string>>();
  /** Our own last status write per pod, fresher than the informer until its event arrives. */
  private readonly written = new Map<string, PodObject>();
  /** When each pod still starting was first seen, for status coalescing (see statusCoalesceMs). */
  private readonly startingSince = new Map<string, number>();
  private unsubscribe: (() => void) | undefined;
  private workers: Promise<void> | undefined;

  constructor(private readonly options: PodSyncOptions) {
    this.queue = new WorkQueue(options.clock, { baseMs: 200, maxMs: 30_000 });
    this.pods = options.client.resource<PodObject>('', 'v1', 'pods');
    const names = [...options.nodes.keys()];
    // One node: the server filters. Many: every bound pod, filtered here (one watch, not N).
    const fieldSelector = names.length === 1 ? `spec.nodeName=${names[0]}` : 'spec.nodeName!=';
    this.informer = new Informer(this.pods, '', { fieldSelector }, options.clock);
    this.events = new ApiEventRecorder(options.client, 'kubelet', options.clock);
  }

  async start(): Promise<void> {
    for (const rp of this.options.runtime.listPods()) this.index(rp);
    this.unsubscribe = this.options.runtime.onChange((rp) => {
      this.index(rp);
      this.queue.add(keyOfPod({ metadata: rp }));
    });
    const wake = (p: PodObject) => {
      if (this.options.nodes.has(p.spec?.nodeName ?? '')) this.queue.add(keyOfPod(p));
    };
    this.informer.addHandlers({ onAdd: wake, onUpdate: (_o, n) => wake(n), onDelete: wake });
    await this.informer.start();
    await this.informer.hasSynced();
    // Sandboxes whose pods are gone are found only by looking: queue them once.
    for (const key of this.sandboxes.keys()) this.queue.add(key);
    this.workers = runWorkers(this.queue, this.options.workers ?? 64, (key) => this.reconcile(key));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.informer.stop();
    this.queue.shutDown();
    await this.workers;
  }

  private index(rp: RuntimePod): void {
    const key = keyOfPod({ metadata: rp });
    const uids = this.sandboxes.get(key) ?? new Set<string>();
    this.sandboxes.set(key, uids);
    uids.add(rp.uid);
  }

  private desired(key: string): PodObject[] {
    const cached = this.informer.get(key);
    const pod = newer(cached, this.written.get(key));
    // Once the informer has caught up with our write (or the pod is gone), forget the write.
    if (pod === cached) this.written.delete(key);
    return pod && this.options.nodes.has(pod.spec?.nodeName ?? '') ? [pod] : [];
  }

  private observed(key: string): RuntimePod[] {
    const uids = this.sandboxes.get(key);
    if (!uids) return [];
    const pods: RuntimePod[] = [];
    for (const uid of uids) {
      const rp = this.options.runtime.getPod(uid);
      if (rp) pods.push(rp);
      else uids.delete(uid);
    }
    if (uids.size === 0) this.sandboxes.delete(key);
    return pods;
  }

  private context(): PlanContext {
    return {
      now: this.options.clock.now(),
      backoff: this.options.backoff ?? defaultBackoff,
      hostIP: (node) => this.options.nodes.get(node)?.hostIP ?? '',
    };
  }

  /** Plan and act until only API writes remain (or MAX_ROUNDS), then write. */
  async reconcile(key: string): Promise<void> {
    for (let round = 1; ; round++) {
      const actions = plan(this.desired(key), this.observed(key), this.context());
      const runtimeActions = actions.filter(runtimeAction);
      if (runtimeActions.length > 0 && round < MAX_ROUNDS) {
        for (const a of runtimeActions) await this.apply(key, a);
        continue;
      }
      const wait = this.coalesceWait(key, actions);
      for (const a of actions) {
        if (wait > 0 && a.type === 'updateStatus') continue;
        await this.apply(key, a);
      }
      if (wait > 0) this.queue.addAfter(key, wait);
      return;
    }
  }

  /**
   * Milliseconds to hold back a "containers are being created" status, as the kubelet's status
   * manager writes the latest status rather than every step: if the containers start meanwhile,
   * one write reports both. 0 when the status should be written now.
   */
  private coalesceWait(key: string, actions: Action[]): number {
    const window = this.options.statusCoalesceMs ?? 200;
    if (window <= 0 || !actions.some(onlyCreating)) {
      this.startingSince.delete(key);
      return 0;
    }
    const now = this.options.clock.now().getTime();
    const since = this.startingSince.get(key) ?? now;
    this.startingSince.set(key, since);
    return Math.max(0, since + window - now);
  }

  private async apply(key: string, a: Action): Promise<void> {
    const runtime = this.options.runtime;
    switch (a.type) {
      case 'createSandbox':
        return this.createSandbox(a.pod);
      case 'startContainer':
        try {
          return await runtime.startContainer(a.pod.metadata!.uid!, a.container, a.init);
        } catch (err) {
          this.warn(a.pod, 'Failed', `Error: ${(err as Error).message}`);
          throw err;
        }
      case 'stopPod':
        return runtime.stopPod(a.uid, a.gracePeriodSeconds);
      case 'removePod':
        await runtime.removePod(a.uid);
        this.sandboxes.get(key)?.delete(a.uid);
        return;
      case 'updateStatus':
        return this.writeStatus(key, a.pod as PodObject, a);
      case 'deletePod':
        return this.deleteObject(key, a.pod);
      case 'requeue':
        this.queue.addAfter(key, a.afterMs);
        return;
    }
  }

  private async createSandbox(pod: Pod): Promise<void> {
    const nodeName = pod.spec!.nodeName!;
    const node = this.options.nodes.get(nodeName);
    if (!node) return;
    try {
      this.index(await this.options.runtime.createSandbox(pod, { nodeName, podCIDR: node.podCIDR }));
    } catch (err) {
      this.warn(pod, 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${(err as Error).message}`);
      throw err;
    }
  }

  private async writeStatus(key: string, pod: PodObject, a: Extract<Action, { type: 'updateStatus' }>) {
    try {
      // A merge patch of the status, guarded by the pod's uid (as the kubelet does): no
      // resourceVersion, so a concurrent write (binding, another status) is not a conflict.
      const updated = await this.pods.patch(
        pod.metadata.namespace!,
        pod.metadata.name!,
        'merge',
        { metadata: { uid: pod.metadata.uid }, status: a.status },
        'status',
      );
      this.written.set(key, updated);
    } catch (err) {
      // Gone: its delete event re-plans the sandbox. Conflict: retry on the newer object.
      if (isReason(err, 'NotFound')) return;
      throw err;
    }
  }

  private async deleteObject(key: string, pod: Pod): Promise<void> {
    try {
      await this.pods.delete(pod.metadata!.namespace!, pod.metadata!.name!, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata!.uid },
      });
    } catch (err) {
      if (!isReason(err, 'NotFound') && !isReason(err, 'Conflict')) throw err;
    }
    this.written.delete(key);
  }

  private warn(pod: Pod, reason: string, message: string): void {
    this.events.record(pod as PodObject, 'Warning', reason, message);
  }
}
