/**
 * OpenAPI v3 documents for /openapi/v3: an index of group-versions, each pointing at its own
 * document with a content hash, as kube-apiserver serves them. kubectl fetches these for
 * `apply`/`create` validation, strategic merge patches and `explain`, and caches them by the
 * hash in the URL, so a document's hash changes exactly when its bytes do.
 *
 * Documents are built lazily on first request and kept: the registry is fixed for the life of
 * an OpenAPIService (build a new one when resources change).
 */
import { createHash } from 'node:crypto';
import { getDefinition, refTarget, type Schema } from '../../api/schema/index.js';
import type { ResourceStrategy } from '../../registry/types.js';
import { addResourcePaths, discoveryPath } from './operations.js';

type Json = Record<string, unknown>;

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

/** What the HTTP layer serves under /openapi/v3. */
export interface OpenAPIService {
  /** `{"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=..."}}}` */
  index(): object;
  /** The document for "api/v1", "apis/apps/v1" (a leading "/openapi/v3/" or "/" is accepted). */
  document(path: string): object | undefined;
  /** The document serialized as served; the bytes the hash covers. */
  json(path: string): string | undefined;
  /** Uppercase hex SHA-512 of json(path), used in serverRelativeURL and as the ETag. */
  hash(path: string): string | undefined;
}

interface Built {
  doc: Json;
  json: string;
  hash: string;
}

export interface OpenAPIOptions {
  /** info.version of every document; kube-apiserver puts its git version here. */
  version?: string;
}

/** Groups resources by the document they belong to: "api/v1", "apis/apps/v1". */
function groupVersions(resources: ResourceStrategy[]): Map<string, ResourceStrategy[]> {
  const out = new Map<string, ResourceStrategy[]>();
  for (const r of resources) {
    const key = r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`;
    const list = out.get(key) ?? [];
    list.push(r);
    out.set(key, list);
  }
  return new Map([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

function normalize(path: string): string {
  return path.replace(/^\/?openapi\/v3\//, '').replace(/^\/+|\/+$/g, '');
}

/** Builds the OpenAPI v3 service for a set of resources. */
export function buildOpenAPI(resources: ResourceStrategy[], options: OpenAPIOptions = {}): OpenAPIService {
  const gvs = groupVersions(resources);
  const info = { title: 'Kubernetes', version: options.version ?? 'unversioned' };
  const cache = new Map<string, Built>();
  let index: object | undefined;

  const built = (path: string): Built | undefined => {
    const key = normalize(path);
    const hit = cache.get(key);
    if (hit) return hit;
    const list = gvs.get(key);
    if (!list) return undefined;
    const doc = groupVersionDocument(list, info);
    const json = JSON.stringify(doc);
    const entry = { doc, json, hash: createHash('sha512').update(json).digest('hex').toUpperCase() };
    cache.set(key, entry);
    return entry;
  };

  return {
    index() {
      if (!index) {
        const paths: Json = {};
        for (const key of gvs.keys()) {
          paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${built(key)!.hash}` };
        }
        index = { paths };
      }
      return index;
    },
    document: (path) => built(path)?.doc,
    json: (path) => built(path)?.json,
    hash: (path) => built(path)?.hash,
  };
}

function groupVersionDocument(list: ResourceStrategy[], info: Json): Json {
  const { group, version } = list[0];
  const paths: Record<string, Json> = {};
  const [discovery, discoveryItem] = discoveryPath(group, version);
  paths[discovery] = discoveryItem;
  for (const r of [...list].sort((a, b) => a.resource.localeCompare(b.resource))) addResourcePaths(paths, r);
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b)));
  return {
    components: { schemas: closure(referencedNames(sortedPaths)) },
    info,
    openapi: '3.0.0',
    paths: sortedPaths,
  };
}

/** Definition names referenced anywhere in `value` (request bodies, responses). */
function referencedNames(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) referencedNames(v, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') {
        const name = refTarget(v);
        if (name) out.add(name);
      } else referencedNames(v, out);
    }
  }
  return out;
}

/**
 * The named schemas plus everything they reference, transitively, sorted by name. Only schema
 * positions are followed: JSONSchemaProps has a *property* called "$ref" whose value is a
 * schema, not a reference, and the typeof check above skips it.
 */
function closure(roots: Set<string>): Record<string, Schema> {
  const seen = new Set<string>();
  const queue = [...roots, `${META}.Status`];
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    const def = getDefinition(name);
    if (!def) continue;
    seen.add(name);
    for (const next of referencedNames(def)) if (!seen.has(next)) queue.push(next);
  }
  const out: Record<string, Schema> = {};
  for (const name of [...seen].sort()) out[name] = getDefinition(name)!;
  return out;
}
