/**
 * The garbage collector's picture of the cluster: every watched object by uid, with its owner
 * references, and the reverse index from an owner's uid to its dependents. Informer events keep
 * it current; decisions read it. Owners referenced but never seen are simply absent here and are
 * confirmed against the API before anything is deleted on their account.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KObject } from '../../api/object.js';
import type { GcResource } from './resources.js';

/** What the collector keeps of one object. */
export interface GraphNode {
  uid: string;
  resource: GcResource;
  namespace: string;
  name: string;
  owners: OwnerReference[];
  /** deletionTimestamp is set. */
  deleting: boolean;
  finalizers: string[];
}

/** Builds the node for an object of a watched resource. */
export function nodeOf(obj: KObject, resource: GcResource): GraphNode {
  const meta = obj.metadata;
  return {
    uid: meta.uid ?? '',
    resource,
    namespace: meta.namespace ?? '',
    name: meta.name ?? '',
    owners: (meta.ownerReferences ?? []) as OwnerReference[],
    deleting: !!meta.deletionTimestamp,
    finalizers: meta.finalizers ?? [],
  };
}

/** uid → object, and owner uid → dependents' uids. */
export class OwnerGraph {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly dependents = new Map<string, Set<string>>();

  get size(): number {
    return this.nodes.size;
  }

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  /** Inserts or replaces a node; returns the owner uids it no longer references. */
  upsert(node: GraphNode): string[] {
    const old = this.nodes.get(node.uid);
    const before = new Set((old?.owners ?? []).map((o) => o.uid));
    const after = new Set(node.owners.map((o) => o.uid));
    for (const uid of before) if (!after.has(uid)) this.unlink(uid, node.uid);
    for (const uid of after) this.link(uid, node.uid);
    this.nodes.set(node.uid, node);
    return [...before].filter((uid) => !after.has(uid));
  }

  /** Removes a node (its dependents stay, now pointing at a missing owner). */
  remove(uid: string): GraphNode | undefined {
    const node = this.nodes.get(uid);
    if (!node) return undefined;
    for (const o of node.owners) this.unlink(o.uid, uid);
    this.nodes.delete(uid);
    return node;
  }

  /** The known dependents of an owner, whether or not the owner itself is known. */
  dependentsOf(ownerUid: string): GraphNode[] {
    const out: GraphNode[] = [];
    for (const uid of this.dependents.get(ownerUid) ?? []) {
      const n = this.nodes.get(uid);
      if (n) out.push(n);
    }
    return out;
  }

  private link(owner: string, dependent: string): void {
    let set = this.dependents.get(owner);
    if (!set) {
      set = new Set();
      this.dependents.set(owner, set);
    }
    set.add(dependent);
  }

  private unlink(owner: string, dependent: string): void {
    const set = this.dependents.get(owner);
    if (!set) return;
    set.delete(dependent);
    if (set.size === 0) this.dependents.delete(owner);
  }
}
