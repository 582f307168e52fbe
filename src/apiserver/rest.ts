/**
 * REST verbs on a resource: get, list, watch, create, update, patch, delete, deletecollection,
 * and the status and scale subresources. Decoding, field validation and response shaping
 * (object, Table, PartialObjectMetadata) happen here; the write rules live in ResourceStore.
 */

import { cloneJSON } from '../api/clone.js';
import { ApiError, errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { RequestUser } from '../registry/types.js';
import { type Call, type CallContext, dryRun, readObject, readPatch, sendObject } from './call.js';
import { checkPatched, fieldValidationMode, warningHeaders } from './field-checks.js';
import {
  decodeBody,
  mediaType,
  queryFlag,
  queryInt,
  type Request,
  type Response,
  readBody,
  sendJSON,
} from './http.js';
import { checkFieldSelector, listResource, makeMatcher } from './list.js';
import { patchObject } from './patching.js';
import type { RequestInfo } from './request-info.js';
import { parseFieldSelector, parseLabelSelector } from './selectors.js';
import { type ServedResource, toStorageVersion, viewOf } from './served-resource.js';
import { handleSubresource } from './subresources.js';
import { negotiate, parseIncludeObject, partialMetadata, toTable } from './table.js';
import { serveWatch } from './watch.js';
import { bytesOf } from './watch-cache.js';

/** Entry point for one resource request; throws ApiError for the caller to turn into a Status. */
export async function handleResource(
  req: Request,
  res: Response,
  info: RequestInfo,
  params: URLSearchParams,
  served: ServedResource,
  ctx: CallContext,
  user?: RequestUser,
): Promise<void> {
  const shape = negotiate(req.headers.accept);
  if (!shape)
    throw errors.notAcceptable(
      'only the following media types are accepted: application/json, application/yaml',
    );
  const call: Call = {
    req,
    res,
    info,
    params,
    served,
    rs: ctx.storeFor(served.view?.storage ?? served),
    shape,
    ctx,
    user,
  };
  if (info.subresource) return handleSubresource(call);
  switch (info.verb) {
    case 'get':
      return get(call);
    case 'list':
      return list(call);
    case 'watch':
      return watch(call);
    case 'create':
      return create(call);
    case 'update':
      return update(call);
    case 'patch':
      return patch(call);
    case 'delete':
      return remove(call);
    case 'deletecollection':
      return removeCollection(call);
    default:
      throw errors.methodNotAllowed(info.verb);
  }
}

async function get(call: Call): Promise<void> {
  const { info, served } = call;
  const cached = served.cache.get(call.rs.key(info.namespace, info.name));
  if (cached) return sendObject(call, 200, cached);
  // Not in the cache: it may have just been written elsewhere; the store is the authority.
  return sendObject(call, 200, await call.rs.getLatest(info.namespace, info.name));
}

function parseRevision(value: string | null): number | undefined {
  if (value === null || value === '' || value === '0') return undefined;
  if (!/^\d+$/.test(value)) throw errors.badRequest(`invalid resource version: ${value}`);
  return Number(value);
}

function selectors(call: Call) {
  const labels = parseLabelSelector(call.params.get('labelSelector'));
  const fields = parseFieldSelector(call.params.get('fieldSelector'));
  checkFieldSelector(call.served, fields);
  return { labels, fields };
}

const comma = Buffer.from(',');
const listEnd = Buffer.from(']}');

async function list(call: Call): Promise<void> {
  const { info, served, params } = call;
  const { labels, fields } = selectors(call);
  const limit = queryInt(params, 'limit');
  if (limit !== undefined && limit < 0) throw errors.badRequest('limit must be non-negative');
  queryInt(params, 'timeoutSeconds');
  checkResourceVersionMatch(params);
  const page = await listResource(call.ctx.store, served, {
    namespace: info.namespace,
    labels,
    fields,
    limit: limit || undefined,
    continueToken: params.get('continue') || undefined,
    minRevision: parseRevision(params.get('resourceVersion')),
  });
  page.items = page.items.map((i) => viewOf(served, i));
  const listMeta: Record<string, unknown> = { resourceVersion: String(page.revision) };
  if (page.continueToken) listMeta.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) listMeta.remainingItemCount = page.remainingItemCount;
  if (call.shape === 'table') {
    const include = parseIncludeObject(params.get('includeObject'));
    const table = toTable(
      served.strategy,
      page.items.map((i) => i.obj),
      listMeta,
      include,
      call.ctx.now(),
    );
    return sendJSON(call.res, 200, table);
  }
  if (call.shape === 'partial-metadata') {
    return sendJSON(call.res, 200, {
      kind: 'PartialObjectMetadataList',
      apiVersion: 'meta.k8s.io/v1',
      metadata: listMeta,
      items: page.items.map((i) => partialMetadata(i.obj)),
    });
  }
  const head = JSON.stringify({
    kind: `${served.strategy.kind}List`,
    apiVersion: served.apiVersion,
    metadata: listMeta,
  });
  // Splice each item's cached bytes in: no serialization and no string building per LIST.
  const parts: Buffer[] = [Buffer.from(`${head.slice(0, -1)},"items":[`)];
  page.items.forEach((item, i) => {
    if (i > 0) parts.push(comma);
    parts.push(bytesOf(item));
  });
  parts.push(listEnd);
  sendJSON(call.res, 200, Buffer.concat(parts));
}

function watch(call: Call): void {
  const { info, served, params } = call;
  const { labels, fields } = selectors(call);
  let match = makeMatcher(served, { labels, fields });
  if (info.name) {
    // GET .../pods/NAME?watch=1 (and the deprecated /watch/ path) watches one object.
    const one = info.name;
    const inner = match;
    match = (o) => o.metadata.name === one && inner(o);
  }
  const sendInitialEvents = queryFlag(params.get('sendInitialEvents'));
  const rv = params.get('resourceVersion');
  if (params.has('sendInitialEvents')) {
    if (params.get('resourceVersionMatch') !== 'NotOlderThan') {
      throw invalidParam(
        'resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
      );
    }
    if (sendInitialEvents && !queryFlag(params.get('allowWatchBookmarks'))) {
      throw invalidParam(
        'allowWatchBookmarks: Forbidden: sendInitialEvents requires allowWatchBookmarks=true',
      );
    }
  }
  const timeout = queryInt(params, 'timeoutSeconds');
  serveWatch(call.res, served, {
    namespace: info.namespace,
    match,
    afterRevision: parseRevision(rv),
    sendInitialEvents,
    allowBookmarks: queryFlag(params.get('allowWatchBookmarks')),
    // Kubernetes spreads watch lifetimes over [30, 60) minutes so reconnects do not stampede.
    timeoutSeconds: timeout && timeout > 0 ? timeout : 1800 + Math.floor(Math.random() * 1800),
    shape: call.shape,
    includeObject: parseIncludeObject(params.get('includeObject')),
    now: call.ctx.now,
  });
}

/** resourceVersionMatch must be a known value and needs a resourceVersion, as Kubernetes checks. */
function checkResourceVersionMatch(params: URLSearchParams): void {
  const match = params.get('resourceVersionMatch');
  if (!match) return;
  if (match !== 'NotOlderThan' && match !== 'Exact') {
    throw invalidParam(
      `resourceVersionMatch: Unsupported value: "${match}": supported values: "Exact", "NotOlderThan"`,
    );
  }
  if (!params.get('resourceVersion')) {
    throw invalidParam(
      'resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
  }
}

function invalidParam(message: string): ApiError {
  return new ApiError(422, 'Invalid', `ListOptions.meta.k8s.io "" is invalid: ${message}`);
}

async function create(call: Call): Promise<void> {
  if (call.info.name) throw errors.methodNotAllowed('create');
  const mode = fieldValidationMode(call.params);
  const isDryRun = dryRun(call.params);
  const { obj, warnings } = await readObject(call, mode);
  const created = await call.rs.create(call.info.namespace, toStorageVersion(call.served, obj), {
    dryRun: isDryRun,
    user: call.user,
  });
  sendObject(call, 201, created, warningHeaders(warnings));
}

async function update(call: Call): Promise<void> {
  const mode = fieldValidationMode(call.params);
  const isDryRun = dryRun(call.params);
  const { obj, warnings } = await readObject(call, mode);
  const desired = toStorageVersion(call.served, obj) as KObject;
  const updated = await call.rs.update(call.info.namespace, call.info.name, () => cloneJSON(desired), {
    dryRun: isDryRun,
  });
  sendObject(call, 200, updated, warningHeaders(warnings));
}

async function patch(call: Call): Promise<void> {
  const mode = fieldValidationMode(call.params);
  const isDryRun = dryRun(call.params);
  const { info, served } = call;
  const { patchType, body, text } = await readPatch(call);
  const warnings: string[] = [];
  const updated = await call.rs.update(
    info.namespace,
    info.name,
    (current) => {
      const next = patchObject(served, current, patchType, body) as KObject;
      warnings.splice(
        0,
        warnings.length,
        ...checkPatched(served, next, patchType === 'json' ? undefined : text, mode),
      );
      return next;
    },
    { dryRun: isDryRun, patch: true },
  );
  sendObject(call, 200, updated, warningHeaders(warnings));
}

interface DeleteBody {
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: string[];
  orphanDependents?: boolean;
}

const propagationPolicies = ['Orphan', 'Background', 'Foreground'];

/** DeleteOptions from the body (kubectl sends one) and the query, the query winning. */
async function deleteOptions(call: Call): Promise<DeleteBody & { isDryRun: boolean }> {
  const raw = await readBody(call.req);
  let opts: DeleteBody = {};
  if (raw.length > 0 && raw.toString('utf8').trim() !== '') {
    const decoded = await decodeBody(raw, mediaType(call.req));
    if (!decoded || typeof decoded !== 'object' || Array.isArray(decoded))
      throw errors.badRequest('DeleteOptions must be an object');
    opts = decoded as DeleteBody;
  }
  const grace = queryInt(call.params, 'gracePeriodSeconds');
  if (grace !== undefined) opts.gracePeriodSeconds = grace;
  const policy = call.params.get('propagationPolicy');
  if (policy) opts.propagationPolicy = policy;
  if (opts.propagationPolicy && !propagationPolicies.includes(opts.propagationPolicy)) {
    throw new ApiError(
      422,
      'Invalid',
      `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: "${opts.propagationPolicy}": supported values: "Foreground", "Background", "Orphan"`,
    );
  }
  const isDryRun = dryRun(call.params) || (opts.dryRun ?? []).includes('All');
  return { ...opts, isDryRun };
}

async function remove(call: Call): Promise<void> {
  const opts = await deleteOptions(call);
  const result = await call.rs.delete(call.info.namespace, call.info.name, {
    dryRun: opts.isDryRun,
    preconditions: opts.preconditions,
    gracePeriodSeconds: opts.gracePeriodSeconds,
    propagationPolicy: opts.propagationPolicy,
    orphanDependents: opts.orphanDependents,
  });
  sendObject(call, result.deleted ? 200 : 202, result.object);
}

async function removeCollection(call: Call): Promise<void> {
  const opts = await deleteOptions(call);
  const { labels, fields } = selectors(call);
  const page = await listResource(call.ctx.store, call.served, {
    namespace: call.info.namespace,
    labels,
    fields,
  });
  const deleted: KObject[] = [];
  for (const item of page.items) {
    try {
      const result = await call.rs.delete(item.obj.metadata.namespace ?? '', item.obj.metadata.name!, {
        dryRun: opts.isDryRun,
        gracePeriodSeconds: opts.gracePeriodSeconds,
        propagationPolicy: opts.propagationPolicy,
      });
      deleted.push(result.object.obj);
    } catch (err) {
      // Already gone is fine: someone else deleted it between our list and our delete.
      if (!(err instanceof ApiError && err.reason === 'NotFound')) throw err;
    }
  }
  sendJSON(call.res, 200, {
    kind: `${call.served.strategy.kind}List`,
    apiVersion: call.served.apiVersion,
    metadata: { resourceVersion: String(call.served.cache.revision) },
    items: deleted,
  });
}
