/**
 * The scheduler's effects around the pure cycle: informer events keep the snapshot and queue
 * current; a loop pops pods, runs the cycle, assumes the pod on the chosen node and binds it
 * through pods/binding without waiting (the next cycle already counts the assumed pod). A pod
 * that fits nowhere may preempt lower-priority pods, and gets a FailedScheduling event plus a
 * PodScheduled=False condition in Kubernetes' words.
 */
import type { Node, Pod, PodStatus } from 'kubernetes-types/core/v1.js';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import type { PriorityClass } from 'kubernetes-types/scheduling/v1.js';
import { cloneJSON } from '../api/clone.js';
import { isReason } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { EventRecorder } from '../client/events.js';
import type { Client, Clock } from '../client/types.js';
import { Framework } from './framework/cycle.js';
import { type Diagnosis, fitErrorMessage } from './framework/diagnosis.js';
import { PodInfo } from './framework/pod-info.js';
import { type Candidate, type DisruptionBudget, preempt } from './framework/preemption.js';
import {
  defaultQueueOptions,
  type QueuedPod,
  type QueueOptions,
  SchedulingQueue,
} from './framework/queue.js';
import { compileLabelSelector } from './framework/selectors.js';
import { Snapshot } from './framework/snapshot.js';
import type { Profile } from './framework/types.js';
import { defaultProfile } from './plugins/index.js';

/** The scheduler name pods select with spec.schedulerName (or by leaving it unset). */
export const schedulerName = 'default-scheduler';

export interface SchedulerDeps {
  client: Client;
  clock: Clock;
  events: EventRecorder;
  profile?: Profile;
  rand?: () => number;
  queue?: QueueOptions;
  /** Bindings in flight before the loop waits for one to finish (backpressure on the API). */
  maxInFlightBinds?: number;
}

/** How often leftover unschedulable pods are checked (they move after QueueOptions.unschedulableMaxMs). */
const flushIntervalMs = 30_000;
/** Pods scheduled before the loop yields to I/O (informer events, binding replies). */
const batch = 64;

const podSchedulingFields = (p: Pod) =>
  JSON.stringify([p.spec, p.metadata?.labels, p.metadata?.annotations, p.metadata?.deletionTimestamp]);

/** One scheduler instance; feed it informer events, then run(). */
export class Scheduler {
  readonly snapshot = new Snapshot();
  readonly queue: SchedulingQueue;
  private readonly fw: Framework;
  private readonly rand: () => number;
  private readonly classes = new Map<string, { value: number; globalDefault: boolean }>();
  private readonly budgets = new Map<string, DisruptionBudget>();
  private readonly nominated = new Map<string, string>();
  private inFlight = 0;
  private slotWaiters: Array<() => void> = [];
  private stopped = false;
  private cancelFlush: (() => void) | undefined;

  constructor(private readonly deps: SchedulerDeps) {
    this.rand = deps.rand ?? Math.random;
    this.fw = new Framework(deps.profile ?? defaultProfile(), this.rand);
    this.queue = new SchedulingQueue(deps.clock, deps.queue ?? defaultQueueOptions);
  }

  // ---- informer events -------------------------------------------------------------------

  onNodeAdd(node: Node): void {
    this.snapshot.setNode(node);
    this.queue.moveAllUnschedulable();
  }

  onNodeUpdate(old: Node, node: Node): void {
    this.snapshot.setNode(node);
    // Heartbeat-only status updates change nothing the filters read: no requeue storm.
    const relevant = (n: Node) =>
      JSON.stringify([n.metadata?.labels, n.spec?.taints, n.spec?.unschedulable, n.status?.allocatable]);
    if (relevant(old) !== relevant(node)) this.queue.moveAllUnschedulable();
  }

  onNodeDelete(node: Node): void {
    this.snapshot.removeNode(node.metadata?.name ?? '');
  }

  onPodAdd(pod: Pod): void {
    this.onPodUpdate(undefined, pod);
  }

  onPodUpdate(old: Pod | undefined, pod: Pod): void {
    const key = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return this.onPodDelete(pod);
    if (pod.spec?.nodeName) {
      if (old?.spec?.nodeName && this.snapshot.refreshPod(pod)) return;
      this.queue.delete(key);
      this.nominated.delete(key);
      const info = new PodInfo(pod, this.priorityOf(pod));
      this.snapshot.setPod(info);
      // A new neighbour can satisfy pod affinity or shift topology spread for waiting pods.
      if (!old?.spec?.nodeName)
        this.queue.moveAllUnschedulable((p) => p.requiredAffinity.length > 0 || p.spread.length > 0);
      return;
    }
    if (this.snapshot.isAssumed(key)) return; // our binding is in flight
    if (!this.responsible(pod)) {
      this.queue.delete(key);
      return;
    }
    const info = new PodInfo(pod, this.priorityOf(pod));
    if (!old) this.queue.add(info);
    else this.queue.update(info, podSchedulingFields(old) !== podSchedulingFields(pod));
  }

  onPodDelete(pod: Pod): void {
    const key = `${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`;
    this.queue.delete(key);
    this.nominated.delete(key);
    if (this.snapshot.removePod(key)) this.queue.moveAllUnschedulable();
  }

  onPriorityClass(pc: PriorityClass, deleted = false): void {
    const name = pc.metadata?.name ?? '';
    if (deleted) this.classes.delete(name);
    else this.classes.set(name, { value: pc.value, globalDefault: !!pc.globalDefault });
  }

  onBudget(pdb: PodDisruptionBudget, deleted = false): void {
    const key = `${pdb.metadata?.namespace}/${pdb.metadata?.name}`;
    if (deleted) {
      this.budgets.delete(key);
      return;
    }
    this.budgets.set(key, {
      namespace: pdb.metadata?.namespace ?? 'default',
      selector: compileLabelSelector(pdb.spec?.selector),
      allowed: pdb.status?.disruptionsAllowed ?? 0,
      disrupted: new Set(Object.keys(pdb.status?.disruptedPods ?? {})),
    });
  }

  onNamespace(ns: KObject, deleted = false): void {
    this.snapshot.setNamespaceLabels(
      ns.metadata.name ?? '',
      deleted ? undefined : (ns.metadata.labels ?? {}),
    );
  }

  /** Pods this scheduler places: ours by name, unbound, not going away, not gated. */
  responsible(pod: Pod): boolean {
    const name = pod.spec?.schedulerName;
    if (name && name !== schedulerName) return false;
    return !pod.metadata?.deletionTimestamp && !pod.spec?.schedulingGates?.length;
  }

  /**
   * spec.priority, else the PriorityClass's value. Kubernetes resolves this at admission; the
   * scheduler does it here so pods created before their class, or by clients that skip
   * admission defaults, still get the right priority.
   */
  priorityOf(pod: Pod): number {
    if (pod.spec?.priority !== undefined) return pod.spec.priority;
    const name = pod.spec?.priorityClassName;
    if (name) return this.classes.get(name)?.value ?? 0;
    for (const c of this.classes.values()) if (c.globalDefault) return c.value;
    return 0;
  }

  // ---- the loop --------------------------------------------------------------------------

  /** Schedules until stop(). */
  async run(): Promise<void> {
    this.scheduleFlush();
    let n = 0;
    while (!this.stopped) {
      const qp = await this.queue.pop();
      if (!qp) return;
      this.scheduleOne(qp);
      if (++n % batch === 0) await new Promise((r) => setImmediate(r));
      while (this.inFlight >= (this.deps.maxInFlightBinds ?? 256) && !this.stopped) {
        await new Promise<void>((r) => this.slotWaiters.push(r));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.cancelFlush?.();
    this.queue.close();
    for (const w of this.slotWaiters) w();
  }

  private scheduleFlush(): void {
    this.cancelFlush = this.deps.clock.after(flushIntervalMs, () => {
      this.queue.flushUnschedulableLeftover();
      if (!this.stopped) this.scheduleFlush();
    });
  }

  /** One cycle for one pod: pure placement, then assume + async bind, or failure handling. */
  scheduleOne(qp: QueuedPod): void {
    const pod = qp.info;
    const nominated = this.nominated.get(pod.key) ?? pod.pod.status?.nominatedNodeName ?? '';
    const r = this.fw.schedule(pod, this.snapshot, nominated);
    if (!r.ok) return this.failed(qp, r.diagnosis, nominated);
    this.snapshot.assume(pod, r.node);
    void this.bind(qp, r.node.name);
  }

  private async bind(qp: QueuedPod, node: string): Promise<void> {
    const pod = qp.info;
    this.inFlight++;
    try {
      await this.deps.client
        .resource('', 'v1', 'pods')
        .createSubresource(pod.namespace, pod.name, 'binding', {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: pod.name, namespace: pod.namespace },
          target: { apiVersion: 'v1', kind: 'Node', name: node },
        });
      this.queue.done(pod.key);
      this.nominated.delete(pod.key);
      this.deps.events.record(
        asObject(pod.pod),
        'Normal',
        'Scheduled',
        `Successfully assigned ${pod.key} to ${node}`,
      );
    } catch (err) {
      // The room we counted is free again; whoever waits for room may try.
      this.snapshot.forget(pod.key);
      if (isReason(err, 'NotFound')) this.queue.delete(pod.key);
      else this.queue.requeue(qp, false);
      this.queue.moveAllUnschedulable();
    } finally {
      this.inFlight--;
      this.slotWaiters.shift()?.();
    }
  }

  private failed(qp: QueuedPod, d: Diagnosis, nominated: string): void {
    const pod = qp.info;
    const outcome = preempt(this.fw, pod, this.snapshot, d, [...this.budgets.values()], nominated, this.rand);
    let nominatedNode: string | undefined;
    let postFilter = '';
    if ('candidate' in outcome) {
      nominatedNode = outcome.candidate.node.name;
      this.nominated.set(pod.key, nominatedNode);
      this.evict(pod, outcome.candidate);
    } else {
      postFilter = outcome.message;
    }
    const message = fitErrorMessage(d, postFilter);
    this.queue.requeue(qp, true);
    this.deps.events.record(asObject(pod.pod), 'Warning', 'FailedScheduling', message);
    void this.markUnschedulable(pod, message, nominatedNode);
  }

  private evict(preemptor: PodInfo, c: Candidate): void {
    const pods = this.deps.client.resource<Pod & KObject>('', 'v1', 'pods');
    for (const v of c.victims) {
      this.deps.events.record(
        asObject(v.pod),
        'Normal',
        'Preempted',
        `Preempted by pod ${preemptor.uid} on node ${c.node.name}`,
      );
      void pods.delete(v.namespace, v.name).catch(() => {});
    }
  }

  /** PodScheduled=False/Unschedulable with the message (and nominatedNodeName after preemption). */
  private async markUnschedulable(pod: PodInfo, message: string, nominatedNode?: string): Promise<void> {
    const pods = this.deps.client.resource<Pod & KObject>('', 'v1', 'pods');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const current = cloneJSON(await pods.get(pod.namespace, pod.name)) as KObject & {
          spec?: Pod['spec'];
          status?: Writable<PodStatus>;
        };
        if (current.spec?.nodeName) return;
        if (!current.status) current.status = {};
        const status = current.status;
        const conditions = (status.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
        const old = status.conditions?.find((c) => c.type === 'PodScheduled');
        const stamp = this.deps.clock
          .now()
          .toISOString()
          .replace(/\.\d+Z$/, 'Z');
        const unchanged = old?.status === 'False' && old.message === message;
        conditions.push({
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message,
          lastProbeTime: null as unknown as string,
          lastTransitionTime: old?.status === 'False' ? old.lastTransitionTime : stamp,
        });
        if (unchanged && (nominatedNode === undefined || status.nominatedNodeName === nominatedNode)) return;
        status.conditions = conditions;
        if (nominatedNode !== undefined) status.nominatedNodeName = nominatedNode;
        await pods.updateStatus(pod.namespace, current as Pod & KObject);
        return;
      } catch (err) {
        if (!isReason(err, 'Conflict')) return;
      }
    }
  }
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** Informer objects may lack apiVersion/kind; events need them for involvedObject. */
function asObject(pod: Pod): KObject {
  return { ...(pod as KObject), apiVersion: 'v1', kind: 'Pod' };
}
