/**
 * Test helpers for the agent: a manual clock (DESIGN.md convention 8: inject the clock, so timing
 * is tested without sleeping) and fluent pod fixtures for planner tables.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../client/types.js';

/** A Clock that moves only when told to; timers fire in due order during advance(). */
export class ManualClock implements Clock {
  private current: number;
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;

  constructor(start = Date.parse('2025-01-01T00:00:00Z')) {
    this.current = start;
  }

  now(): Date {
    return new Date(this.current);
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.current + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by ms, running every timer that comes due (in order) on the way. */
  advance(ms: number): void {
    const end = this.current + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.current = next.at;
      next.fn();
    }
    this.current = end;
  }

  /** Timers still waiting. */
  get pending(): number {
    return this.timers.length;
  }
}

/** Builds pods for tests: pod('web').on('n1').restart('Never').build(). */
export class PodBuilder {
  private readonly p: Pod;

  constructor(name: string) {
    this.p = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1', annotations: {} },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], restartPolicy: 'Always' },
      status: { phase: 'Pending', qosClass: 'BestEffort' },
    };
  }

  on(node: string): this {
    this.p.spec!.nodeName = node;
    return this;
  }

  uid(uid: string): this {
    (this.p.metadata as { uid?: string }).uid = uid;
    return this;
  }

  restart(policy: 'Always' | 'OnFailure' | 'Never'): this {
    this.p.spec!.restartPolicy = policy;
    return this;
  }

  containers(...names: string[]): this {
    this.p.spec!.containers = names.map((name): Container => ({ name, image: `${name}:1` }));
    return this;
  }

  initContainers(...names: string[]): this {
    this.p.spec!.initContainers = names.map((name): Container => ({ name, image: `${name}:1` }));
    return this;
  }

  annotate(key: string, value: string): this {
    this.p.metadata!.annotations![key] = value;
    return this;
  }

  deleting(at = '2025-01-01T00:00:30Z', grace = 30): this {
    const meta = this.p.metadata as { deletionTimestamp?: string; deletionGracePeriodSeconds?: number };
    meta.deletionTimestamp = at;
    meta.deletionGracePeriodSeconds = grace;
    return this;
  }

  phase(phase: string): this {
    this.p.status!.phase = phase;
    return this;
  }

  build(): Pod {
    return structuredClone(this.p);
  }
}

export const pod = (name: string) => new PodBuilder(name);
