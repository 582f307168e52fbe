/**
 * An index from node name to the keys of the pods bound to it, kept by pod informer handlers, so
 * node-wide work (marking pods not ready, evicting under a taint) does not scan every pod.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import type { InformerHandlers } from '../../client/informer.js';
import { keyOf } from '../../client/types.js';

type PodObject = Pod & KObject;

export class PodsByNode {
  private readonly index = new Map<string, Set<string>>();

  /** The pod keys currently bound to a node. */
  on(nodeName: string): string[] {
    return [...(this.index.get(nodeName) ?? [])];
  }

  /** Informer handlers that keep the index; `then` also sees each changed pod. */
  handlers(then?: (pod: PodObject) => void): InformerHandlers<PodObject> {
    return {
      onAdd: (pod) => {
        this.put(pod);
        then?.(pod);
      },
      onUpdate: (old, pod) => {
        if (old.spec?.nodeName !== pod.spec?.nodeName) this.drop(old);
        this.put(pod);
        then?.(pod);
      },
      onDelete: (pod) => this.drop(pod),
    };
  }

  private put(pod: PodObject): void {
    const node = pod.spec?.nodeName;
    if (!node) return;
    let set = this.index.get(node);
    if (!set) {
      set = new Set();
      this.index.set(node, set);
    }
    set.add(keyOf(pod));
  }

  private drop(pod: PodObject): void {
    const node = pod.spec?.nodeName;
    const set = node ? this.index.get(node) : undefined;
    if (!set) return;
    set.delete(keyOf(pod));
    if (set.size === 0) this.index.delete(node!);
  }
}
