/**
 * What every replicated workload (deployments, replicasets, daemonsets, statefulsets) shares:
 * a required non-empty selector that later may not change, a pod template whose labels the
 * selector matches and whose pods restart Always, the scale subresource mapping, the wide
 * CONTAINERS/IMAGES/SELECTOR cells, and the empty status a create starts from.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import type { KObject } from '../../api/object.js';
import { column } from '../common/columns.js';
import { containerCells, selectorString } from '../common/format.js';
import { deepEqual } from '../common/meta.js';
import { selectorIsEmpty } from '../common/selector.js';
import { immutable, invalid, notSupported, required, validateLabelSelector } from '../common/validation.js';
import { defaultPodSpec, validatePodTemplate } from '../core/pod-spec.js';
import type { FieldError, ScaleAdapter, TableColumn } from '../types.js';

/** The `spec` of a workload, loosely typed: only the fields this module reads. */
interface WorkloadSpec {
  replicas?: number;
  selector?: LabelSelector;
  template?: PodTemplateSpec;
}

/** The spec of a workload object, created on demand so defaulting code can write into it. */
export function specOf<T = WorkloadSpec>(obj: KObject): T {
  if (typeof obj.spec !== 'object' || obj.spec === null) obj.spec = {};
  return obj.spec as T;
}

/** Apply PodSpec defaults to a template, if it has a spec. */
export function defaultTemplate(template: PodTemplateSpec | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/**
 * A workload selector: required, valid, and not empty (an empty one would adopt every pod in the
 * namespace). `kind` fills Kubernetes' message, e.g. "empty selector is invalid for deployment".
 */
export function validateWorkloadSelector(
  sel: LabelSelector | undefined,
  field: string,
  kind: string,
): FieldError[] {
  if (!sel) return [required(field)];
  const errs = validateLabelSelector(sel, field);
  if (selectorIsEmpty(sel)) errs.push(invalid(field, sel, `empty selector is invalid for ${kind}`));
  return errs;
}

/**
 * A replicated pod template: a valid template matching the selector, restartPolicy Always, and no
 * activeDeadlineSeconds (a deadline would kill pods the controller must keep running).
 */
export function validateWorkloadTemplate(
  template: PodTemplateSpec | undefined,
  field: string,
  selector: LabelSelector | undefined,
  kindName: string,
): FieldError[] {
  const errs = validatePodTemplate(template, field, selector);
  const spec = template?.spec;
  if (!spec) return errs;
  if (spec.restartPolicy !== 'Always') {
    errs.push(notSupported(`${field}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']));
  }
  if (spec.activeDeadlineSeconds !== undefined) {
    errs.push(
      invalid(
        `${field}.spec.activeDeadlineSeconds`,
        spec.activeDeadlineSeconds,
        `activeDeadlineSeconds in ${kindName} is not Supported`,
      ),
    );
  }
  return errs;
}

function isEmptyValue(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.values(v as object).every(isEmptyValue);
}

function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!isEmptyValue(x)) out[k] = prune(x);
  return out;
}

/**
 * apimachinery's Semantic.DeepEqual as immutability checks use it: an empty list or map equals an
 * absent one, so `matchExpressions: []` added by a client does not count as a change.
 */
export function semanticEqual(a: unknown, b: unknown): boolean {
  return deepEqual(prune(a), prune(b));
}

/** ValidateImmutableField: `field: Invalid value: <new>: field is immutable` when it changed. */
export function validateImmutable(next: unknown, prev: unknown, field: string): FieldError[] {
  return semanticEqual(next, prev) ? [] : [immutable(field, next ?? null)];
}

/** apps/v1 forbids changing a workload's selector: it would orphan the pods it already owns. */
export function validateSelectorUnchanged(obj: KObject, old: KObject): FieldError[] {
  return validateImmutable(specOf(obj).selector, specOf(old).selector, 'spec.selector');
}

/** Scale subresource over spec.replicas, status.replicas and spec.selector. */
export const replicasScale: ScaleAdapter = {
  specReplicas: (obj) => specOf(obj).replicas ?? 1,
  setSpecReplicas: (obj, replicas) => {
    specOf(obj).replicas = replicas;
  },
  statusReplicas: (obj) => (obj.status as { replicas?: number } | undefined)?.replicas ?? 0,
  selector: (obj) => selectorString(specOf(obj).selector),
};

/** The wide CONTAINERS and IMAGES columns of workload tables. */
export const CONTAINER_COLUMNS: TableColumn[] = [
  column('Containers', 'Names of each container in the template.', { wide: true }),
  column('Images', 'Images referenced by each container in the template.', { wide: true }),
];

/** The CONTAINERS and IMAGES cells of a pod template. */
export function templateCells(template: PodTemplateSpec | undefined): [string, string] {
  return containerCells(template?.spec?.containers);
}

/** Replace the status with the zero value Kubernetes serializes for a fresh object. */
export function resetStatus(obj: KObject, zero: Record<string, unknown> = {}): void {
  obj.status = { ...zero };
}
