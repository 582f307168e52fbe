/**
 * In-process fan-out of committed changes to live watchers of the sqlite store.
 *
 * A watcher starts "catching up" (replaying the log) and becomes live in the same synchronous
 * step that reads the log up to the committed revision, so no commit can fall between replay and
 * live delivery: that is what makes the stream gap-free and duplicate-free.
 */
import type { WatchEvent, WatchHandlers } from '../store.js';

/** One registered watch. `lastRev` is the newest revision delivered (or replayed) to it. */
export interface HubWatcher {
  prefix: string;
  handlers: WatchHandlers;
  lastRev: number;
  closed: boolean;
}

/** Delivers committed events to live watchers whose prefix matches, each revision once. */
export class WatchHub {
  private readonly live = new Set<HubWatcher>();

  /** Starts live delivery to a watcher that has replayed history up to `lastRev`. */
  add(watcher: HubWatcher): void {
    if (!watcher.closed) this.live.add(watcher);
  }

  remove(watcher: HubWatcher): void {
    this.live.delete(watcher);
  }

  /** Publishes one committed batch (in revision order). */
  publish(events: WatchEvent[]): void {
    if (events.length === 0) return;
    for (const watcher of this.live) {
      const mine = events.filter(
        (e) => e.kv.modRevision > watcher.lastRev && e.kv.key.startsWith(watcher.prefix),
      );
      // Never backwards: a watch started from a list may be ahead of the batches still arriving.
      watcher.lastRev = Math.max(watcher.lastRev, events[events.length - 1].kv.modRevision);
      if (mine.length > 0) deliver(watcher, mine, () => this.remove(watcher));
    }
  }

  /** Ends every watch with the error (used on close). */
  failAll(err: Error): void {
    for (const watcher of this.live) {
      watcher.closed = true;
      watcher.handlers.onError(err);
    }
    this.live.clear();
  }
}

/**
 * Calls the watcher's handler; a throwing handler ends its own watch rather than the commit path
 * of every writer.
 */
export function deliver(watcher: HubWatcher, events: WatchEvent[], onFail: () => void): void {
  if (watcher.closed) return;
  try {
    watcher.handlers.onEvents(events);
  } catch (err) {
    watcher.closed = true;
    onFail();
    watcher.handlers.onError(err instanceof Error ? err : new Error(String(err)));
  }
}
