/**
 * batch/v1 CronJob: defaults (concurrency, suspend, history limits), the cron schedule and IANA
 * time zone checks of ValidateCronJobSpec, job-template rules (no selector: each Job generates
 * its own), and kubectl's cronjob table.
 */
import type { CronJob, CronJobSpec } from 'kubernetes-types/batch/v1.js';
import type { KObject } from '../../api/object.js';
import { CONTAINER_COLUMNS, defaultTemplate, resetStatus, specOf, templateCells } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge, labelSelectorString } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  invalid,
  isDNS1123Subdomain,
  notSupported,
  required,
  validateLabels,
  validateNonnegative,
} from '../common/validation.js';
import { validatePodTemplate } from '../core/pod-spec.js';
import type { FieldError, ResourceStrategy } from '../types.js';
import { cronScheduleError } from './cron.js';
import { validateJobSpecCommon } from './jobs.js';

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** Jobs are named "<cronjob>-<minutes since epoch>" (11 characters) and must stay DNS-1035 labels. */
const MAX_NAME_LENGTH = 52;
const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/**
 * An IANA zone Go's time.LoadLocation would load. Intl knows the same database, but accepts any
 * letter case, so a name is valid only when it is exactly how Intl spells it (or an alias of it).
 */
export function isValidTimeZone(name: string): boolean {
  if (name.split('/').some((p) => p === '.' || p === '..' || p.startsWith('-') || !TZ_PART.test(p)))
    return false;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  return resolved.toLowerCase() !== name.toLowerCase() || resolved === name;
}

function validateSchedule(spec: CronJobSpec): FieldError[] {
  const schedule = spec.schedule;
  if (!schedule) return [required('spec.schedule')];
  const errs: FieldError[] = [];
  const parseError = cronScheduleError(schedule);
  if (parseError) errs.push(invalid('spec.schedule', schedule, parseError));
  if (schedule.includes('TZ')) {
    errs.push(
      invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'),
    );
  }
  return errs;
}

function validateJobTemplate(spec: CronJobSpec): FieldError[] {
  const f = 'spec.jobTemplate';
  const tpl = spec.jobTemplate;
  if (!tpl?.spec) return [required(`${f}.spec`)];
  const errs = [
    ...validateLabels(tpl.metadata?.labels, `${f}.metadata.labels`),
    ...validateJobSpecCommon(tpl.spec, `${f}.spec`),
    ...validatePodTemplate(tpl.spec.template, `${f}.spec.template`),
  ];
  if (tpl.spec.selector) {
    errs.push(invalid(`${f}.spec.selector`, tpl.spec.selector, '`selector` will be auto-generated'));
  }
  if (tpl.spec.manualSelector) {
    errs.push(notSupported(`${f}.spec.manualSelector`, true, ['nil', 'false']));
  }
  return errs;
}

function validateCronJob(obj: KObject): FieldError[] {
  const spec = specOf<CronJobSpec>(obj);
  const errs = [...validateObjectMeta(obj), ...validateSchedule(spec)];
  errs.push(...validateNonnegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (spec.timeZone !== undefined && spec.timeZone !== null && !isValidTimeZone(spec.timeZone)) {
    errs.push(invalid('spec.timeZone', spec.timeZone, 'unknown time zone'));
  }
  if (spec.concurrencyPolicy && !CONCURRENCY_POLICIES.includes(spec.concurrencyPolicy)) {
    errs.push(notSupported('spec.concurrencyPolicy', spec.concurrencyPolicy, CONCURRENCY_POLICIES));
  } else if (!spec.concurrencyPolicy) {
    errs.push(required('spec.concurrencyPolicy'));
  }
  errs.push(...validateJobTemplate(spec));
  errs.push(...validateNonnegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  errs.push(...validateNonnegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return errs;
}

function validateCronJobName(name: string): string[] {
  const errs = isDNS1123Subdomain(name);
  if (name.length > MAX_NAME_LENGTH) errs.push(`must be no more than ${MAX_NAME_LENGTH} characters`);
  return errs;
}

function cronJobRow(obj: KObject, now: Date): unknown[] {
  const cj = obj as CronJob;
  const suspend = cj.spec?.suspend;
  const last = cj.status?.lastScheduleTime;
  const jobSpec = cj.spec?.jobTemplate?.spec;
  const [names, images] = templateCells(jobSpec?.template);
  return [
    cj.metadata?.name,
    cj.spec?.schedule ?? '',
    cj.spec?.timeZone ?? '<none>',
    suspend === undefined ? '<unset>' : suspend ? 'True' : 'False',
    cj.status?.active?.length ?? 0,
    last ? humanAge(last, now) : '<none>',
    humanAge(cj.metadata?.creationTimestamp, now),
    names,
    images,
    labelSelectorString(jobSpec?.selector),
  ];
}

/** batch/v1 cronjobs. */
export const cronJobStrategy: ResourceStrategy = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  resource: 'cronjobs',
  singularName: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  hasStatus: true,
  defaults: (obj) => {
    const spec = specOf<CronJobSpec>(obj);
    spec.concurrencyPolicy ??= 'Allow';
    spec.suspend ??= false;
    spec.successfulJobsHistoryLimit ??= 3;
    spec.failedJobsHistoryLimit ??= 1;
    defaultTemplate(spec.jobTemplate?.spec?.template);
  },
  prepareForCreate: (obj) => resetStatus(obj),
  validate: validateCronJob,
  validateName: validateCronJobName,
  columns: [
    NAME_COLUMN,
    column('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    column(
      'Timezone',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.',
    ),
    column('Suspend', 'This flag tells the controller to suspend subsequent executions.', {
      type: 'boolean',
    }),
    column('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    column('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    ...CONTAINER_COLUMNS,
    column('Selector', 'A label query over pods that should match the pod count.', { wide: true }),
  ],
  row: cronJobRow,
};
