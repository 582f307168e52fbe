/**
 * events.k8s.io/v1 Event: the strict validation Kubernetes applies to events written through this
 * API (eventTime, reporting controller and instance, action, reason, series, deprecated fields
 * left unset), what an update may not change, the field selectors kubectl and controllers use
 * (regarding.*, reason, type, reportingController), and the events table.
 */
import type { Event } from 'kubernetes-types/events/v1.js';
import type { KObject } from '../../api/object.js';
import { validateImmutable } from '../apps/workload.js';
import { column } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalid, invalidEach, isQualifiedName, required } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const LIMIT = 128;
const NOTE_LIMIT = 1024;

function validateLengths(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const fields: Array<[string, string | undefined, number]> = [
    ['reportingInstance', ev.reportingInstance, LIMIT],
    ['action', ev.action, LIMIT],
    ['reason', ev.reason, LIMIT],
  ];
  for (const [name, value, max] of fields) {
    if (!value) errs.push(required(name));
    else if (value.length > max) errs.push(invalid(name, '', `can have at most ${max} characters`));
  }
  if ((ev.note ?? '').length > NOTE_LIMIT)
    errs.push(invalid('note', '', `can have at most ${NOTE_LIMIT} characters`));
  return errs;
}

function validateEvent(obj: KObject): FieldError[] {
  const ev = obj as unknown as Event;
  const errs = [...validateObjectMeta(obj)];
  const ns = ev.metadata?.namespace ?? '';
  if (!ev.regarding?.namespace && ns !== 'default' && ns !== 'kube-system') {
    errs.push(
      invalid('regarding.namespace', ev.regarding?.namespace ?? '', 'does not match event.namespace'),
    );
  }
  if (!ev.reportingController) errs.push(required('reportingController'));
  else
    errs.push(
      ...invalidEach('reportingController', ev.reportingController, isQualifiedName(ev.reportingController)),
    );
  errs.push(...validateLengths(ev));
  if (ev.series) {
    if (!(ev.series.count >= 2)) errs.push(invalid('series.count', '', 'should be at least 2'));
    if (!ev.series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  }
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning')
    errs.push(invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (ev.deprecatedFirstTimestamp) errs.push(invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (ev.deprecatedLastTimestamp) errs.push(invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (ev.deprecatedCount) errs.push(invalid('deprecatedCount', '', 'needs to be unset'));
  if (ev.deprecatedSource?.component || ev.deprecatedSource?.host) {
    errs.push(invalid('deprecatedSource', '', 'needs to be unset'));
  }
  return errs;
}

/** Only the series (count, last observed time) of an event moves; what happened does not. */
const IMMUTABLE_FIELDS = [
  'regarding',
  'related',
  'reason',
  'note',
  'type',
  'action',
  'reportingController',
  'reportingInstance',
  'deprecatedSource',
  'deprecatedFirstTimestamp',
  'deprecatedLastTimestamp',
  'deprecatedCount',
];

function validateEventUpdate(obj: KObject, old: KObject): FieldError[] {
  return IMMUTABLE_FIELDS.flatMap((f) => validateImmutable(obj[f], old[f], f));
}

function since(ts: string | undefined, now: Date): string {
  return ts ? humanAge(ts, now) : '<unknown>';
}

/** kubectl's event row, computed from the events.k8s.io field names. */
function eventRow(obj: KObject, now: Date): unknown[] {
  const ev = obj as unknown as Event;
  const first = ev.deprecatedFirstTimestamp
    ? since(ev.deprecatedFirstTimestamp, now)
    : since(ev.eventTime, now);
  let last = ev.deprecatedLastTimestamp ? since(ev.deprecatedLastTimestamp, now) : first;
  let count = ev.deprecatedCount ?? 0;
  if (ev.series) {
    last = since(ev.series.lastObservedTime, now);
    count = ev.series.count;
  } else if (count === 0) {
    count = 1;
  }
  const kind = (ev.regarding?.kind ?? '').toLowerCase();
  const target = ev.regarding?.name ? `${kind}/${ev.regarding.name}` : kind;
  const component = ev.deprecatedSource?.component || ev.reportingController || '';
  const instance = ev.deprecatedSource?.host || ev.reportingInstance || '';
  return [
    last,
    ev.type ?? '',
    ev.reason ?? '',
    target,
    ev.regarding?.fieldPath ?? '',
    instance ? `${component}, ${instance}` : component,
    (ev.note ?? '').trim(),
    first,
    count,
    ev.metadata?.name,
  ];
}

const ref =
  (f: 'kind' | 'namespace' | 'name' | 'uid' | 'apiVersion' | 'resourceVersion' | 'fieldPath') =>
  (obj: KObject) =>
    (obj as unknown as Event).regarding?.[f] ?? '';

/** events.k8s.io/v1 events. */
export const eventStrategy: ResourceStrategy = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  singularName: 'event',
  namespaced: true,
  shortNames: ['ev'],
  validate: validateEvent,
  validateUpdate: validateEventUpdate,
  columns: [
    column('Last Seen', 'Time when this Event was last observed.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future.'),
    column('Reason', 'reason is why the action was taken.'),
    column('Object', 'The object this Event is about.'),
    column('Subobject', 'If referring to a piece of an object instead of an entire object.', { wide: true }),
    column('Source', 'The component reporting this event.', { wide: true }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column('First Seen', 'The time at which the event was first recorded.', { wide: true }),
    column('Count', 'The number of times this event has occurred.', { wide: true }),
    { ...column('Name', 'Name of the event.', { wide: true }), format: 'name' },
  ],
  row: eventRow,
  fieldSelectors: {
    'regarding.kind': ref('kind'),
    'regarding.namespace': ref('namespace'),
    'regarding.name': ref('name'),
    'regarding.uid': ref('uid'),
    'regarding.apiVersion': ref('apiVersion'),
    'regarding.resourceVersion': ref('resourceVersion'),
    'regarding.fieldPath': ref('fieldPath'),
    reason: (obj) => (obj as unknown as Event).reason ?? '',
    reportingController: (obj) => (obj as unknown as Event).reportingController ?? '',
    type: (obj) => (obj as unknown as Event).type ?? '',
  },
};
