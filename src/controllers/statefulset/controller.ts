/**
 * The StatefulSet controller: stable, ordered pods with their own claims. reconcile(key) reads
 * the set, its pods and ControllerRevisions from informers, makes sure the revision of the
 * current template exists, plans (planner.ts) and applies the plan, then writes status.
 * Pods have fixed names, so a stale informer at worst repeats a create (AlreadyExists) or a
 * delete (NotFound), both harmless; no expectations are needed.
 */
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod } from 'kubernetes-types/core/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import type { EventRecorder } from '../../client/events.js';
import type { Informer } from '../../client/informer.js';
import { type Clock, keyOf, type ResourceClient, splitKey } from '../../client/types.js';
import { deepEqual } from '../../registry/common/meta.js';
import { labelSelectorMatches } from '../../registry/common/selector.js';
import { ensureRevision, REVISION_LABEL, type Revision, truncateHistory } from '../daemonset/history.js';
import {
  claim,
  controllerOf,
  dependentHandlers,
  ignoreReason,
  Requeue,
  startQueue,
} from '../daemonset/kit.js';
import type { Controller, ControllerContext } from '../manager.js';
import { claimsFor, newStatefulPod, ordinalOf, podName, templateOfRevision } from './identity.js';
import { planStatefulSet, type StatefulAction } from './planner.js';

type STS = StatefulSet & KObject;
type PodObj = Pod & KObject;

export interface StatefulSetControllerOptions {
  clock?: Clock;
  workers?: number;
}

/** Creates the StatefulSet controller (name "statefulset"). */
export function statefulSetController(opts: StatefulSetControllerOptions = {}): Controller {
  return { name: 'statefulset', run: (ctx) => new StatefulSetSync(ctx, opts).start() };
}

class StatefulSetSync {
  private readonly clock: Clock;
  private readonly events: EventRecorder;
  private readonly sets: Informer<STS>;
  private readonly pods: Informer<PodObj>;
  private readonly revisions: Informer<Revision>;
  private readonly podClient: ResourceClient<PodObj>;
  private readonly setClient: ResourceClient<STS>;
  private readonly claimClient: ResourceClient<PersistentVolumeClaim & KObject>;
  private readonly revisionClient: ResourceClient<Revision>;
  private requeue: Requeue | undefined;

  constructor(
    private readonly ctx: ControllerContext,
    private readonly opts: StatefulSetControllerOptions,
  ) {
    this.clock = opts.clock ?? ctx.clock;
    this.events = ctx.events('statefulset-controller');
    this.sets = ctx.informers.for<STS>('apps', 'v1', 'statefulsets');
    this.pods = ctx.informers.for<PodObj>('', 'v1', 'pods');
    this.revisions = ctx.informers.for<Revision>('apps', 'v1', 'controllerrevisions');
    this.podClient = ctx.client.resource<PodObj>('', 'v1', 'pods');
    this.setClient = ctx.client.resource<STS>('apps', 'v1', 'statefulsets');
    this.claimClient = ctx.client.resource('', 'v1', 'persistentvolumeclaims');
    this.revisionClient = ctx.client.resource<Revision>('apps', 'v1', 'controllerrevisions');
  }

  async start(): Promise<void> {
    await Promise.all([this.sets, this.pods, this.revisions].map((i) => i.hasSynced()));
    if (this.ctx.signal.aborted) return;
    const queue = startQueue(this.ctx, this.clock, (key) => this.reconcile(key), this.opts.workers ?? 2);
    const enqueue = (key: string) => queue.add(key);
    this.requeue = new Requeue(this.clock, enqueue, this.ctx.signal);
    this.sets.addHandlers({ onAdd: (s) => enqueue(keyOf(s)), onUpdate: (_, s) => enqueue(keyOf(s)) });
    this.pods.addHandlers(
      dependentHandlers<PodObj>('StatefulSet', enqueue, undefined, (pod) => this.matchingSets(pod)),
    );
    this.revisions.addHandlers(dependentHandlers<Revision>('StatefulSet', enqueue));
  }

  private matchingSets(pod: PodObj): string[] {
    return this.sets
      .list()
      .filter(
        (s) =>
          s.metadata.namespace === pod.metadata.namespace &&
          labelSelectorMatches(s.spec?.selector, pod.metadata.labels),
      )
      .map(keyOf);
  }

  async reconcile(key: string): Promise<void> {
    const set = this.sets.get(key);
    if (!set) return;
    const [namespace] = splitKey(key);
    // Only pods named like the set's members may be adopted (isMemberOf).
    const candidates = this.pods
      .list()
      .filter(
        (p) =>
          p.metadata.namespace === namespace &&
          ordinalOf(set.metadata.name ?? '', p.metadata.name ?? '') !== undefined,
      );
    const pods = await claim(set, set.spec?.selector, candidates, this.podClient);
    const owned = this.revisions.list().filter((r) => controllerOf(r)?.uid === set.metadata.uid);
    const rev = await ensureRevision(
      this.revisionClient,
      set,
      set.spec?.template,
      owned,
      set.status?.collisionCount ?? 0,
    );
    const updateName = rev.revision.metadata.name ?? '';
    const current = rev.all.find((r) => r.metadata.name === set.status?.currentRevision) ?? rev.revision;
    const revs = { current: current.metadata.name ?? '', update: updateName };
    const plan = planStatefulSet(set, pods, revs, this.clock.now());
    for (const action of plan.actions)
      await this.apply(
        set,
        action,
        action.type === 'create' && action.revision === 'current' ? current : rev.revision,
      );
    const inUse = new Set([
      ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL] ?? ''),
      revs.current,
      revs.update,
    ]);
    await truncateHistory(
      this.revisionClient,
      rev.all,
      rev.revision,
      inUse,
      set.spec?.revisionHistoryLimit ?? 10,
    );
    await this.writeStatus(set, { ...plan.status, collisionCount: rev.collisionCount });
    if (plan.requeueMs !== undefined) this.requeue?.after(key, plan.requeueMs + 10);
  }

  private async apply(set: STS, action: StatefulAction, revision: Revision): Promise<void> {
    const namespace = set.metadata.namespace ?? '';
    const setName = set.metadata.name ?? '';
    if (action.type === 'delete') {
      const name = action.pod.metadata?.name ?? '';
      await this.podClient.delete(namespace, name).catch(ignoreReason('NotFound'));
      this.events.record(
        set,
        'Normal',
        'SuccessfulDelete',
        `delete Pod ${name} in StatefulSet ${setName} successful`,
      );
      return;
    }
    const name = podName(set, action.ordinal);
    for (const pvc of claimsFor(set, action.ordinal)) {
      try {
        const made = await this.claimClient.create(namespace, pvc).catch(ignoreReason('AlreadyExists'));
        if (made)
          this.events.record(
            set,
            'Normal',
            'SuccessfulCreate',
            `create Claim ${pvc.metadata.name} Pod ${name} in StatefulSet ${setName} success`,
          );
      } catch (err) {
        this.events.record(
          set,
          'Warning',
          'FailedCreate',
          `create Claim ${pvc.metadata.name} for Pod ${name} in StatefulSet ${setName} failed error: ${(err as Error).message}`,
        );
        throw err;
      }
    }
    const template = templateOfRevision(revision.data) ?? set.spec?.template;
    const pod = newStatefulPod(set, template, action.ordinal, revision.metadata.name ?? '');
    try {
      const made = await this.podClient.create(namespace, pod).catch(ignoreReason('AlreadyExists'));
      if (made)
        this.events.record(
          set,
          'Normal',
          'SuccessfulCreate',
          `create Pod ${name} in StatefulSet ${setName} successful`,
        );
    } catch (err) {
      this.events.record(
        set,
        'Warning',
        'FailedCreate',
        `create Pod ${name} in StatefulSet ${setName} failed error: ${(err as Error).message}`,
      );
      throw err;
    }
  }

  private async writeStatus(set: STS, status: StatefulSet['status']): Promise<void> {
    const clean = JSON.parse(JSON.stringify(status ?? {}));
    if (deepEqual(clean, set.status ?? {})) return;
    const next = cloneJSON(set) as KObject;
    next.status = clean;
    await this.setClient
      .updateStatus(set.metadata.namespace ?? '', next as STS)
      .catch(ignoreReason('NotFound'));
  }
}
