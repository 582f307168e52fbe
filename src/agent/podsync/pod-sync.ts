/**
 * Pod sync: the agent's one loop over pods. One informer watches every pod bound to this agent's
 * nodes (a single watch however many nodes the agent holds), runtime changes wake the same queue,
 * and workers reconcile one pod at a time: plan, apply runtime actions, look again, and finally
 * write status or delete the object. Level-based: a reconcile never trusts the event that woke it.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { isReason } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { ApiEventRecorder, type EventRecorder } from '../../client/events.js';
import { Informer } from '../../client/informer.js';
import type { Client, Clock, ResourceClient } from '../../client/types.js';
import { runWorkers, WorkQueue } from '../../client/workqueue.js';
import { ContainerStartError, type Runtime, type RuntimePod } from '../runtime/runtime.js';
import type { PodHooks } from './hooks.js';
import { type Action, type PlanContext, plan } from './plan.js';
import { type Backoff, defaultBackoff, ranLongEnough, type StartFailure } from './restart.js';

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
  /** Volumes, config, probes and events of real nodes (none for virtual ones). */
  hooks?: PodHooks;
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

/** How soon a pod whose volumes could not be set up tries again (the kubelet retries on each sync). */
const PREPARE_RETRY_MS = 2_000;

/** Rounds of plan-then-act per reconcile before writing to the API: enough for stop → remove. */
const MAX_ROUNDS = 4;

const failureKey = (uid: string, name: string, init: boolean) => `${uid}/${init ? 'init' : 'main'}/${name}`;

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
  /** Standing start failures, by `uid/init|main/name`: they drive back-off and waiting reasons. */
  private readonly failures = new Map<string, StartFailure>();
  /** Per container: the attempt its crash-loop back-off counts from (after a long run). */
  private readonly backoffBases = new Map<string, number>();
  /** Pods whose volumes and files are ready (hooks.preparePod succeeded), by uid. */
  private readonly prepared = new Set<string>();
  /** When a pod whose preparation failed may try again, by uid. */
  private readonly prepareRetryAt = new Map<string, number>();
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
      failure: (uid, name, init) => this.failures.get(failureKey(uid, name, init)),
      probe: this.options.hooks?.probe,
      backoffBase: (uid, c) => {
        const key = failureKey(uid, c.name, c.init);
        if (ranLongEnough(c, this.options.backoff ?? defaultBackoff)) this.backoffBases.set(key, c.attempt);
        return this.backoffBases.get(key) ?? 0;
      },
    };
  }

  /** The pod object named namespace/name, as this agent last saw it. */
  pod(namespace: string, name: string): PodObject | undefined {
    return this.desired(`${namespace}/${name}`)[0];
  }

  /** Every pod bound to this agent's nodes. */
  boundPods(): PodObject[] {
    return this.informer.list().filter((p) => this.options.nodes.has(p.spec?.nodeName ?? ''));
  }

  /** Wakes the pod a runtime sandbox belongs to (probe results, liveness restarts). */
  wake(uid: string): void {
    const rp = this.options.runtime.getPod(uid);
    if (rp) this.queue.add(keyOfPod({ metadata: rp }));
  }

  /**
   * Restarts one container as a failed liveness or startup probe asks: it is killed within the
   * pod's grace period and then restarted (or not) by its restartPolicy like any exit.
   */
  async restartContainer(uid: string, name: string, message: string): Promise<void> {
    const rp = this.options.runtime.getPod(uid);
    const pod = rp && this.informer.get(keyOfPod({ metadata: rp }));
    if (!rp || !pod || pod.metadata.uid !== uid) return;
    if (this.options.hooks?.lifecycleEvents) this.events.record(pod, 'Normal', 'Killing', message);
    await this.options.runtime.killContainer(uid, name, pod.spec?.terminationGracePeriodSeconds ?? 30);
    this.wake(uid);
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
      this.syncProbes(key);
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
        return this.startContainer(key, a.pod, a.container, a.init);
      case 'stopPod':
        return runtime.stopPod(a.uid, a.gracePeriodSeconds);
      case 'removePod':
        await runtime.removePod(a.uid);
        this.sandboxes.get(key)?.delete(a.uid);
        await this.forget(a.uid);
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

  /**
   * Starts one container: the pod's volumes first (once), then its config, then the runtime.
   * A failure is recorded rather than thrown: the planner backs off and status shows the reason.
   */
  private async startContainer(key: string, pod: Pod, container: Container, init: boolean): Promise<void> {
    const uid = pod.metadata!.uid!;
    const hooks = this.options.hooks;
    const rp = this.options.runtime.getPod(uid);
    if (!rp) return;
    if (hooks?.preparePod && !this.prepared.has(uid)) {
      const now = this.options.clock.now().getTime();
      if ((this.prepareRetryAt.get(uid) ?? 0) > now) return;
      try {
        await hooks.preparePod(pod, rp);
        this.prepared.add(uid);
        this.prepareRetryAt.delete(uid);
      } catch (err) {
        this.prepareRetryAt.set(uid, now + PREPARE_RETRY_MS);
        // As the kubelet: the pod stays ContainerCreating and the mount is retried.
        const failures = (err as { failures?: Array<{ message: string }> }).failures;
        for (const f of failures?.length ? failures : [{ message: (err as Error).message }]) {
          this.warn(pod, 'FailedMount', f.message);
        }
        this.queue.addAfter(key, PREPARE_RETRY_MS);
        return;
      }
    }
    const fkey = failureKey(uid, container.name, init);
    try {
      const config = hooks?.containerConfig?.(pod, container, rp);
      await this.options.runtime.startContainer(uid, container, init, config);
      this.failures.delete(fkey);
      if (hooks?.lifecycleEvents) {
        this.events.record(pod as PodObject, 'Normal', 'Created', `Created container ${container.name}`);
        this.events.record(pod as PodObject, 'Normal', 'Started', `Started container ${container.name}`);
      }
    } catch (err) {
      const reason = err instanceof ContainerStartError ? err.reason : 'RunContainerError';
      const message = (err as Error).message;
      const count = (this.failures.get(fkey)?.count ?? 0) + 1;
      this.failures.set(fkey, { reason, message, count, at: this.options.clock.now() });
      if (reason === 'ErrImagePull')
        this.warn(pod, 'Failed', `Failed to pull image "${container.image}": ${message}`);
      this.warn(pod, 'Failed', reason === 'ErrImagePull' ? `Error: ${reason}` : `Error: ${message}`);
    }
  }

  private syncProbes(key: string): void {
    const sync = this.options.hooks?.syncProbes;
    if (!sync) return;
    const pod = this.desired(key)[0];
    if (pod) sync(pod, this.options.runtime.getPod(pod.metadata.uid!));
  }

  /** Drops what was kept for a removed sandbox. */
  private async forget(uid: string): Promise<void> {
    this.prepared.delete(uid);
    this.prepareRetryAt.delete(uid);
    for (const k of this.failures.keys()) if (k.startsWith(`${uid}/`)) this.failures.delete(k);
    for (const k of this.backoffBases.keys()) if (k.startsWith(`${uid}/`)) this.backoffBases.delete(k);
    await this.options.hooks?.podRemoved?.(uid);
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
