/**
 * core/v1 pods: PodSpec defaults plus the admission defaults a real cluster adds (service
 * account, priority, not-ready/unreachable tolerations), Pending status with a QoS class on create,
 * the mostly-immutable spec on update, kubectl's pod columns and the pod field selectors.
 */
import type { Pod, Toleration } from 'kubernetes-types/core/v1.js';
import { errors } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { clone, deepEqual, validateObjectMeta } from '../common/meta.js';
import { forbidden } from '../common/validation.js';
import type { FieldError, ResourceStrategy, StrategyContext } from '../types.js';
import { defaultPodSpec, validatePodSpec } from './pod-spec.js';
import { podCells, podQOSClass } from './pod-status.js';

/** Seconds a pod stays bound to a not-ready or unreachable node (DefaultTolerationSeconds admission). */
const DEFAULT_TOLERATION_SECONDS = 300;

function asPod(obj: KObject): Pod {
  return obj as unknown as Pod;
}

function defaultPod(obj: KObject): void {
  const pod = asPod(obj);
  pod.spec ??= { containers: [] };
  defaultPodSpec(pod.spec);
  pod.spec.serviceAccountName ??= 'default';
  pod.spec.serviceAccount ??= pod.spec.serviceAccountName;
  // SetDefaults_Pod: a container with limits but no requests requests what it limits.
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    const limits = c.resources?.limits;
    if (!limits || !c.resources) continue;
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(limits)) c.resources.requests[k] ??= v;
  }
}

function addDefaultTolerations(pod: Pod, ctx?: StrategyContext): void {
  const tolerations: Toleration[] = pod.spec!.tolerations ?? [];
  const seconds: Record<string, number> = {
    'node.kubernetes.io/not-ready':
      ctx?.config.defaultNotReadyTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS,
    'node.kubernetes.io/unreachable':
      ctx?.config.defaultUnreachableTolerationSeconds ?? DEFAULT_TOLERATION_SECONDS,
  };
  for (const key of Object.keys(seconds)) {
    const covered = tolerations.some(
      (t) =>
        (t.key === key || (!t.key && t.operator === 'Exists')) && (!t.effect || t.effect === 'NoExecute'),
    );
    if (!covered) {
      tolerations.push({
        key,
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: seconds[key],
      });
    }
  }
  pod.spec!.tolerations = tolerations;
}

/**
 * The Priority admission step: spec.priority and preemptionPolicy come from the named
 * PriorityClass, or from the global default class, or are 0. A missing class is refused.
 */
function resolvePriority(spec: NonNullable<Pod['spec']>, ctx?: StrategyContext): void {
  const classes = ctx?.list('scheduling.k8s.io/priorityclasses') ?? [];
  type Klass = KObject & { value?: number; globalDefault?: boolean; preemptionPolicy?: string };
  const found = spec.priorityClassName
    ? (classes.find((c) => c.metadata.name === spec.priorityClassName) as Klass | undefined)
    : (classes.find((c) => (c as Klass).globalDefault) as Klass | undefined);
  if (spec.priorityClassName && !found) {
    throw errors.forbidden(
      `pods is forbidden: no PriorityClass with name ${spec.priorityClassName} was found`,
    );
  }
  if (found && !spec.priorityClassName) spec.priorityClassName = found.metadata.name;
  spec.priority = found?.value ?? spec.priority ?? 0;
  spec.preemptionPolicy ??=
    (found?.preemptionPolicy as typeof spec.preemptionPolicy) ?? 'PreemptLowerPriority';
}

function prepareForCreate(obj: KObject, ctx?: StrategyContext): void {
  const pod = asPod(obj);
  defaultPod(obj);
  const spec = pod.spec!;
  resolvePriority(spec, ctx);
  addDefaultTolerations(pod, ctx);
  obj.status = { phase: 'Pending', qosClass: podQOSClass(pod) };
}

const UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/**
 * Pod spec updates: only images, activeDeadlineSeconds (set or lowered), added tolerations and
 * removed scheduling gates may change (ValidatePodUpdate).
 */
export function validatePodSpecUpdate(pod: Pod, old: Pod): FieldError[] {
  const errs: FieldError[] = [];
  const next = clone(pod.spec!);
  const prev = old.spec!;
  const copyImages = (key: 'containers' | 'initContainers') => {
    (next[key] ?? []).forEach((c, i) => {
      const o = prev[key]?.[i];
      if (o) c.image = o.image;
    });
  };
  copyImages('containers');
  copyImages('initContainers');
  const newADS = next.activeDeadlineSeconds;
  const oldADS = prev.activeDeadlineSeconds;
  if (oldADS !== undefined && (newADS === undefined || newADS > oldADS)) {
    errs.push(forbidden('spec.activeDeadlineSeconds', 'must be less than or equal to previous value'));
  }
  next.activeDeadlineSeconds = oldADS;
  const oldTol = prev.tolerations ?? [];
  const kept = oldTol.every((t) => (next.tolerations ?? []).some((n) => deepEqual(n, t)));
  if (kept) next.tolerations = prev.tolerations;
  const gates = next.schedulingGates ?? [];
  if (gates.every((g) => (prev.schedulingGates ?? []).some((o) => o.name === g.name))) {
    next.schedulingGates = prev.schedulingGates;
  }
  // The binding subresource sets nodeName; a plain update may not.
  if (!deepEqual(next, prev)) errs.push(forbidden('spec', UPDATE_MESSAGE));
  return errs;
}

/** Field selectors kubectl and controllers use on pods. */
export const podFieldSelectors: Record<string, (obj: KObject) => string> = {
  'spec.nodeName': (o) => asPod(o).spec?.nodeName ?? '',
  'spec.restartPolicy': (o) => asPod(o).spec?.restartPolicy ?? '',
  'spec.schedulerName': (o) => asPod(o).spec?.schedulerName ?? '',
  'spec.serviceAccountName': (o) => asPod(o).spec?.serviceAccountName ?? '',
  'spec.hostNetwork': (o) => String(asPod(o).spec?.hostNetwork ?? false),
  'status.phase': (o) => asPod(o).status?.phase ?? '',
  'status.podIP': (o) => asPod(o).status?.podIP ?? '',
  'status.nominatedNodeName': (o) => asPod(o).status?.nominatedNodeName ?? '',
};

function podRow(obj: KObject, now: Date): unknown[] {
  const pod = asPod(obj);
  const cells = podCells(pod, now);
  const gates = pod.spec?.readinessGates ?? [];
  const trueGates = gates.filter((g) =>
    (pod.status?.conditions ?? []).some((c) => c.type === g.conditionType && c.status === 'True'),
  ).length;
  return [
    obj.metadata.name,
    cells.ready,
    cells.status,
    cells.restarts,
    humanAge(obj.metadata.creationTimestamp, now),
    pod.status?.podIPs?.[0]?.ip || pod.status?.podIP || '<none>',
    pod.spec?.nodeName || '<none>',
    pod.status?.nominatedNodeName || '<none>',
    gates.length ? `${trueGates}/${gates.length}` : '<none>',
  ];
}

/** The pods resource. */
export const podsStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'Pod',
  resource: 'pods',
  singularName: 'pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
  hasStatus: true,
  extraSubresources: ['binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'ephemeralcontainers'],
  defaults: defaultPod,
  prepareForCreate,
  validate: (obj) => [
    ...validateObjectMeta(obj),
    ...validatePodSpec(asPod(obj).spec ?? { containers: [] }, 'spec'),
  ],
  validateUpdate: (obj, old) => validatePodSpecUpdate(asPod(obj), asPod(old)),
  columns: [
    NAME_COLUMN,
    column('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE_COLUMN,
    column('IP', 'podIP address allocated to the pod.', { wide: true }),
    column('Node', 'NodeName indicates in which node this pod is scheduled.', { wide: true }),
    column('Nominated Node', 'nominatedNodeName is set when this pod preempts other pods on the node.', {
      wide: true,
    }),
    column('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', {
      wide: true,
    }),
  ],
  row: podRow,
  fieldSelectors: podFieldSelectors,
};
