/**
 * RFC 6902 JSON Patch (application/json-patch+json) with RFC 6901 pointers. The document is copied
 * once and the operations mutate the copy, so a failing operation leaves the caller's object alone
 * and the patch is all-or-nothing. Failure messages follow evanphx/json-patch, which kube-apiserver
 * uses, so users see the same text kubectl shows against a real cluster.
 */
import { ApiError } from '../../api/errors.js';
import { clone, getKey, hasKey, isObject, jsonEqual, kindOf, setKey } from './json.js';
import { badPatch, cannotApply } from './patch-errors.js';

/** The six RFC 6902 operations. */
export type JsonPatchOpName = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

/** One validated operation; `from` is set for move/copy, `value` for add/replace/test. */
export interface JsonPatchOp {
  op: JsonPatchOpName;
  path: string;
  from?: string;
  value?: unknown;
}

/** kube-apiserver refuses larger JSON patches with 413 (maxJSONPatchOperations). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** Applies an RFC 6902 patch body to `doc`; returns a new document. */
export function jsonPatch(doc: unknown, body: unknown): unknown {
  const ops = parseJsonPatch(body);
  let root = clone(doc);
  for (const op of ops) root = applyOp(root, op);
  return root;
}

/** Validates a patch body: 400 for a malformed document, 413 past the operation limit. */
export function parseJsonPatch(body: unknown): JsonPatchOp[] {
  if (!Array.isArray(body)) {
    throw badPatch(`json: cannot unmarshal ${kindOf(body)} into Go value of type jsonpatch.Patch`);
  }
  if (body.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${body.length}`,
    );
  }
  return body.map((raw, i) => parseOp(raw, i));
}

function parseOp(raw: unknown, i: number): JsonPatchOp {
  if (!isObject(raw)) {
    throw badPatch(`json: cannot unmarshal ${kindOf(raw)} into Go value of type jsonpatch.Operation`);
  }
  const op = getKey(raw, 'op');
  if (typeof op !== 'string' || !OPS.has(op)) throw badPatch(`Unexpected kind: ${String(op ?? 'unknown')}`);
  const parsed: JsonPatchOp = { op: op as JsonPatchOpName, path: pointerField(raw, 'path', i) };
  parsePointer(parsed.path, 'path');
  if (op === 'move' || op === 'copy') {
    parsed.from = pointerField(raw, 'from', i);
    parsePointer(parsed.from, 'from');
  }
  if (op === 'add' || op === 'replace' || op === 'test') {
    if (!hasKey(raw, 'value')) throw badPatch(`${op} operation at index ${i} is missing "value"`);
    parsed.value = clone(raw.value);
  }
  return parsed;
}

function pointerField(raw: Record<string, unknown>, field: 'path' | 'from', i: number): string {
  const v = getKey(raw, field);
  if (typeof v !== 'string') throw badPatch(`operation at index ${i} has no string "${field}"`);
  return v;
}

/** Splits an RFC 6901 pointer into unescaped reference tokens ("" is the whole document). */
export function parsePointer(pointer: string, field = 'path'): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badPatch(`invalid JSON pointer in "${field}": ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~(?![01])/.test(token)) throw badPatch(`invalid escape in JSON pointer "${field}": ${pointer}`);
      // ~1 first: "~01" must decode to "~1", not "/".
      return token.replace(/~1/g, '/').replace(/~0/g, '~');
    });
}

function applyOp(root: unknown, op: JsonPatchOp): unknown {
  const path = parsePointer(op.path);
  switch (op.op) {
    case 'add':
      return add(
        root,
        path,
        op.value,
        op.path,
        `add operation does not apply: doc is missing path: "${op.path}"`,
      );
    case 'remove':
      remove(root, path, op.path);
      return root;
    case 'replace':
      return replace(root, path, op.value, op.path);
    case 'move':
      return move(root, parsePointer(op.from!), path, op);
    case 'copy': {
      const value = read(root, parsePointer(op.from!));
      if (!value.found) throw missing(`copy operation does not apply: doc is missing from path: ${op.from}`);
      const dest = `copy operation does not apply: doc is missing destination path: ${op.path}`;
      return add(root, path, clone(value.value), op.path, dest);
    }
    case 'test': {
      const value = read(root, path);
      if (!value.found) throw missing(`test operation does not apply: is missing path: ${op.path}`);
      if (!jsonEqual(value.value, op.value))
        throw cannotApply(`testing value ${op.path} failed: test failed`);
      return root;
    }
  }
}

/** evanphx wraps "missing value" (ErrMissing) under each location failure. */
function missing(message: string): ApiError {
  return cannotApply(`${message}: missing value`);
}

function add(root: unknown, path: string[], value: unknown, pointer: string, missingPath: string): unknown {
  if (path.length === 0) return value;
  const parent = container(root, path);
  const key = path[path.length - 1];
  if (Array.isArray(parent)) {
    if (key === '-') {
      parent.push(value);
      return root;
    }
    const idx = arrayIndex(key, parent.length, `error in add for path: '${pointer}'`);
    parent.splice(idx, 0, value);
    return root;
  }
  if (!isObject(parent)) throw missing(missingPath);
  setKey(parent, key, value);
  return root;
}

function remove(root: unknown, path: string[], pointer: string): unknown {
  if (path.length === 0)
    throw cannotApply('remove operation does not apply: cannot remove the whole document');
  const parent = container(root, path);
  const key = path[path.length - 1];
  const context = `error in remove for path: '${pointer}'`;
  if (Array.isArray(parent)) {
    const idx = arrayIndex(key, parent.length - 1, context);
    return parent.splice(idx, 1)[0];
  }
  if (!isObject(parent)) throw missing(`remove operation does not apply: doc is missing path: "${pointer}"`);
  if (!hasKey(parent, key)) throw missing(`${context}: Unable to remove nonexistent key: ${key}`);
  const removed = parent[key];
  delete parent[key];
  return removed;
}

function replace(root: unknown, path: string[], value: unknown, pointer: string): unknown {
  if (path.length === 0) return value;
  const parent = container(root, path);
  if (!Array.isArray(parent) && !isObject(parent)) {
    throw missing(`replace operation does not apply: doc is missing path: ${pointer}`);
  }
  if (!read(root, path).found)
    throw missing(`replace operation does not apply: doc is missing key: ${pointer}`);
  const key = path[path.length - 1];
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else setKey(parent, key, value);
  return root;
}

function move(root: unknown, from: string[], path: string[], op: JsonPatchOp): unknown {
  if (from.length < path.length && from.every((t, i) => t === path[i])) {
    throw cannotApply(`move operation does not apply: "from" ${op.from} is a prefix of "path" ${op.path}`);
  }
  const value = read(root, from);
  if (!value.found) throw missing(`move operation does not apply: doc is missing from path: ${op.from}`);
  if (from.length === path.length && from.every((t, i) => t === path[i])) return root;
  remove(root, from, op.from!);
  const dest = `move operation does not apply: doc is missing destination path: ${op.path}`;
  return add(root, path, value.value, op.path, dest);
}

/** The container holding the last token of `path`, or undefined when an ancestor is missing. */
function container(root: unknown, path: string[]): unknown {
  const parent = read(root, path.slice(0, -1));
  return parent.found ? parent.value : undefined;
}

function read(root: unknown, path: string[]): { found: boolean; value?: unknown } {
  let cur = root;
  for (const token of path) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= cur.length) return { found: false };
      cur = cur[Number(token)];
    } else if (isObject(cur) && hasKey(cur, token)) {
      cur = cur[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

/** Parses an array index token; valid indexes run 0..max inclusive. */
function arrayIndex(token: string, max: number, context: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) {
    throw cannotApply(`${context}: value was not a proper array index: '${token}'`);
  }
  const idx = Number(token);
  if (idx > max)
    throw cannotApply(`${context}: Unable to access invalid index: ${idx}: invalid index referenced`);
  return idx;
}
