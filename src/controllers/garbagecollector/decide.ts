/**
 * The garbage collector's decisions, as pure functions over graph nodes (Kubernetes'
 * attemptToDeleteItem and processDeletingDependentsItem). An owner is "solid" when it exists and
 * is not waiting on its dependents, "dangling" when it is gone (or its uid now names another
 * object), "waiting" when it is being deleted in the foreground.
 */
import type { DeleteOptions } from '../../client/types.js';
import type { GraphNode } from './graph.js';

export const foregroundFinalizer = 'foregroundDeletion';
export const orphanFinalizer = 'orphan';

export type OwnerState = 'solid' | 'dangling' | 'waiting';
export type Propagation = NonNullable<DeleteOptions['propagationPolicy']>;

/** What to do with an object that has owner references. */
export type DependentAction =
  | { type: 'none' }
  | { type: 'removeOwnerRefs'; uids: string[] }
  | { type: 'delete'; propagation: Propagation };

/** What to do with an owner being deleted with a propagation finalizer. */
export type OwnerAction =
  | { type: 'none' }
  | { type: 'orphanDependents'; dependents: GraphNode[] }
  | { type: 'processDependents'; dependents: GraphNode[] }
  | { type: 'removeFinalizer'; finalizer: string };

/** The state of an owner that the graph knows, seen from one of its dependents. */
export function ownerStateOf(dependent: GraphNode, owner: GraphNode): OwnerState {
  // A namespaced owner can only own objects in its own namespace; anything else is invalid and,
  // as in Kubernetes, counts as absent.
  if (owner.resource.namespaced && owner.namespace !== dependent.namespace) return 'dangling';
  if (owner.deleting && owner.finalizers.includes(foregroundFinalizer)) return 'waiting';
  return 'solid';
}

/**
 * The decision for a dependent given the state of each owner (by uid). Objects with a living
 * owner lose only the references to gone or foreground-deleting owners; objects whose owners
 * are all gone or waiting are deleted, in the foreground when a waiting owner must wait for
 * this object's own dependents too.
 */
export function decideDependent(
  node: GraphNode,
  states: ReadonlyMap<string, OwnerState>,
  hasDependents: boolean,
): DependentAction {
  if (node.deleting || node.owners.length === 0) return { type: 'none' };
  const of = (s: OwnerState) => node.owners.filter((o) => states.get(o.uid) === s).map((o) => o.uid);
  const solid = of('solid');
  const dangling = of('dangling');
  const waiting = of('waiting');
  if (dangling.length === 0 && waiting.length === 0) return { type: 'none' };
  if (solid.length > 0) return { type: 'removeOwnerRefs', uids: [...dangling, ...waiting] };
  if (waiting.length > 0 && hasDependents) return { type: 'delete', propagation: 'Foreground' };
  return { type: 'delete', propagation: ownPropagation(node) };
}

/** An object deleted by the collector keeps the propagation its own finalizers ask for. */
function ownPropagation(node: GraphNode): Propagation {
  if (node.finalizers.includes(orphanFinalizer)) return 'Orphan';
  if (node.finalizers.includes(foregroundFinalizer)) return 'Foreground';
  return 'Background';
}

/**
 * The decision for an owner being deleted. Orphaning comes first (as Kubernetes checks the orphan
 * finalizer first); foreground deletion waits until no dependent that blocks owner deletion is
 * left, then lets the owner go.
 */
export function decideOwner(owner: GraphNode, dependents: GraphNode[]): OwnerAction {
  if (!owner.deleting) return { type: 'none' };
  if (owner.finalizers.includes(orphanFinalizer)) {
    if (dependents.length > 0) return { type: 'orphanDependents', dependents };
    return { type: 'removeFinalizer', finalizer: orphanFinalizer };
  }
  if (!owner.finalizers.includes(foregroundFinalizer)) return { type: 'none' };
  const blocking = dependents.filter((d) =>
    d.owners.some((o) => o.uid === owner.uid && o.blockOwnerDeletion === true),
  );
  if (blocking.length === 0) {
    // Non-blocking dependents are still collected: once the owner is gone they dangle.
    return { type: 'removeFinalizer', finalizer: foregroundFinalizer };
  }
  return { type: 'processDependents', dependents: dependents.filter((d) => !d.deleting) };
}
