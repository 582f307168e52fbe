import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { controllerRevisionStrategy as s } from './controllerrevisions.js';
import { copy, create, messages, TEST_NOW, update } from './testkit.js';

const revision = (): KObject => ({
  apiVersion: 'apps/v1',
  kind: 'ControllerRevision',
  metadata: {
    name: 'agent-6d5f',
    namespace: 'default',
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', uid: 'u1', controller: true },
    ],
  },
  data: { spec: { template: { metadata: { labels: { app: 'agent' } } } } },
  revision: 1,
});

describe('controllerrevisions', () => {
  it('accepts a revision with data', () => {
    expect(create(s, revision()).errors).toEqual([]);
  });

  it('requires data and a non-negative revision', () => {
    const r = revision();
    r.data = undefined;
    r.revision = -2;
    expect(messages(create(s, r).errors)).toEqual([
      'revision: Invalid value: -2: must be greater than or equal to 0',
      'data: Required value: data is mandatory',
    ]);
  });

  it('keeps data immutable but lets history controllers renumber the revision', () => {
    const old = create(s, revision()).obj;
    const renumbered = copy(old);
    renumbered.revision = 4;
    expect(update(s, renumbered, old)).toEqual([]);
    const changed = copy(old);
    changed.data = { spec: {} };
    expect(messages(update(s, changed, old))).toEqual([
      'data: Invalid value: {"spec":{}}: field is immutable',
    ]);
  });

  it('names the controller as kind.group/name', () => {
    expect(s.row?.(create(s, revision()).obj, TEST_NOW)).toEqual([
      'agent-6d5f',
      'daemonset.apps/agent',
      1,
      '60m',
    ]);
    const orphan = revision();
    orphan.metadata.ownerReferences = [];
    expect(s.row?.(create(s, orphan).obj, TEST_NOW)[1]).toBe('<none>');
  });
});
