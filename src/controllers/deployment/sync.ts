/**
 * One reconcile of one Deployment (deployment/sync.go, rolling.go, recreate.go): find or
 * create the new ReplicaSet, move ReplicaSet sizes one step toward the goal, retire history,
 * and write status. Each pass reads the ReplicaSets it was given and writes with optimistic
 * concurrency, so a stale cache costs a Conflict and a retry, never a wrong write.
 */
import type { DeploymentStatus } from 'kubernetes-types/apps/v1.js';
import { cloneJSON } from '../../api/clone.js';
import { isReason } from '../../api/errors.js';
import type { EventRecorder } from '../../client/events.js';
import type { ResourceClient } from '../../client/types.js';
import { deepEqual } from '../../registry/common/meta.js';
import { controllerRef, type PodObj, type ReplicaSetObj } from '../replicaset/index.js';
import { ownerRefTo } from '../replicaset/pods.js';
import {
  calculateStatus,
  condition,
  deadlineRecheckMs,
  deploymentComplete,
  getCondition,
  reasons,
  removeCondition,
  setCondition,
  updatePaused,
  updateProgressing,
} from './conditions.js';
import { podTemplateHash, podTemplateHashLabel, templatesEqualIgnoringHash } from './hash.js';
import {
  desiredReplicasOf,
  maxRevision,
  replicaSetsToCleanUp,
  revisionAnnotation,
  revisionOf,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
} from './revisions.js';
import {
  type DeploymentObj,
  maxSurge,
  newReplicaSetSize,
  planOldScaleDown,
  planScale,
  type SizePlan,
  specReplicas,
} from './rollout.js';

/** What a sync needs from its controller. */
export interface SyncDeps {
  deployments: ResourceClient<DeploymentObj>;
  replicaSets: ResourceClient<ReplicaSetObj>;
  events: EventRecorder;
  now(): Date;
  /** Pods in a namespace (from the pod informer), for Recreate's "old pods gone" check. */
  podsIn(namespace: string): PodObj[];
}

interface Split {
  newRS?: ReplicaSetObj;
  oldSets: ReplicaSetObj[];
}

const byCreation = (a: ReplicaSetObj, b: ReplicaSetObj) =>
  Date.parse(a.metadata.creationTimestamp ?? '0') - Date.parse(b.metadata.creationTimestamp ?? '0') ||
  (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');

/** A single pass over a Deployment and the ReplicaSets it controls. */
export class DeploymentSync {
  private readonly ns: string;
  private readonly original: DeploymentStatus;

  /** d is a private copy: its status.conditions are this pass's draft. */
  constructor(
    private readonly deps: SyncDeps,
    private d: DeploymentObj,
    private sets: ReplicaSetObj[],
  ) {
    this.ns = d.metadata.namespace ?? '';
    this.original = cloneJSON(d.status ?? {});
    (this.d as { status?: DeploymentStatus }).status = cloneJSON(d.status ?? {});
  }

  private get draft(): DeploymentStatus {
    return this.d.status!;
  }

  /** Runs the pass; returns ms after which to look again (progress deadline), if any. */
  async run(): Promise<number | undefined> {
    if (this.d.metadata.deletionTimestamp) return this.syncStatus(false);
    updatePaused(this.d, this.draft, this.deps.now());
    if (this.d.spec?.paused || this.isScalingEvent()) return this.scaleOnly();
    if (this.d.spec?.strategy?.type === 'Recreate') return this.recreate();
    return this.rolling();
  }

  // --- finding and creating the new ReplicaSet ---

  private split(): Split {
    const sorted = [...this.sets].sort(byCreation);
    const newRS = sorted.find((rs) => templatesEqualIgnoringHash(rs.spec?.template, this.d.spec?.template));
    return { newRS, oldSets: sorted.filter((rs) => rs !== newRS) };
  }

  private replace(rs: ReplicaSetObj): ReplicaSetObj {
    this.sets = [...this.sets.filter((s) => s.metadata.uid !== rs.metadata.uid), rs];
    return rs;
  }

  /** getAllReplicaSetsAndSyncRevision: the new RS (created if asked) with its revision current. */
  private async syncRevision(create: boolean): Promise<Split> {
    const { newRS, oldSets } = this.split();
    const newRevision = maxRevision(oldSets) + 1;
    if (!newRS)
      return create ? { newRS: await this.createNewReplicaSet(oldSets, newRevision), oldSets } : { oldSets };
    const copy = cloneJSON(newRS);
    let changed = setNewReplicaSetAnnotations(this.d, copy, newRevision);
    if ((copy.spec?.minReadySeconds ?? 0) !== (this.d.spec?.minReadySeconds ?? 0)) {
      copy.spec = { ...copy.spec!, minReadySeconds: this.d.spec?.minReadySeconds ?? 0 };
      changed = true;
    }
    const current = changed ? this.replace(await this.deps.replicaSets.update(this.ns, copy)) : newRS;
    await this.syncDeploymentRevision(revisionOf(current));
    if (!getCondition(this.draft, 'Progressing') && this.d.spec?.progressDeadlineSeconds !== undefined) {
      const msg = `Found new replica set "${current.metadata.name}"`;
      setCondition(this.draft, condition('Progressing', 'True', reasons.foundNewRS, msg, this.deps.now()));
    }
    return { newRS: current, oldSets };
  }

  private async syncDeploymentRevision(revision: number): Promise<void> {
    if (revisionOf(this.d) === revision) return;
    const patch = { metadata: { annotations: { [revisionAnnotation]: String(revision) } } };
    const patched = await this.deps.deployments.patch(this.ns, this.d.metadata.name!, 'merge', patch);
    this.d.metadata = patched.metadata;
  }

  private buildNewReplicaSet(oldSets: ReplicaSetObj[], revision: number): ReplicaSetObj {
    const d = this.d;
    const hash = podTemplateHash(d.spec?.template, d.status?.collisionCount);
    const template = cloneJSON(d.spec!.template);
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [podTemplateHashLabel]: hash },
    };
    const selector = cloneJSON(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [podTemplateHashLabel]: hash };
    const rs: ReplicaSetObj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: this.ns,
        labels: { ...template.metadata.labels },
        ownerReferences: [ownerRefTo(d, 'apps/v1', 'Deployment')],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    setNewReplicaSetAnnotations(d, rs, revision);
    const replicas = d.spec?.replicas ?? 1;
    rs.spec!.replicas = newReplicaSetSize(d, oldSets, undefined);
    setReplicasAnnotations(rs, replicas, replicas + maxSurge(d));
    return rs;
  }

  private async createNewReplicaSet(oldSets: ReplicaSetObj[], revision: number): Promise<ReplicaSetObj> {
    const now = this.deps.now();
    const wanted = this.buildNewReplicaSet(oldSets, revision);
    const name = wanted.metadata.name!;
    let created: ReplicaSetObj;
    try {
      created = await this.deps.replicaSets.create(this.ns, wanted);
    } catch (err) {
      if (isReason(err, 'AlreadyExists')) return this.adoptExisting(name, err);
      const msg = `Failed to create new replica set "${name}": ${(err as Error).message}`;
      setCondition(this.draft, condition('Progressing', 'False', reasons.failedRSCreate, msg, now));
      await this.writeStatus(calculateStatus(this.d, undefined, this.sets, now));
      throw err;
    }
    this.replace(created);
    const size = specReplicas(created);
    if (size > 0)
      this.deps.events.record(
        this.d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} from 0 to ${size}`,
      );
    await this.syncDeploymentRevision(revision);
    const msg = `Created new replica set "${name}"`;
    setCondition(this.draft, condition('Progressing', 'True', reasons.newRSCreated, msg, now));
    return created;
  }

  /**
   * A ReplicaSet with the new one's name exists: ours (a cache that lagged our own create) is
   * used as is; anyone else's is a hash collision, resolved by bumping collisionCount.
   */
  private async adoptExisting(name: string, err: unknown): Promise<ReplicaSetObj> {
    const existing = await this.deps.replicaSets.get(this.ns, name);
    const ours = controllerRef(existing)?.uid === this.d.metadata.uid;
    if (ours && templatesEqualIgnoringHash(existing.spec?.template, this.d.spec?.template))
      return this.replace(existing);
    this.draft.collisionCount = (this.draft.collisionCount ?? 0) + 1;
    await this.writeStatus({ ...this.original, collisionCount: this.draft.collisionCount });
    throw err;
  }

  // --- scaling ---

  private async scaleTo(rs: ReplicaSetObj, size: number): Promise<ReplicaSetObj> {
    const replicas = this.d.spec?.replicas ?? 1;
    const copy = cloneJSON(rs);
    const from = specReplicas(rs);
    copy.spec = { ...copy.spec!, replicas: size };
    const annotated = setReplicasAnnotations(copy, replicas, replicas + maxSurge(this.d));
    if (from === size && !annotated) return rs;
    const updated = this.replace(await this.deps.replicaSets.update(this.ns, copy));
    if (from !== size) {
      const verb = size > from ? 'up' : 'down';
      this.deps.events.record(
        this.d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${size}`,
      );
    }
    return updated;
  }

  /** Applies a plan; returns whether any size changed. */
  private async applyPlan(plan: SizePlan): Promise<boolean> {
    let scaled = false;
    for (const rs of [...this.sets]) {
      const size = plan.get(rs.metadata.name!);
      if (size === undefined) continue;
      if (size !== specReplicas(rs)) scaled = true;
      await this.scaleTo(rs, size);
    }
    return scaled;
  }

  /** The deployment was resized: some active ReplicaSet was sized for another replica count. */
  private isScalingEvent(): boolean {
    const replicas = this.d.spec?.replicas ?? 1;
    return this.sets.some((rs) => specReplicas(rs) > 0 && (desiredReplicasOf(rs) ?? replicas) !== replicas);
  }

  private async scaleOnly(): Promise<number | undefined> {
    const { newRS, oldSets } = await this.syncRevision(false);
    await this.applyPlan(planScale(this.d, newRS, oldSets));
    if (this.d.spec?.paused) await this.cleanUp();
    return this.syncStatus(false);
  }

  // --- strategies ---

  private async rolling(): Promise<number | undefined> {
    const { newRS } = await this.syncRevision(true);
    const replicas = this.d.spec?.replicas ?? 1;
    if (newRS && specReplicas(newRS) !== replicas) {
      const target = specReplicas(newRS) > replicas ? replicas : newReplicaSetSize(this.d, this.sets, newRS);
      if (target !== specReplicas(newRS)) {
        await this.scaleTo(newRS, target);
        return this.syncStatus(true);
      }
    }
    const current = this.split();
    if (await this.applyPlan(planOldScaleDown(this.d, current.newRS, current.oldSets)))
      return this.syncStatus(true);
    await this.cleanUpIfComplete();
    return this.syncStatus(true);
  }

  private async recreate(): Promise<number | undefined> {
    const first = await this.syncRevision(false);
    const active = first.oldSets.filter((rs) => specReplicas(rs) > 0);
    if (active.length > 0) {
      for (const rs of active) await this.scaleTo(rs, 0);
      return this.syncStatus(true);
    }
    if (this.oldPodsRunning(first.oldSets)) return this.syncStatus(true);
    const { newRS } = first.newRS ? first : await this.syncRevision(true);
    if (newRS) await this.scaleTo(newRS, this.d.spec?.replicas ?? 1);
    await this.cleanUpIfComplete();
    return this.syncStatus(true);
  }

  /** Old pods that still exist and have not finished, terminating ones included. */
  private oldPodsRunning(oldSets: ReplicaSetObj[]): boolean {
    if (oldSets.some((rs) => (rs.status?.replicas ?? 0) > 0)) return true;
    const uids = new Set(oldSets.map((rs) => rs.metadata.uid));
    return this.deps.podsIn(this.ns).some((pod) => {
      const phase = pod.status?.phase;
      return uids.has(controllerRef(pod)?.uid) && phase !== 'Succeeded' && phase !== 'Failed';
    });
  }

  // --- history and status ---

  private async cleanUpIfComplete(): Promise<void> {
    const { newRS } = this.split();
    if (deploymentComplete(this.d, calculateStatus(this.d, newRS, this.sets, this.deps.now())))
      await this.cleanUp();
  }

  private async cleanUp(): Promise<void> {
    for (const rs of replicaSetsToCleanUp(this.d, this.split().oldSets)) {
      try {
        await this.deps.replicaSets.delete(this.ns, rs.metadata.name!, {
          preconditions: { uid: rs.metadata.uid },
        });
      } catch (err) {
        if (!isReason(err, 'NotFound')) throw err;
      }
    }
  }

  private async syncStatus(rollout: boolean): Promise<number | undefined> {
    const now = this.deps.now();
    const { newRS } = this.split();
    const status = calculateStatus(this.d, newRS, this.sets, now);
    if (rollout) updateProgressing(this.d, status, newRS, now);
    this.copyReplicaFailure(status, newRS);
    await this.writeStatus(status);
    return rollout ? deadlineRecheckMs(this.d, status, now) : undefined;
  }

  /** A ReplicaSet's ReplicaFailure condition surfaces on the Deployment (getReplicaFailures). */
  private copyReplicaFailure(status: DeploymentStatus, newRS: ReplicaSetObj | undefined): void {
    const ordered = newRS ? [newRS, ...this.split().oldSets] : this.sets;
    for (const rs of ordered) {
      const c = rs.status?.conditions?.find((x) => x.type === 'ReplicaFailure' && x.status === 'True');
      if (!c) continue;
      setCondition(
        status,
        condition('ReplicaFailure', 'True', c.reason ?? '', c.message ?? '', this.deps.now()),
      );
      return;
    }
    removeCondition(status, 'ReplicaFailure');
  }

  private async writeStatus(status: DeploymentStatus): Promise<void> {
    if (deepEqual(status, this.original)) return;
    await this.deps.deployments.updateStatus(this.ns, { ...this.d, status });
  }
}
