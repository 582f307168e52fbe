/**
 * core/v1 events: the involved-object field selectors `kubectl describe` and `kubectl events`
 * rely on, a namespace consistency check, and kubectl's event columns (LAST SEEN, TYPE, REASON,
 * OBJECT, MESSAGE; wide adds SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME).
 */
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { column } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalid, notSupported, required } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

function asEvent(obj: KObject): Event {
  return obj as unknown as Event;
}

function validateEvent(obj: KObject): FieldError[] {
  const ev = asEvent(obj);
  const errs = validateObjectMeta(obj);
  const involvedNs = ev.involvedObject?.namespace;
  if (!ev.involvedObject) errs.push(required('involvedObject'));
  // Events about namespaced objects live in that object's namespace.
  if (involvedNs && obj.metadata.namespace && involvedNs !== obj.metadata.namespace) {
    errs.push(invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  }
  if (ev.type && !['Normal', 'Warning'].includes(ev.type))
    errs.push(notSupported('type', ev.type, ['Normal', 'Warning']));
  return errs;
}

/** Source cell: "component, host" (falling back to reportingController/Instance). */
export function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

function eventRow(obj: KObject, now: Date): unknown[] {
  const ev = asEvent(obj);
  const first = ev.firstTimestamp ? humanAge(ev.firstTimestamp, now) : humanAge(ev.eventTime, now);
  let last = ev.lastTimestamp ? humanAge(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = humanAge(ev.series.lastObservedTime, now);
    count = ev.series.count ?? 0;
  } else if (count === 0) count = 1;
  const io = ev.involvedObject ?? {};
  const kind = (io.kind ?? '').toLowerCase();
  return [
    last,
    ev.type ?? '',
    ev.reason ?? '',
    io.name ? `${kind}/${io.name}` : kind,
    io.fieldPath ?? '',
    eventSource(ev),
    (ev.message ?? '').trim(),
    first,
    count,
    obj.metadata.name,
  ];
}

const involved = (key: keyof Event['involvedObject']) => (o: KObject) =>
  String(asEvent(o).involvedObject?.[key] ?? '');

/** The core/v1 events resource. */
export const eventsStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  singularName: 'event',
  namespaced: true,
  shortNames: ['ev'],
  validate: validateEvent,
  columns: [
    column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    column(
      'Reason',
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ),
    column('Object', 'The object that this event is about.'),
    column(
      'Subobject',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.',
      { wide: true },
    ),
    column('Source', 'The component reporting this event. Should be a short machine understandable string.', {
      wide: true,
    }),
    column('Message', 'A human-readable description of the status of this operation.'),
    column(
      'First Seen',
      'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
      { wide: true },
    ),
    column('Count', 'The number of times this event has occurred.', { wide: true }),
    { ...column('Name', 'Name of the event.', { wide: true }), format: 'name' },
  ],
  row: eventRow,
  fieldSelectors: {
    'involvedObject.kind': involved('kind'),
    'involvedObject.namespace': involved('namespace'),
    'involvedObject.name': involved('name'),
    'involvedObject.uid': involved('uid'),
    'involvedObject.apiVersion': involved('apiVersion'),
    'involvedObject.resourceVersion': involved('resourceVersion'),
    'involvedObject.fieldPath': involved('fieldPath'),
    reason: (o) => asEvent(o).reason ?? '',
    reportingComponent: (o) => asEvent(o).reportingComponent ?? '',
    source: (o) => asEvent(o).source?.component ?? asEvent(o).reportingComponent ?? '',
    type: (o) => asEvent(o).type ?? '',
  },
};
