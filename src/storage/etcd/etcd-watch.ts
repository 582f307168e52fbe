/**
 * A Store watch on an etcd watch stream. The etcd3 client already resumes a broken stream from
 * the last revision it saw, so reconnects lose nothing; this module adds the Store's contract on
 * top: the Gone check for a compacted start, prevKv on every event, and one terminal error.
 */
import type { Etcd3, IWatchResponse, Watcher } from 'etcd3';
import { StoreError, type Watch, type WatchEvent, type WatchHandlers } from '../store.js';
import { isCompacted, type KeySpace, toStoreError } from './codec.js';

/** Converts one etcd watch response into Store events (already in revision order). */
function toEvents(keys: KeySpace, res: IWatchResponse): WatchEvent[] {
  return res.events.map((ev) => {
    const prevKv = ev.prev_kv ? keys.toKV(ev.prev_kv) : undefined;
    if (ev.type === 'Delete') {
      // etcd's tombstone has no value or create revision: the Store reports the last ones.
      const kv = {
        key: keys.decode(ev.kv.key),
        value: prevKv?.value ?? '',
        createRevision: prevKv?.createRevision ?? 0,
        modRevision: Number(ev.kv.mod_revision),
      };
      return prevKv ? { type: 'delete', kv, prevKv } : { type: 'delete', kv };
    }
    const kv = keys.toKV(ev.kv);
    return prevKv ? { type: 'put', kv, prevKv } : { type: 'put', kv };
  });
}

/**
 * Fails with Gone when afterRevision is below etcd's compacted revision. etcd itself accepts a
 * watch that starts exactly at the compacted revision, but the events between afterRevision and it
 * are gone, so the Store refuses earlier: a read at afterRevision fails exactly then.
 */
async function checkNotCompacted(client: Etcd3, keys: KeySpace, afterRevision: number): Promise<void> {
  try {
    await client.kv.range({ key: keys.encode(''), revision: Math.max(afterRevision, 1), count_only: true });
  } catch (err) {
    if (isCompacted(err)) {
      throw new StoreError('Gone', `revision ${afterRevision} has been compacted`);
    }
    throw toStoreError(err);
  }
}

/** Opens a Store watch on etcd; handlers run as etcd delivers each response. */
export function watchEtcd(
  client: Etcd3,
  keys: KeySpace,
  prefix: string,
  afterRevision: number,
  handlers: WatchHandlers,
  onClose: (watch: Watch) => void,
): Watch & { fail(err: Error): void } {
  let closed = false;
  let watcher: Watcher | undefined;
  let lastRevision = afterRevision;
  const stop = () => {
    if (closed) return false;
    closed = true;
    onClose(watch);
    watcher?.cancel().catch(() => {});
    return true;
  };
  const fail = (err: Error) => {
    if (stop()) handlers.onError(err);
  };
  const onWatcherError = (err: Error) => {
    // A server-side cancel does not say why; compaction past our position is the usual reason.
    checkNotCompacted(client, keys, lastRevision).then(
      () => fail(toStoreError(err)),
      (checkErr: Error) => fail(checkErr),
    );
  };
  const start = async () => {
    await checkNotCompacted(client, keys, afterRevision);
    if (closed) return;
    const created = await client
      .watch()
      .inRange({ start: keys.encode(prefix), end: keys.rangeEnd(prefix) })
      .withPreviousKV()
      .startRevision(String(afterRevision + 1))
      .create();
    watcher = created;
    if (closed) {
      created.cancel().catch(() => {});
      return;
    }
    created.on('data', (res: IWatchResponse) => {
      if (closed || res.events.length === 0) return;
      const events = toEvents(keys, res).filter((e) => e.kv.modRevision > lastRevision);
      if (events.length === 0) return;
      lastRevision = events[events.length - 1].kv.modRevision;
      try {
        handlers.onEvents(events);
      } catch (err) {
        fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    created.on('error', onWatcherError);
  };
  const watch = { close: () => void stop(), fail };
  start().catch((err: unknown) => fail(toStoreError(err)));
  return watch;
}
