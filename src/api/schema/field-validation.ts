/**
 * Server-side field validation (`?fieldValidation=Strict|Warn|Ignore`): finding unknown and
 * duplicate fields against the kind's schema, and wording the result exactly as kube-apiserver
 * does so kubectl users see familiar errors:
 *
 *   Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
 *   unknown field "spec.replicass", duplicate field "metadata.name"
 *
 * Paths are dotted from the object root with list indexes in brackets and no leading dot.
 */
import { ApiError } from '../errors.js';
import { definitionName, getDefinition, type Schema } from './index.js';
import { scanJson } from './json-scan.js';
import { childOf, itemsOf, joinPath } from './schema-walk.js';

/** The three directives of the fieldValidation query parameter. */
export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

/**
 * The directive a request asked for: Warn when absent (the default since 1.23), undefined for an
 * unsupported value, which the caller rejects as kube does.
 */
export function fieldValidationDirective(param: string | null | undefined): FieldValidation | undefined {
  if (param === null || param === undefined || param === '') return 'Warn';
  return param === 'Ignore' || param === 'Warn' || param === 'Strict' ? param : undefined;
}

function schemaFor(group: string, version: string, kind: string): Schema | undefined {
  return getDefinition(definitionName(group, version, kind));
}

/**
 * Paths of the fields in `obj` that the kind's schema does not declare. Maps (labels,
 * annotations, data) accept any key; RawExtension and other opaque values are not looked into.
 * Kinds without a schema report nothing. Keys are visited in sorted order at each level: kube
 * checks YAML bodies and patched objects after a round trip through a Go map, and reports them
 * in that order.
 */
export function unknownFields(obj: unknown, group: string, version: string, kind: string): string[] {
  const schema = schemaFor(group, version, kind);
  return schema ? unknownFieldsInSchema(obj, schema) : [];
}

/** unknownFields against an explicit schema (custom resources pass their openAPIV3Schema). */
export function unknownFieldsInSchema(obj: unknown, schema: Schema): string[] {
  const out: string[] = [];
  walk(obj, schema, '', out);
  return out;
}

function walk(value: unknown, schema: Schema, path: string, out: string[]): void {
  if (Array.isArray(value)) {
    const items = itemsOf(schema);
    if (items === 'opaque') return;
    value.forEach((item, i) => {
      walk(item, items, `${path}[${i}]`, out);
    });
    return;
  }
  if (value === null || typeof value !== 'object') return;
  for (const key of Object.keys(value).sort()) {
    const child = (value as Record<string, unknown>)[key];
    const childSchema = childOf(schema, key);
    if (childSchema === 'unknown') out.push(joinPath(path, key));
    else if (childSchema !== 'opaque') walk(child, childSchema, joinPath(path, key), out);
  }
}

/** Paths of keys repeated within one JSON object, anywhere in the document, in document order. */
export function duplicateFields(json: string): string[] {
  return scanJson(json)
    .filter((issue) => issue.type === 'duplicate')
    .map((issue) => issue.path);
}

/**
 * Everything strict decoding of a JSON body finds, in document order and in kube's words:
 * `unknown field "spec.foo"`, `duplicate field "metadata.name"`. For kinds without a schema only
 * duplicates are reported.
 */
export function strictDecodingIssues(json: string, group: string, version: string, kind: string): string[] {
  const issues = scanJson(json, schemaFor(group, version, kind)).map((issue) =>
    issue.type === 'unknown' ? unknownFieldIssue(issue.path) : duplicateFieldIssue(issue.path),
  );
  return [...new Set(issues)];
}

/**
 * Strict-decoding issues of a merge or strategic merge patch, ordered as kube-apiserver reports
 * them: duplicate keys in the patch body first (the patch is checked without a schema, so an
 * unknown repeated key counts as a duplicate), then unknown fields of the patched object.
 */
export function patchStrictDecodingIssues(
  patchBody: string,
  patched: unknown,
  group: string,
  version: string,
  kind: string,
): string[] {
  return [
    ...duplicateFields(patchBody).map(duplicateFieldIssue),
    ...unknownFields(patched, group, version, kind).map(unknownFieldIssue),
  ];
}

/** `unknown field "spec.foo"` */
export function unknownFieldIssue(path: string): string {
  return `unknown field "${path}"`;
}

/** `duplicate field "spec.foo"` */
export function duplicateFieldIssue(path: string): string {
  return `duplicate field "${path}"`;
}

/** `strict decoding error: unknown field "a", duplicate field "b"` */
export function strictDecodingMessage(issues: string[]): string {
  return `strict decoding error: ${issues.join(', ')}`;
}

/**
 * The 400 BadRequest a Strict create/update answers with, worded as kube-apiserver's
 * transformDecodeError: `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: ...`.
 */
export function strictDecodingError(kind: string, version: string, issues: string[]): ApiError {
  return new ApiError(
    400,
    'BadRequest',
    `${kind} in version "${version}" cannot be handled as a ${kind}: ${strictDecodingMessage(issues)}`,
  );
}

/**
 * The value of one `Warning` response header for a Warn-mode issue:
 * `299 - "unknown field \"spec.foo\""` (RFC 7234 warn-code 299, agent "-", quoted text).
 */
export function warningHeaderValue(text: string): string {
  return `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}
