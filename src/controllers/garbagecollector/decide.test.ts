/** Table tests of the collector's decisions and of the owner graph's bookkeeping. */
import { describe, expect, it } from 'vitest';
import { decideDependent, decideOwner, type OwnerState, ownerStateOf } from './decide.js';
import { type GraphNode, OwnerGraph } from './graph.js';
import { resourceForRef } from './resources.js';

const rs = resourceForRef('apps/v1', 'ReplicaSet')!;
const pod = resourceForRef('v1', 'Pod')!;

/** A fluent graph-node builder. */
function node(uid: string) {
  const n: GraphNode = {
    uid,
    resource: pod,
    namespace: 'default',
    name: uid,
    owners: [],
    deleting: false,
    finalizers: [],
  };
  const b = {
    kind(r: typeof rs) {
      n.resource = r;
      return b;
    },
    ns(ns: string) {
      n.namespace = ns;
      return b;
    },
    ownedBy(owner: string, block = false) {
      n.owners.push({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: owner,
        uid: owner,
        blockOwnerDeletion: block,
      });
      return b;
    },
    deleting(...finalizers: string[]) {
      n.deleting = true;
      n.finalizers = finalizers;
      return b;
    },
    finalizers(...f: string[]) {
      n.finalizers = f;
      return b;
    },
    build: () => n,
  };
  return b;
}

const states = (s: Record<string, OwnerState>) => new Map(Object.entries(s));

describe('decideDependent', () => {
  const cases = [
    {
      name: 'an object whose owner exists stays',
      node: node('p').ownedBy('a'),
      states: { a: 'solid' },
      want: { type: 'none' },
    },
    {
      name: 'an object whose only owner is gone is deleted in the background',
      node: node('p').ownedBy('a'),
      states: { a: 'dangling' },
      want: { type: 'delete', propagation: 'Background' },
    },
    {
      name: 'an object with one living owner only loses the reference to the gone one',
      node: node('p').ownedBy('a').ownedBy('b'),
      states: { a: 'dangling', b: 'solid' },
      want: { type: 'removeOwnerRefs', uids: ['a'] },
    },
    {
      name: 'an object with a living owner releases a foreground-deleting one',
      node: node('p').ownedBy('a').ownedBy('b'),
      states: { a: 'waiting', b: 'solid' },
      want: { type: 'removeOwnerRefs', uids: ['a'] },
    },
    {
      name: 'an object of a foreground-deleting owner, with dependents of its own, goes in the foreground',
      node: node('p').ownedBy('a'),
      states: { a: 'waiting' },
      hasDependents: true,
      want: { type: 'delete', propagation: 'Foreground' },
    },
    {
      name: 'an object of a foreground-deleting owner, without dependents, goes in the background',
      node: node('p').ownedBy('a'),
      states: { a: 'waiting' },
      want: { type: 'delete', propagation: 'Background' },
    },
    {
      name: 'an orphaned object keeps the propagation its own finalizer asks for',
      node: node('p').ownedBy('a').finalizers('orphan'),
      states: { a: 'dangling' },
      want: { type: 'delete', propagation: 'Orphan' },
    },
    {
      name: 'an object already being deleted is left alone',
      node: node('p').ownedBy('a').deleting('x'),
      states: { a: 'dangling' },
      want: { type: 'none' },
    },
  ] as const;
  for (const c of cases) {
    it(c.name, () => {
      expect(
        decideDependent(c.node.build(), states(c.states), 'hasDependents' in c && c.hasDependents),
      ).toEqual(c.want);
    });
  }
});

describe('decideOwner', () => {
  it('an owner not being deleted needs nothing', () => {
    expect(decideOwner(node('a').build(), [node('p').ownedBy('a').build()])).toEqual({ type: 'none' });
  });
  it('an orphaning owner releases its dependents first, then drops its finalizer', () => {
    const owner = node('a').deleting('orphan').build();
    const dep = node('p').ownedBy('a').build();
    expect(decideOwner(owner, [dep])).toEqual({ type: 'orphanDependents', dependents: [dep] });
    expect(decideOwner(owner, [])).toEqual({ type: 'removeFinalizer', finalizer: 'orphan' });
  });
  it('a foreground owner waits while a blocking dependent exists', () => {
    const owner = node('a').deleting('foregroundDeletion').build();
    const blocking = node('p').ownedBy('a', true).build();
    const terminating = node('q').ownedBy('a', true).deleting('x').build();
    expect(decideOwner(owner, [blocking, terminating])).toEqual({
      type: 'processDependents',
      dependents: [blocking],
    });
    expect(decideOwner(owner, [terminating])).toEqual({ type: 'processDependents', dependents: [] });
  });
  it('a foreground owner with only non-blocking dependents lets go', () => {
    const owner = node('a').deleting('foregroundDeletion').build();
    expect(decideOwner(owner, [node('p').ownedBy('a').build()])).toEqual({
      type: 'removeFinalizer',
      finalizer: 'foregroundDeletion',
    });
  });
  it('an owner deleting with other finalizers only is not the collector’s business', () => {
    expect(decideOwner(node('a').deleting('example.com/x').build(), [])).toEqual({ type: 'none' });
  });
});

describe('ownerStateOf', () => {
  const dep = node('p').ns('default').build();
  const cases: Array<{ name: string; owner: GraphNode; want: OwnerState }> = [
    {
      name: 'a living owner in the same namespace is solid',
      owner: node('a').kind(rs).build(),
      want: 'solid',
    },
    {
      name: 'an owner in another namespace counts as absent',
      owner: node('a').kind(rs).ns('other').build(),
      want: 'dangling',
    },
    {
      name: 'a foreground-deleting owner is waiting',
      owner: node('a').kind(rs).deleting('foregroundDeletion').build(),
      want: 'waiting',
    },
    {
      name: 'an orphaning owner is still solid',
      owner: node('a').kind(rs).deleting('orphan').build(),
      want: 'solid',
    },
  ];
  for (const c of cases) it(c.name, () => expect(ownerStateOf(dep, c.owner)).toBe(c.want));
});

describe('OwnerGraph', () => {
  it('indexes dependents by owner uid and reports released owners', () => {
    const g = new OwnerGraph();
    g.upsert(node('p').ownedBy('a').ownedBy('b').build());
    expect(g.dependentsOf('a').map((n) => n.uid)).toEqual(['p']);
    expect(g.upsert(node('p').ownedBy('b').build())).toEqual(['a']);
    expect(g.dependentsOf('a')).toEqual([]);
    g.remove('p');
    expect(g.dependentsOf('b')).toEqual([]);
    expect(g.size).toBe(0);
  });
});
