/**
 * WATCH: a chunked stream of newline-delimited JSON events served from the watch cache.
 * resourceVersion semantics as Kubernetes: unset or "0" start with synthetic ADDED events for
 * what exists; N replays everything after N (410 Expired when too old); sendInitialEvents=true
 * streams the current state and then a BOOKMARK annotated k8s.io/initial-events-end.
 */

import { ApiError, errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { Response } from './http.js';
import { namespacePrefix, type ServedResource, viewOf } from './served-resource.js';
import { columnsOf, type IncludeObject, partialMetadata, type ResponseShape, tableRow } from './table.js';
import { type CachedObject, type CacheEvent, filteredEventType } from './watch-cache.js';

export interface WatchQuery {
  namespace: string;
  match: (obj: KObject) => boolean;
  /** undefined for unset/"0"; a number for an explicit revision. */
  afterRevision?: number;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  timeoutSeconds: number;
  shape: ResponseShape;
  includeObject: IncludeObject;
  now: () => Date;
}

/** Interval between bookmarks on idle watches: keeps clients' resourceVersions fresh. */
const bookmarkIntervalMs = 30_000;

/** Starts a watch; the response stays open until timeout, client disconnect or a cache failure. */
export function serveWatch(res: Response, served: ServedResource, q: WatchQuery): void {
  const prefix = namespacePrefix(served, q.namespace);
  const cache = served.cache;
  let firstTable = true;

  const encodeObject = (stored: CachedObject): string => {
    const o = viewOf(served, stored);
    const obj = o.obj;
    if (q.shape === 'table') {
      const table = {
        kind: 'Table',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: obj.metadata.resourceVersion },
        columnDefinitions: firstTable ? columnsOf(served.strategy).map((c) => ({ format: '', ...c })) : [],
        rows: [tableRow(served.strategy, obj, q.includeObject, q.now())],
      };
      firstTable = false;
      return JSON.stringify(table);
    }
    if (q.shape === 'partial-metadata') return JSON.stringify(partialMetadata(obj));
    return o.json;
  };

  const lines: string[] = [];
  let scheduled = false;
  let closed = false;
  // Events are written in batches per tick: one write per burst instead of one per event.
  const flush = () => {
    scheduled = false;
    if (closed || lines.length === 0) return;
    (res as NodeJS.WritableStream).write(lines.join(''));
    lines.length = 0;
  };
  const send = (type: string, payload: string) => {
    lines.push(`{"type":"${type}","object":${payload}}\n`);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const bookmark = (revision: number, initialEnd = false) => {
    const meta: Record<string, unknown> = { resourceVersion: String(revision) };
    if (initialEnd) meta.annotations = { 'k8s.io/initial-events-end': 'true' };
    send(
      'BOOKMARK',
      JSON.stringify({ kind: served.strategy.kind, apiVersion: served.apiVersion, metadata: meta }),
    );
  };

  const push = (event: CacheEvent) => {
    if (!event.object.key.startsWith(prefix)) return;
    const type = filteredEventType(event, q.match);
    if (type) send(type, encodeObject(event.object));
    lastRevision = event.revision;
  };

  let lastRevision = cache.revision;
  let unsubscribe: (() => void) | undefined;
  const end = (err?: ApiError) => {
    if (closed) return;
    if (err) send('ERROR', JSON.stringify(err.toStatus()));
    flush();
    closed = true;
    clearTimeout(timeout);
    clearInterval(bookmarks);
    unsubscribe?.();
    res.end();
  };

  res.writeHead(200, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
  });
  const timeout = setTimeout(() => end(), q.timeoutSeconds * 1000);
  const bookmarks = setInterval(() => {
    if (q.allowBookmarks) bookmark(lastRevision);
  }, bookmarkIntervalMs);
  // The response's close fires when the client goes away (the request's fires once it is read).
  res.on('close', () => end());

  const watcher = {
    push,
    fail: (err: Error) => end(err instanceof ApiError ? err : errors.internal(err.message)),
  };
  try {
    if (q.afterRevision === undefined || q.sendInitialEvents) {
      const start = cache.revision;
      for (const item of cache.listPrefix(prefix)) if (q.match(item.obj)) send('ADDED', encodeObject(item));
      lastRevision = start;
      if (q.sendInitialEvents) bookmark(start, true);
      unsubscribe = cache.watch(start, watcher);
    } else {
      unsubscribe = cache.watch(q.afterRevision, watcher);
    }
  } catch (err) {
    end(err instanceof ApiError ? err : errors.internal((err as Error).message));
  }
  // Headers go out now, before any event: clients wait for the response to start watching.
  (res as { flushHeaders?: () => void }).flushHeaders?.();
  flush();
}
