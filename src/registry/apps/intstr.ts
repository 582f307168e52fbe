/**
 * IntOrString fields holding "a count or a percentage" (maxSurge, maxUnavailable, minAvailable):
 * validation with apps validation's wording, and the raw value used for "both are zero" checks.
 * Shared by apps and policy strategies.
 */
import { invalid, regexError, validateNonnegative } from '../common/validation.js';
import type { FieldError } from '../types.js';

const PERCENT_RE = /^[0-9]+%$/;

/** A non-negative integer or a "N%" string (ValidatePositiveIntOrPercent). */
export function validateIntOrPercent(v: number | string | undefined, field: string): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return [invalid(field, v, "must be an integer or percentage (e.g '5%')")];
    return validateNonnegative(v, field);
  }
  if (typeof v === 'string') {
    if (PERCENT_RE.test(v)) return [];
    const msg = "a valid percent string must be a numeric string followed by an ending '%'";
    return [invalid(field, v, regexError(msg, '[0-9]+%', '1%', '93%'))];
  }
  return [invalid(field, v, "must be an integer or percentage (e.g '5%')")];
}

/** Percentages above 100% make no sense for surge/unavailability budgets (IsNotMoreThan100Percent). */
export function validateNotMoreThan100Percent(v: number | string | undefined, field: string): FieldError[] {
  if (typeof v !== 'string' || !PERCENT_RE.test(v)) return [];
  return Number.parseInt(v, 10) > 100 ? [invalid(field, v, 'must not be greater than 100%')] : [];
}

/** The number in an int-or-percent ("25%" → 25, 3 → 3, unset → 0), for zero checks. */
export function intOrPercentValue(v: number | string | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number.parseInt(v, 10);
    return Number.isNaN(n) ? 0 : n;
  }
  return 0;
}

/** An IntOrString as intstr.String() prints it in tables. */
export function formatIntOrString(v: number | string): string {
  return String(v);
}
