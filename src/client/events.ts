/**
 * Recording core/v1 Events, the way controllers tell users what they did ("Scheduled",
 * "ScalingReplicaSet", "FailedScheduling"). Repeats of the same event for the same object within
 * ten minutes bump count and lastTimestamp instead of creating new objects, as client-go's
 * EventRecorder aggregates. Recording never fails the caller.
 */
import type { KObject } from '../api/object.js';
import type { Client, Clock } from './types.js';

export type EventKind = 'Normal' | 'Warning';

export interface EventRecorder {
  record(obj: KObject, type: EventKind, reason: string, message: string): void;
}

const aggregationWindowMs = 10 * 60 * 1000;

export class ApiEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, { name: string; namespace: string; count: number; at: number }>();

  constructor(
    private readonly client: Client,
    private readonly component: string,
    private readonly clock: Clock,
  ) {}

  record(obj: KObject, type: EventKind, reason: string, message: string): void {
    void this.write(obj, type, reason, message).catch(() => {});
  }

  private async write(obj: KObject, type: EventKind, reason: string, message: string): Promise<void> {
    const events = this.client.resource('', 'v1', 'events');
    const now = this.clock.now();
    const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
    const namespace = obj.metadata.namespace || 'default';
    const key = `${obj.metadata.uid}/${type}/${reason}/${message}`;
    const seen = this.recent.get(key);
    if (seen && now.getTime() - seen.at < aggregationWindowMs) {
      seen.count++;
      seen.at = now.getTime();
      await events.patch(seen.namespace, seen.name, 'merge', { count: seen.count, lastTimestamp: stamp });
      return;
    }
    const name = `${obj.metadata.name}.${now.getTime().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
    await events.create(namespace, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: stamp,
      lastTimestamp: stamp,
      count: 1,
    });
    if (this.recent.size > 10_000) this.recent.clear();
    this.recent.set(key, { name, namespace, count: 1, at: now.getTime() });
  }
}
