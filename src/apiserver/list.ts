/**
 * LIST: served from the watch cache, with label/field selectors and limit/continue paging.
 * A continue token pins the revision of the first page; later pages come from the cache while it
 * is still at that revision, and from a store snapshot otherwise (410 once compacted), so paging
 * is consistent as in Kubernetes.
 */
import { errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { Store } from '../storage/store.js';
import { StoreError } from '../storage/store.js';
import { type FieldSelector, type LabelSelector, matchesFields, matchesLabels } from './selectors.js';
import { namespacePrefix, type ServedResource } from './served-resource.js';
import { type CachedObject, decodeKV } from './watch-cache.js';

export interface ListQuery {
  namespace: string;
  labels: LabelSelector;
  fields: FieldSelector;
  limit?: number;
  continueToken?: string;
  /** Minimum revision the client has seen (resourceVersion=N). */
  minRevision?: number;
}

export interface ListPage {
  items: CachedObject[];
  revision: number;
  continueToken?: string;
  remainingItemCount?: number;
}

interface ContinueState {
  rv: number;
  start: string;
}

function encodeContinue(state: ContinueState): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', ...state })).toString('base64url');
}

function decodeContinue(token: string): ContinueState {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (typeof parsed.rv === 'number' && typeof parsed.start === 'string') return parsed;
  } catch {
    // fall through to the error below
  }
  throw errors.badRequest(
    'continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
  );
}

/** Field value extractor for a resource: generic metadata fields plus the strategy's. */
export function fieldGetter(res: ServedResource): (obj: KObject) => (field: string) => string {
  const custom = res.strategy.fieldSelectors ?? {};
  return (obj) => (field) => {
    if (field === 'metadata.name') return obj.metadata.name ?? '';
    if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
    return custom[field]?.(obj) ?? '';
  };
}

/** Refuses field selectors on fields the resource does not index, as Kubernetes does. */
export function checkFieldSelector(res: ServedResource, fields: FieldSelector): void {
  const custom = res.strategy.fieldSelectors ?? {};
  for (const f of fields) {
    if (f.field !== 'metadata.name' && f.field !== 'metadata.namespace' && !(f.field in custom)) {
      throw errors.badRequest(`field label not supported: ${f.field}`);
    }
  }
}

export function makeMatcher(
  res: ServedResource,
  q: Pick<ListQuery, 'labels' | 'fields'>,
): (obj: KObject) => boolean {
  if (q.labels.length === 0 && q.fields.length === 0) return () => true;
  const getter = fieldGetter(res);
  return (obj) => matchesLabels(q.labels, obj.metadata.labels) && matchesFields(q.fields, getter(obj));
}

/** Runs a LIST. */
export async function listResource(store: Store, res: ServedResource, q: ListQuery): Promise<ListPage> {
  const match = makeMatcher(res, q);
  const prefix = namespacePrefix(res, q.namespace);
  if (q.minRevision && q.minRevision > res.cache.revision) await res.cache.waitFor(q.minRevision);
  let start = '';
  let revision = res.cache.revision;
  if (q.continueToken) {
    const state = decodeContinue(q.continueToken);
    start = state.start;
    if (state.rv !== res.cache.revision) return listFromStore(store, prefix, state, match, q.limit);
    revision = state.rv;
  }
  const all = res.cache.listPrefix(prefix);
  const items: CachedObject[] = [];
  let i = start ? lowerBound(all, start) : 0;
  for (; i < all.length; i++) {
    if (!match(all[i].obj)) continue;
    if (q.limit && items.length === q.limit) break;
    items.push(all[i]);
  }
  const page: ListPage = { items, revision };
  if (q.limit && i < all.length && items.length > 0) {
    page.continueToken = encodeContinue({ rv: revision, start: items[items.length - 1].key });
    if (q.labels.length === 0 && q.fields.length === 0) page.remainingItemCount = all.length - i;
  }
  return page;
}

/** Index of the first object whose key is > key. */
function lowerBound(items: CachedObject[], key: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].key <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function listFromStore(
  store: Store,
  prefix: string,
  state: ContinueState,
  match: (obj: KObject) => boolean,
  limit?: number,
): Promise<ListPage> {
  const items: CachedObject[] = [];
  let startAfter = state.start;
  const pageSize = Math.max(limit ?? 500, 100);
  for (;;) {
    let result: Awaited<ReturnType<Store['list']>>;
    try {
      result = await store.list(prefix, { limit: pageSize, startAfter, revision: state.rv });
    } catch (err) {
      if (err instanceof StoreError && err.code === 'Gone') {
        throw errors.gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      throw err;
    }
    for (const kv of result.items) {
      const cached = decodeKV(kv);
      if (!match(cached.obj)) continue;
      if (limit && items.length === limit) {
        return {
          items,
          revision: state.rv,
          continueToken: encodeContinue({ rv: state.rv, start: items[items.length - 1].key }),
        };
      }
      items.push(cached);
    }
    if (!result.more) return { items, revision: state.rv };
    startAfter = result.items[result.items.length - 1].key;
  }
}
