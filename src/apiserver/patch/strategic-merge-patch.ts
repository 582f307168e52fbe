/**
 * Kubernetes strategic merge patch (application/strategic-merge-patch+json), the server half of
 * apimachinery's strategicpatch package: maps merge, lists merge by key or as sets where the schema
 * says `patchStrategy: merge`, and the directives kubectl sends ($patch, $retainKeys,
 * $setElementOrder/<field>, $deleteFromPrimitiveList/<field>) are applied and never kept.
 *
 * Where skiff differs on purpose: values new to the object are merged into an empty value, so
 * directives nested in them are applied rather than stored; `$patch: delete` on a map field removes
 * the field (Kubernetes leaves `{}`, which its typed decoding then drops); and errors Kubernetes
 * reports as 500 (plain Go errors, e.g. a missing merge key) are 400 BadRequest here.
 */
import type { PatchMeta } from '../../api/schema/patch-meta.js';
import { clone, getKey, hasKey, isObject, type JsonObject, kindOf, setKey, show } from './json.js';
import { badPatch, cannotApply } from './patch-errors.js';
import {
  normalizeOrder,
  PATCH_DIRECTIVE,
  partition,
  requireMergeKey,
  sameItem,
  validateSetElementOrder,
} from './strategic-order.js';

const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder';
const DELETE_FROM_LIST = '$deleteFromPrimitiveList';

const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ORDER = 'invalid patch format of setElementOrder list';

/** Marks a map that a `$patch: delete` directive removed. */
const DELETED: unique symbol = Symbol('deleted');
type Merged = unknown | typeof DELETED;

/** Applies a strategic merge patch to `original` using the kind's patch metadata; returns a new object. */
export function strategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): JsonObject {
  if (!isObject(patch)) {
    throw badPatch(`json: cannot unmarshal ${kindOf(patch)} into Go value of type map[string]interface {}`);
  }
  const base = isObject(original) ? clone(original) : {};
  const out = mergeMap(base, clone(patch), meta);
  return out === DELETED ? {} : (out as JsonObject);
}

/** The parsed `patchStrategy` of a field. */
interface Strategy {
  merge: boolean;
  replace: boolean;
  mergeKey?: string;
}

function strategyOf(meta: PatchMeta | undefined): Strategy {
  const parts = (meta?.patchStrategy ?? '').split(',').map((s) => s.trim());
  return {
    merge: parts.includes('merge'),
    replace: parts.includes('replace'),
    mergeKey: meta?.patchMergeKey || undefined,
  };
}

/** Metadata for a key of a map node: a struct field, else a map value; undefined when unknown. */
function childMeta(meta: PatchMeta | undefined, key: string): PatchMeta | undefined {
  return meta?.field(key) ?? meta?.values();
}

/** Merges `patch` into `original` (both owned by this module and mutated in place). */
function mergeMap(original: JsonObject, patch: JsonObject, meta: PatchMeta | undefined): Merged {
  if (hasKey(patch, PATCH_DIRECTIVE)) return mapDirective(patch, meta);
  applyRetainKeys(original, patch);
  const ordered = applySetElementOrder(original, patch, meta);
  const deletions: Array<[string, unknown]> = [];
  for (const key of Object.keys(patch)) {
    if (key === RETAIN_KEYS || key.startsWith(SET_ORDER) || ordered.has(key)) continue;
    if (key.startsWith(DELETE_FROM_LIST)) {
      deletions.push([directiveField(key, DELETE_FROM_LIST, ERR_PRIMITIVE_LIST), patch[key]]);
      continue;
    }
    mergeField(original, key, patch[key], childMeta(meta, key));
  }
  // After the additions, so one patch can both add and remove items of the same list.
  for (const [field, values] of deletions) deleteFromPrimitiveList(original, field, values);
  return original;
}

function mapDirective(patch: JsonObject, meta: PatchMeta | undefined): Merged {
  const directive = patch[PATCH_DIRECTIVE];
  if (directive === 'delete') return DELETED;
  if (directive === 'replace') {
    const rest = { ...patch };
    delete rest[PATCH_DIRECTIVE];
    return mergeMap({}, rest, meta);
  }
  throw badPatch(`Unknown patch type: ${show(directive)} in map: ${show(patch)}`);
}

function mergeField(original: JsonObject, key: string, value: unknown, meta: PatchMeta | undefined): void {
  if (value === null) {
    // A null for an absent key is dropped rather than stored (IgnoreUnmatchedNulls).
    delete original[key];
    return;
  }
  const current = getKey(original, key);
  let merged: Merged;
  if (!hasKey(original, key) || kindOf(current) !== kindOf(value)) merged = fromPatch(value, meta);
  else if (isObject(current)) {
    merged = strategyOf(meta).replace ? fromPatch(value, meta) : mergeMap(current, value as JsonObject, meta);
  } else if (Array.isArray(current)) merged = mergeList(current, value as unknown[], meta);
  else merged = value;
  if (merged === DELETED) delete original[key];
  else setKey(original, key, merged);
}

/** A patch value with nothing to merge into: merged into an empty value so directives are applied. */
function fromPatch(value: unknown, meta: PatchMeta | undefined): Merged {
  if (isObject(value)) return mergeMap({}, value, meta);
  if (Array.isArray(value)) return mergeList([], value, meta);
  return value;
}

function mergeList(original: unknown[], patch: unknown[], meta: PatchMeta | undefined): unknown[] {
  const strategy = strategyOf(meta);
  const itemMeta = meta?.items();
  if (!strategy.merge) return cleanList(patch, itemMeta);
  if (original.length === 0 && patch.length === 0) return [];
  if (elementKind(original, patch) !== 'object') return mergePrimitives(original, patch);
  if (!strategy.mergeKey) throw badPatch('cannot merge lists without merge key for type map');
  return mergeKeyed(original as JsonObject[], patch as JsonObject[], strategy.mergeKey, itemMeta);
}

/** A replacing list: elements are taken from the patch, minus directives. */
function cleanList(patch: unknown[], itemMeta: PatchMeta | undefined): unknown[] {
  return patch.map((item) => fromPatch(item, itemMeta)).filter((item) => item !== DELETED);
}

/** The one JSON kind shared by every element of both lists (apimachinery's sliceElementType). */
function elementKind(original: unknown[], patch: unknown[]): string {
  const kinds = new Set([...original, ...patch].map(kindOf));
  if (kinds.has('array')) throw cannotApply('lists of lists are not supported');
  if (kinds.size > 1) {
    throw badPatch(`list element types are not identical: ${show(original)} and ${show(patch)}`);
  }
  return [...kinds][0];
}

/** Set union for lists of primitives (e.g. finalizers), ordered as Kubernetes orders it. */
function mergePrimitives(original: unknown[], patch: unknown[]): unknown[] {
  const merged = [...new Set([...original, ...patch])];
  const [named, serverOnly] = partition(merged, patch, undefined);
  return normalizeOrder(named, serverOnly, patch, original, undefined);
}

/** Merge of lists of maps keyed by `mergeKey`, honouring `$patch: delete|replace` elements. */
function mergeKeyed(
  original: JsonObject[],
  patch: JsonObject[],
  mergeKey: string,
  itemMeta: PatchMeta | undefined,
): unknown[] {
  let live: unknown[] = original;
  const plain: JsonObject[] = [];
  let replace = false;
  for (const item of patch) {
    if (!hasKey(item, PATCH_DIRECTIVE)) plain.push(item);
    else if (item[PATCH_DIRECTIVE] === 'delete') {
      requireMergeKey(item, mergeKey);
      live = live.filter((l) => !sameItem(l, item, mergeKey));
    } else if (item[PATCH_DIRECTIVE] === 'replace') replace = true;
    else if (item[PATCH_DIRECTIVE] === 'merge')
      throw badPatch('merging lists cannot yet be specified in the patch');
    else throw badPatch(`Unknown patch type: ${show(item[PATCH_DIRECTIVE])} in map: ${show(item)}`);
  }
  if (replace) return cleanList(plain, itemMeta);
  const merged = [...live];
  for (const item of plain) {
    requireMergeKey(item, mergeKey);
    const i = merged.findIndex((m) => sameItem(m, item, mergeKey));
    if (i >= 0) merged[i] = mergeMap(merged[i] as JsonObject, item, itemMeta);
    else merged.push(fromPatch(item, itemMeta));
  }
  const [named, serverOnly] = partition(merged, plain, mergeKey);
  return normalizeOrder(named, serverOnly, plain, live, mergeKey);
}

/** The list field a `$directive/<field>` key refers to. */
function directiveField(key: string, prefix: string, error: string): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw badPatch(error);
  return key.slice(slash + 1);
}

/**
 * `$retainKeys: [...]` (fields with patchStrategy retainKeys): every key the patch sets must be
 * listed, and keys of the live map that are not listed are cleared before merging.
 */
function applyRetainKeys(original: JsonObject, patch: JsonObject): void {
  if (!hasKey(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badPatch(ERR_RETAIN_KEYS);
  const keep = new Set<unknown>(list);
  for (const key of Object.keys(patch)) {
    if (key === RETAIN_KEYS || patch[key] === null) continue;
    if (key.startsWith(DELETE_FROM_LIST) || key.startsWith(SET_ORDER)) continue;
    if (!keep.has(key)) throw badPatch(ERR_RETAIN_KEYS);
  }
  for (const key of Object.keys(original)) if (!keep.has(key)) delete original[key];
}

/**
 * `$setElementOrder/<field>: [...]`: merges the field's patch list (if any) and reorders the result.
 * Returns the fields it handled so the caller does not merge them a second time.
 */
function applySetElementOrder(
  original: JsonObject,
  patch: JsonObject,
  meta: PatchMeta | undefined,
): Set<string> {
  const handled = new Set<string>();
  for (const key of Object.keys(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = directiveField(key, SET_ORDER, ERR_SET_ORDER);
    const order = patch[key];
    if (!Array.isArray(order)) throw badPatch(ERR_SET_ORDER);
    const fieldMeta = childMeta(meta, field);
    const { mergeKey } = strategyOf(fieldMeta);
    // Maps cannot be ordered without a merge key (a field our schema does not know as a merge
    // list): leave the field to the ordinary merge instead of rejecting kubectl's patch.
    if (!mergeKey && order.some(isObject)) continue;
    // A live value that is not a list is simply replaced, as in mergeField.
    const current = getKey(original, field);
    const live = Array.isArray(current) ? current : undefined;
    const patchList = listAt(patch, field);
    validateSetElementOrder(patchList ?? [], order, mergeKey);
    let merged: unknown[];
    if (live && patchList) merged = mergeList(live, patchList, fieldMeta);
    else if (patchList) merged = mergeList([], patchList, fieldMeta);
    else if (live) merged = live;
    else continue;
    const [named, serverOnly] = partition(merged, order, mergeKey);
    setKey(original, field, normalizeOrder(named, serverOnly, order, live ?? [], mergeKey));
    handled.add(field);
  }
  return handled;
}

/** The patch's list at `obj[field]`, undefined when absent; 400 when something else is there. */
function listAt(obj: JsonObject, field: string): unknown[] | undefined {
  if (!hasKey(obj, field)) return undefined;
  const value = obj[field];
  if (!Array.isArray(value)) throw badPatch(`expected a list at ${field}, but received ${show(value)}`);
  return value;
}

/** `$deleteFromPrimitiveList/<field>: [...]`: drops those values; a missing list stays missing. */
function deleteFromPrimitiveList(original: JsonObject, field: string, values: unknown): void {
  if (!Array.isArray(values)) throw badPatch(ERR_PRIMITIVE_LIST);
  const current = getKey(original, field);
  if (!Array.isArray(current)) return;
  setKey(
    original,
    field,
    current.filter((v) => !values.includes(v)),
  );
}
