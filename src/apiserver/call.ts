/**
 * One resource request in flight, and the helpers every verb and subresource uses to read the
 * body (with field validation) and to answer in the shape the client negotiated.
 */
import { ApiError, errors } from '../api/errors.js';
import { PROTOBUF_MEDIA_TYPE } from '../api/protobuf/media-type.js';
import type { RequestUser } from '../registry/types.js';
import type { Store } from '../storage/store.js';
import { checkBody, type FieldValidationMode } from './field-checks.js';
import { decodeBody, mediaType, type Request, type Response, readBody, sendJSON } from './http.js';
import type { RequestInfo } from './request-info.js';
import type { ResourceStore } from './resource-store.js';
import { type ServedResource, viewOf } from './served-resource.js';
import { parseIncludeObject, partialMetadata, type ResponseShape, toTable } from './table.js';
import type { CachedObject } from './watch-cache.js';

/** What verbs need from the server. */
export interface CallContext {
  store: Store;
  now(): Date;
  storeFor(served: ServedResource): ResourceStore;
  /** Finds a served resource by group and plural name (for subresources that touch other kinds). */
  lookup(group: string, resource: string): ServedResource | undefined;
}

export interface Call {
  req: Request;
  res: Response;
  info: RequestInfo;
  params: URLSearchParams;
  served: ServedResource;
  rs: ResourceStore;
  shape: ResponseShape;
  ctx: CallContext;
  /** The authenticated user (creates record it where a kind asks, e.g. a CSR's requestor). */
  user?: RequestUser;
}

/** Sends one object in the shape the client asked for. */
export function sendObject(
  call: Call,
  code: number,
  object: CachedObject,
  headers: Record<string, string | string[]> = {},
): void {
  object = viewOf(call.served, object);
  if (call.shape === 'table') {
    const table = toTable(
      call.served.strategy,
      [object.obj],
      { resourceVersion: object.obj.metadata.resourceVersion },
      parseIncludeObject(call.params.get('includeObject')),
      call.ctx.now(),
    );
    sendJSON(call.res, code, table, headers);
  } else if (call.shape === 'partial-metadata') {
    sendJSON(call.res, code, partialMetadata(object.obj), headers);
  } else {
    sendJSON(call.res, code, object.json, headers);
  }
}

export function dryRun(params: URLSearchParams): boolean {
  const values = params.getAll('dryRun');
  for (const v of values)
    if (v !== 'All') throw errors.badRequest(`unsupported dryRun value "${v}": only "All" is supported`);
  return values.length > 0;
}

/** Reads, decodes and field-checks a request body; returns the object and any warnings. */
export async function readObject(
  call: Call,
  mode: FieldValidationMode,
): Promise<{ obj: unknown; warnings: string[] }> {
  const type = mediaType(call.req);
  if (
    type !== 'application/json' &&
    type !== 'application/yaml' &&
    type !== PROTOBUF_MEDIA_TYPE &&
    type !== '*/*'
  )
    throw errors.unsupportedMediaType(type);
  const body = await readBody(call.req);
  const obj = await decodeBody(body, type);
  const warnings = checkBody(
    call.served,
    obj,
    type === 'application/json' ? body.toString('utf8') : undefined,
    mode,
  );
  return { obj, warnings };
}

export type PatchType = 'json' | 'merge' | 'strategic';

/** Reads a PATCH body and its type from Content-Type. */
export async function readPatch(call: Call): Promise<{ patchType: PatchType; body: unknown; text: string }> {
  const type = mediaType(call.req);
  const types: Record<string, PatchType> = {
    'application/json-patch+json': 'json',
    'application/merge-patch+json': 'merge',
    'application/strategic-merge-patch+json': 'strategic',
  };
  if (type === 'application/apply-patch+yaml') {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'server-side apply is not supported by this server yet; use client-side kubectl apply',
    );
  }
  const patchType = types[type];
  if (!patchType) throw errors.unsupportedMediaType(type);
  const raw = await readBody(call.req);
  return { patchType, body: await decodeBody(raw, 'application/json'), text: raw.toString('utf8') };
}
