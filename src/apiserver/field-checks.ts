/**
 * The fieldValidation query parameter: Strict refuses unknown and duplicate fields with 400,
 * Warn (the server default, as in Kubernetes) answers with Warning headers, Ignore skips checks.
 */
import { errors } from '../api/errors.js';
import {
  type FieldValidation,
  fieldValidationDirective,
  patchStrictDecodingIssues,
  strictDecodingError,
  strictDecodingIssues,
  unknownFieldIssue,
  unknownFields,
  warningHeaderValue,
} from '../api/schema/field-validation.js';
import type { ServedResource } from './served-resource.js';

export type FieldValidationMode = FieldValidation;

export function fieldValidationMode(params: URLSearchParams): FieldValidationMode {
  const raw = params.get('fieldValidation');
  const mode = fieldValidationDirective(raw);
  if (!mode)
    throw errors.badRequest(
      `fieldValidation parameter unsupported: ${raw}; must be one of Strict, Warn, Ignore`,
    );
  return mode;
}

function settle(served: ServedResource, issues: string[], mode: FieldValidationMode): string[] {
  if (issues.length === 0 || mode === 'Ignore') return [];
  if (mode === 'Strict') throw strictDecodingError(served.strategy.kind, served.strategy.version, issues);
  return issues;
}

/** Checks a create/update body; rawJson (when the body was JSON) also reveals duplicate keys. */
export function checkBody(
  served: ServedResource,
  obj: unknown,
  rawJson: string | undefined,
  mode: FieldValidationMode,
): string[] {
  if (mode === 'Ignore') return [];
  const { group, version, kind } = served.strategy;
  const issues = rawJson
    ? strictDecodingIssues(rawJson, group, version, kind)
    : unknownFields(obj, group, version, kind).map(unknownFieldIssue);
  return settle(served, issues, mode);
}

/** Checks the result of a patch (and, for merge patches, the patch text for duplicates). */
export function checkPatched(
  served: ServedResource,
  patched: unknown,
  patchText: string | undefined,
  mode: FieldValidationMode,
): string[] {
  if (mode === 'Ignore') return [];
  const { group, version, kind } = served.strategy;
  const issues = patchText
    ? patchStrictDecodingIssues(patchText, patched, group, version, kind)
    : unknownFields(patched, group, version, kind).map(unknownFieldIssue);
  return settle(served, issues, mode);
}

/** Warning headers for Warn-mode issues, one header value per issue. */
export function warningHeaders(warnings: string[]): Record<string, string[]> {
  return warnings.length ? { warning: warnings.map(warningHeaderValue) } : {};
}
