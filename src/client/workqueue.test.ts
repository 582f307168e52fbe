import { describe, expect, it } from 'vitest';
import type { Clock } from './types.js';
import { WorkQueue } from './workqueue.js';

/** A clock whose timers fire only when the test advances it. */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void }> = [];
  const clock: Clock = {
    now: () => new Date(now),
    after(ms, fn) {
      const t = { at: now + ms, fn };
      timers.push(t);
      return () => timers.splice(timers.indexOf(t), 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { clock, advance };
}

describe('work queue', () => {
  it('hands out a key added twice only once', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
    expect(q.length).toBe(0);
  });

  it('requeues a key added while it is being processed, once it is done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
  });

  it('backs off failures exponentially and forgets on success', () => {
    const { clock, advance } = manualClock();
    const q = new WorkQueue(clock, { baseMs: 10, maxMs: 1000 });
    q.addRateLimited('a');
    q.addRateLimited('a');
    expect(q.retries('a')).toBe(2);
    advance(9);
    expect(q.length).toBe(0);
    advance(1);
    expect(q.length).toBe(1);
    q.forget('a');
    expect(q.retries('a')).toBe(0);
  });

  it('releases waiting workers when shut down', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
  });
});

describe('delayed adds', () => {
  it('keeps the earliest of two pending delays for one key', () => {
    let now = 0;
    const timers: Array<{ at: number; fn: () => void; cancelled?: boolean }> = [];
    const clock: Clock = {
      now: () => new Date(now),
      after(ms, fn) {
        const t = { at: now + ms, fn, cancelled: false };
        timers.push(t);
        return () => {
          t.cancelled = true;
        };
      },
    };
    const q = new WorkQueue(clock);
    q.addAfter('a', 1000);
    q.addAfter('a', 10);
    now = 10;
    for (const t of timers) if (!t.cancelled && t.at <= now) t.fn();
    expect(q.length).toBe(1);
  });
});
