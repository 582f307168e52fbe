/**
 * When each node last showed signs of life, on this controller's own clock (as Kubernetes'
 * probeTimestamp): a heartbeat is any change of the Lease's renewTime or of the Ready
 * condition's lastHeartbeatTime. Comparing observations rather than the timestamps written by
 * agents keeps clock skew between machines out of the decision.
 */
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node } from 'kubernetes-types/core/v1.js';
import { readyCondition } from './node-state.js';

/** What changes when a node heartbeats. */
export function heartbeatSignature(node: Node, lease: Lease | undefined): string {
  return `${lease?.spec?.renewTime ?? ''}|${readyCondition(node)?.lastHeartbeatTime ?? ''}`;
}

export class HeartbeatTracker {
  private readonly seen = new Map<string, { signature: string; at: number }>();

  /** Records the node's current signature; a new one (or a first sighting) counts as a heartbeat. */
  observe(name: string, signature: string, now: Date): void {
    const prev = this.seen.get(name);
    if (!prev || prev.signature !== signature) this.seen.set(name, { signature, at: now.getTime() });
  }

  /** Milliseconds since the node's last heartbeat (0 for an unknown node). */
  silentFor(name: string, now: Date): number {
    const prev = this.seen.get(name);
    return prev ? now.getTime() - prev.at : 0;
  }

  forget(name: string): void {
    this.seen.delete(name);
  }
}
