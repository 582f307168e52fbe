/**
 * batch/v1 Job: defaults (completions/parallelism, backoffLimit, completionMode, suspend,
 * manualSelector, podReplacementPolicy), the generated controller-uid selector and template
 * labels, ValidateJob/ValidateJobSpecUpdate, and kubectl's job table with its STATUS column.
 */
import type { Job, JobSpec } from 'kubernetes-types/batch/v1.js';
import type { KObject } from '../../api/object.js';
import {
  CONTAINER_COLUMNS,
  defaultTemplate,
  resetStatus,
  specOf,
  templateCells,
  validateImmutable,
} from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge, labelSelectorString } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { labelSelectorMatches } from '../common/selector.js';
import {
  invalid,
  notSupported,
  required,
  validateLabelSelector,
  validateNonnegative,
} from '../common/validation.js';
import { validatePodTemplate } from '../core/pod-spec.js';
import type { FieldError, ResourceStrategy } from '../types.js';

/** Label keys the API server puts on a Job's pod template when it generates the selector. */
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT_POLICIES = ['TerminatingOrFailed', 'Failed'];

/** Job spec defaults; shared with CronJob job templates only for the pod template part. */
function defaultJob(obj: KObject): void {
  const spec = specOf<JobSpec>(obj);
  if (spec.completions === undefined && spec.parallelism === undefined) spec.completions = 1;
  spec.parallelism ??= 1;
  spec.backoffLimit ??= spec.backoffLimitPerIndex !== undefined ? 2147483647 : 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  spec.podReplacementPolicy ??= spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed';
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    for (const pattern of rule.onPodConditions ?? []) pattern.status ||= 'True';
  }
  copyTemplateLabels(obj);
  defaultTemplate(spec.template);
}

/** A Job without labels of its own takes its pod template's labels (SetDefaults_Job). */
function copyTemplateLabels(obj: KObject): void {
  const labels = specOf<JobSpec>(obj).template?.metadata?.labels;
  if (labels && Object.keys(obj.metadata.labels ?? {}).length === 0) obj.metadata.labels = { ...labels };
}

/**
 * Unless the user manages the selector, select on the Job's uid and label the template so its
 * pods match; the uid keeps a recreated Job of the same name from adopting old pods.
 */
function generateSelector(obj: KObject): void {
  const spec = specOf<JobSpec>(obj);
  if (spec.manualSelector) return;
  const uid = obj.metadata.uid ?? '';
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.metadata.labels ??= {};
  const labels = spec.template.metadata.labels;
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) labels[key] ??= obj.metadata.name ?? '';
  for (const key of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) labels[key] ??= uid;
  spec.selector ??= {};
  spec.selector.matchLabels ??= {};
  spec.selector.matchLabels[CONTROLLER_UID_LABEL] ??= uid;
}

function prepareJobForCreate(obj: KObject): void {
  generateSelector(obj);
  // Kubernetes copies template labels onto a label-less Job at its next write; doing it now
  // shows users the same object right away.
  copyTemplateLabels(obj);
  resetStatus(obj);
}

/**
 * What a Job spec and a CronJob's job template share: counts, modes, and a pod template whose
 * pods restart OnFailure or Never. `field` is the path of the JobSpec.
 */
export function validateJobSpecCommon(spec: JobSpec, field: string): FieldError[] {
  const errs = [
    ...validateNonnegative(spec.parallelism, `${field}.parallelism`),
    ...validateNonnegative(spec.completions, `${field}.completions`),
    ...validateNonnegative(spec.activeDeadlineSeconds, `${field}.activeDeadlineSeconds`),
    ...validateNonnegative(spec.backoffLimit, `${field}.backoffLimit`),
    ...validateNonnegative(spec.ttlSecondsAfterFinished, `${field}.ttlSecondsAfterFinished`),
  ];
  if (spec.completionMode !== undefined && !COMPLETION_MODES.includes(spec.completionMode)) {
    errs.push(notSupported(`${field}.completionMode`, spec.completionMode, COMPLETION_MODES));
  }
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) {
    errs.push(required(`${field}.completions`, 'when completion mode is Indexed'));
  }
  if (spec.podReplacementPolicy !== undefined && !REPLACEMENT_POLICIES.includes(spec.podReplacementPolicy)) {
    errs.push(notSupported(`${field}.podReplacementPolicy`, spec.podReplacementPolicy, REPLACEMENT_POLICIES));
  }
  const restart = spec.template?.spec?.restartPolicy;
  if (spec.template?.spec && restart !== 'OnFailure' && restart !== 'Never') {
    errs.push(notSupported(`${field}.template.spec.restartPolicy`, restart ?? '', ['OnFailure', 'Never']));
  }
  return errs;
}

/** A generated selector must be the one generateSelector made: the uid labels may not be forged. */
function validateGeneratedSelector(obj: KObject): FieldError[] {
  const spec = specOf<JobSpec>(obj);
  if (spec.manualSelector) return [];
  const uid = obj.metadata.uid ?? '';
  const errs: FieldError[] = [];
  if (!uid) errs.push(required('metadata.uid'));
  const labels = spec.template?.metadata?.labels ?? {};
  for (const key of [CONTROLLER_UID_LABEL, LEGACY_CONTROLLER_UID_LABEL]) {
    if (key in labels && labels[key] !== uid) {
      errs.push(invalid(`spec.template.metadata.labels[${key}]`, labels[key], `must be '${uid}'`));
    }
  }
  if (spec.selector && !labelSelectorMatches(spec.selector, { [CONTROLLER_UID_LABEL]: uid })) {
    errs.push(invalid('spec.selector', spec.selector, '`selector` not auto-generated'));
  }
  return errs;
}

function validateJob(obj: KObject): FieldError[] {
  const spec = specOf<JobSpec>(obj);
  const errs = [...validateObjectMeta(obj), ...validateGeneratedSelector(obj)];
  if (!spec.selector) errs.push(required('spec.selector'));
  else errs.push(...validateLabelSelector(spec.selector, 'spec.selector'));
  errs.push(...validatePodTemplate(spec.template, 'spec.template', spec.selector));
  errs.push(...validateJobSpecCommon(spec, 'spec'));
  return errs;
}

/**
 * A Job's selector, mode and template are fixed once it runs. The template may change while the
 * Job is suspended and has never started (Kueue-style admission rewrites scheduling fields then),
 * and completions may change for an elastic Indexed Job that keeps completions == parallelism.
 */
function validateJobUpdate(obj: KObject, old: KObject): FieldError[] {
  const spec = specOf<JobSpec>(obj);
  const prev = specOf<JobSpec>(old);
  const errs = [
    ...validateImmutable(spec.selector, prev.selector, 'spec.selector'),
    ...validateImmutable(spec.completionMode, prev.completionMode, 'spec.completionMode'),
    ...validateImmutable(spec.podFailurePolicy, prev.podFailurePolicy, 'spec.podFailurePolicy'),
    ...validateImmutable(spec.backoffLimitPerIndex, prev.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'),
    ...validateImmutable(spec.managedBy, prev.managedBy, 'spec.managedBy'),
    ...validateImmutable(spec.successPolicy, prev.successPolicy, 'spec.successPolicy'),
  ];
  const elastic = spec.completionMode === 'Indexed' && spec.completions === spec.parallelism;
  if (!elastic) errs.push(...validateImmutable(spec.completions, prev.completions, 'spec.completions'));
  const neverStarted = prev.suspend === true && !(old.status as Job['status'])?.startTime;
  if (!neverStarted) errs.push(...validateImmutable(spec.template, prev.template, 'spec.template'));
  return errs;
}

function hasCondition(job: Job, type: string): boolean {
  return (job.status?.conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

/** The STATUS cell, in kubectl's order of precedence. */
function jobStatus(job: Job): string {
  if (hasCondition(job, 'Complete')) return 'Complete';
  if (hasCondition(job, 'Failed')) return 'Failed';
  if (job.metadata?.deletionTimestamp) return 'Terminating';
  if (hasCondition(job, 'Suspended')) return 'Suspended';
  if (hasCondition(job, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function completionsCell(job: Job): string {
  const succeeded = job.status?.succeeded ?? 0;
  if (job.spec?.completions !== undefined) return `${succeeded}/${job.spec.completions}`;
  const parallelism = job.spec?.parallelism ?? 0;
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationCell(job: Job, now: Date): string {
  const start = job.status?.startTime;
  if (!start) return '';
  const end = job.status?.completionTime;
  return humanAge(start, end ? new Date(end) : now);
}

function jobRow(obj: KObject, now: Date): unknown[] {
  const job = obj as Job;
  const [names, images] = templateCells(job.spec?.template);
  return [
    job.metadata?.name,
    jobStatus(job),
    completionsCell(job),
    durationCell(job, now),
    humanAge(job.metadata?.creationTimestamp, now),
    names,
    images,
    labelSelectorString(job.spec?.selector),
  ];
}

/** batch/v1 jobs. */
export const jobStrategy: ResourceStrategy = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  resource: 'jobs',
  singularName: 'job',
  namespaced: true,
  categories: ['all'],
  hasStatus: true,
  defaults: defaultJob,
  prepareForCreate: prepareJobForCreate,
  validate: validateJob,
  validateUpdate: validateJobUpdate,
  columns: [
    NAME_COLUMN,
    column('Status', 'Status of the job.'),
    column('Completions', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'Time required to complete the job.'),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    column('Selector', 'A label query over pods that should match the pod count.', { wide: true }),
  ],
  row: jobRow,
  fieldSelectors: {
    'status.successful': (obj) => String((obj as Job).status?.succeeded ?? 0),
  },
};
