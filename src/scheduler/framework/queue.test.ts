import { describe, expect, it } from 'vitest';
import { PodInfo } from './pod-info.js';
import { SchedulingQueue } from './queue.js';
import { ManualClock, pod } from './testing.js';

const info = (name: string, priority = 0) => new PodInfo(pod(name).priority(priority).build());

describe('scheduling queue', () => {
  it('pops higher priority first, then the pod that queued first', () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue(clock);
    q.add(info('low-old', 0));
    clock.advance(10);
    q.add(info('high', 100));
    q.add(info('low-new', 0));
    expect([q.tryPop(), q.tryPop(), q.tryPop()].map((x) => x?.info.name)).toEqual([
      'high',
      'low-old',
      'low-new',
    ]);
  });

  it('an unschedulable pod waits for a cluster event, then backs off before retrying', () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue(clock);
    q.add(info('p'));
    const qp = q.tryPop()!;
    q.requeue(qp, true);
    expect(q.whereIs('default/p')).toBe('unschedulable');
    q.moveAllUnschedulable();
    expect(q.whereIs('default/p')).toBe('backoff');
    clock.advance(1000);
    expect(q.whereIs('default/p')).toBe('active');
    expect(q.tryPop()?.info.name).toBe('p');
  });

  it('doubles the backoff per attempt up to 10 s', () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue(clock);
    q.add(info('p'));
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const qp = q.tryPop()!;
      waits.push(q.backoffExpiry(qp) - clock.now().getTime());
      q.requeue(qp, false);
      clock.advance(waits[i]);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('flushes pods that waited in unschedulableQ for 60 s', () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue(clock);
    q.add(info('p'));
    q.requeue(q.tryPop()!, true);
    clock.advance(59_000);
    q.flushUnschedulableLeftover();
    expect(q.whereIs('default/p')).toBe('unschedulable');
    clock.advance(1000);
    q.flushUnschedulableLeftover();
    expect(q.whereIs('default/p')).toBe('active');
  });

  it("a pod's own spec update moves it out of unschedulableQ; a status-only update does not", () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue(clock);
    q.add(info('p'));
    q.requeue(q.tryPop()!, true);
    clock.advance(5000);
    q.update(info('p'), false);
    expect(q.whereIs('default/p')).toBe('unschedulable');
    q.update(info('p'), true);
    expect(q.whereIs('default/p')).toBe('active');
  });

  it('an event during the attempt sends the failed pod to backoff instead of waiting', () => {
    const clock = new ManualClock();
    const q = new SchedulingQueue(clock);
    q.add(info('p'));
    const qp = q.tryPop()!;
    q.moveAllUnschedulable();
    q.requeue(qp, true);
    expect(q.whereIs('default/p')).toBe('backoff');
  });

  it('pop waits for a pod and close releases waiters', async () => {
    const q = new SchedulingQueue(new ManualClock());
    const waiting = q.pop();
    q.add(info('p'));
    expect((await waiting)?.info.name).toBe('p');
    const idle = q.pop();
    q.close();
    expect(await idle).toBeUndefined();
  });
});
