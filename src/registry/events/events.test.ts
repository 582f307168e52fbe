import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { copy, create, messages, TEST_NOW, update } from '../apps/testkit.js';
import { eventStrategy as s } from './events.js';

function event(fields: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: 'web-1.17c0a', namespace: 'shop' },
    eventTime: '2024-05-01T11:59:00.000000Z',
    regarding: {
      kind: 'Pod',
      namespace: 'shop',
      name: 'web-1',
      uid: 'p1',
      apiVersion: 'v1',
      fieldPath: 'spec.containers{web}',
    },
    reason: 'Pulled',
    action: 'Pulling',
    note: 'Successfully pulled image "nginx:1.27" ',
    type: 'Normal',
    reportingController: 'skiff.dev/agent',
    reportingInstance: 'node-1',
    ...fields,
  };
}

describe('events.k8s.io events', () => {
  it('accepts a complete event', () => {
    expect(create(s, event()).errors).toEqual([]);
  });

  const invalid = [
    { name: 'eventTime is required', fields: { eventTime: undefined }, want: 'eventTime: Required value' },
    {
      name: 'the reporting controller is required',
      fields: { reportingController: '' },
      want: 'reportingController: Required value',
    },
    { name: 'the action is required', fields: { action: undefined }, want: 'action: Required value' },
    {
      name: 'type is Normal or Warning',
      fields: { type: 'Info' },
      want: 'type: Invalid value: "": has invalid value: Info',
    },
    {
      name: 'deprecated fields must stay unset',
      fields: { deprecatedCount: 3 },
      want: 'deprecatedCount: Invalid value: "": needs to be unset',
    },
    {
      name: 'a series counts at least two occurrences',
      fields: { series: { count: 1, lastObservedTime: '2024-05-01T11:59:30.000000Z' } },
      want: 'series.count: Invalid value: "": should be at least 2',
    },
    {
      name: 'an event outside default and kube-system names the namespace of what it regards',
      fields: { regarding: { kind: 'Node', name: 'node-1' } },
      want: 'regarding.namespace: Invalid value: "": does not match event.namespace',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, event(c.fields)).errors)).toContain(c.want);
    });
  }

  it('lets only the series change on update', () => {
    const old = create(s, event()).obj;
    const next = copy(old);
    next.series = { count: 2, lastObservedTime: '2024-05-01T11:59:40.000000Z' };
    expect(update(s, next, old)).toEqual([]);
    next.note = 'something else';
    expect(messages(update(s, next, old))).toEqual([
      'note: Invalid value: "something else": field is immutable',
    ]);
  });

  it('renders the columns kubectl shows, with Name last', () => {
    expect(s.columns?.map((c) => [c.name, c.priority])).toEqual([
      ['Last Seen', 0],
      ['Type', 0],
      ['Reason', 0],
      ['Object', 0],
      ['Subobject', 1],
      ['Source', 1],
      ['Message', 0],
      ['First Seen', 1],
      ['Count', 1],
      ['Name', 1],
    ]);
    expect(s.row?.(create(s, event()).obj, TEST_NOW)).toEqual([
      '60s',
      'Normal',
      'Pulled',
      'pod/web-1',
      'spec.containers{web}',
      'skiff.dev/agent, node-1',
      'Successfully pulled image "nginx:1.27"',
      '60s',
      1,
      'web-1.17c0a',
    ]);
    const repeated = create(
      s,
      event({ series: { count: 5, lastObservedTime: '2024-05-01T11:59:50.000000Z' } }),
    ).obj;
    expect(s.row?.(repeated, TEST_NOW).slice(0, 1)).toEqual(['10s']);
    expect(s.row?.(repeated, TEST_NOW)[8]).toBe(5);
  });

  it('selects on regarding.*, reason, type and reportingController', () => {
    const { obj } = create(s, event());
    const sel = s.fieldSelectors ?? {};
    expect(sel['regarding.kind'](obj)).toBe('Pod');
    expect(sel['regarding.name'](obj)).toBe('web-1');
    expect(sel.reason(obj)).toBe('Pulled');
    expect(sel.type(obj)).toBe('Normal');
    expect(sel.reportingController(obj)).toBe('skiff.dev/agent');
  });
});
