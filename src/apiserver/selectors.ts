/**
 * Label and field selectors in their query-string form, as apimachinery's labels.Parse and
 * fields.ParseSelector accept them. Parsing failures throw a 400 BadRequest so bad selectors
 * never reach the cache.
 */
import { errors } from '../api/errors.js';

export type LabelOperator = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface LabelRequirement {
  key: string;
  op: LabelOperator;
  values: string[];
}

/** A parsed label selector; an empty one matches everything. */
export type LabelSelector = LabelRequirement[];

const keyPattern =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function badLabel(selector: string, why: string): Error {
  return errors.badRequest(`unable to parse requirement: ${why} (selector "${selector}")`);
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

function checkKey(selector: string, key: string): void {
  if (!keyPattern.test(key) || key.length > 316) badKey(selector, key);
}

function badKey(selector: string, key: string): never {
  throw badLabel(
    selector,
    `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.'`,
  );
}

function checkValue(selector: string, value: string): void {
  if (value.length > 63 || !valuePattern.test(value)) {
    throw badLabel(
      selector,
      `invalid label value: "${value}": must be 63 characters or less and match ${valuePattern}`,
    );
  }
}

function parseRequirement(selector: string, raw: string): LabelRequirement {
  const term = raw.trim();
  if (term === '') throw badLabel(selector, 'found empty requirement');
  if (term.startsWith('!')) {
    const key = term.slice(1).trim();
    checkKey(selector, key);
    return { key, op: '!', values: [] };
  }
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (setMatch) {
    const [, key, op, list] = setMatch;
    checkKey(selector, key);
    const values = list.split(',').map((v) => v.trim());
    if (values.length === 1 && values[0] === '') values.length = 0;
    for (const v of values) checkValue(selector, v);
    if (op === 'in' && values.length === 0)
      throw badLabel(selector, "for 'in' operator, values set can't be empty");
    return { key, op: op as LabelOperator, values };
  }
  const opMatch = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(term);
  if (opMatch) {
    const [, key, op, value] = opMatch;
    checkKey(selector, key);
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value))
        throw badLabel(selector, `for 'Gt', 'Lt' operators, the value must be an integer`);
      return { key, op: op === '>' ? 'gt' : 'lt', values: [value] };
    }
    checkValue(selector, value);
    return { key, op: op === '!=' ? '!=' : '=', values: [value] };
  }
  checkKey(selector, term);
  return { key: term, op: 'exists', values: [] };
}

/** Parses `app=web,tier in (a,b),!canary`. */
export function parseLabelSelector(selector: string | undefined | null): LabelSelector {
  if (!selector || selector.trim() === '') return [];
  return splitTopLevel(selector).map((term) => parseRequirement(selector, term));
}

/** True when labels satisfy every requirement. */
export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const req of selector) {
    const has = labels !== undefined && Object.hasOwn(labels, req.key);
    const value = has ? labels![req.key] : undefined;
    switch (req.op) {
      case '=':
        if (value !== req.values[0]) return false;
        break;
      case '!=':
        if (value === req.values[0]) return false;
        break;
      case 'in':
        if (!has || !req.values.includes(value!)) return false;
        break;
      case 'notin':
        if (has && req.values.includes(value!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value!)) return false;
        const n = Number(value);
        const bound = Number(req.values[0]);
        if (req.op === 'gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

/** Un-escapes field selector values (`\,` `\=` `\\`), as fields.UnescapeValue. */
function unescapeValue(s: string, selector: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      const next = s[i + 1];
      if (next !== '\\' && next !== ',' && next !== '=') {
        throw errors.badRequest(`invalid field selector: invalid escape sequence in "${selector}"`);
      }
      out += next;
      i++;
    } else {
      out += s[i];
    }
  }
  return out;
}

/** Splits on commas not preceded by a backslash escape. */
function splitFieldTerms(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === ',') {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

/** Parses `metadata.name=web,status.phase!=Running`. */
export function parseFieldSelector(selector: string | undefined | null): FieldSelector {
  if (!selector || selector.trim() === '') return [];
  return splitFieldTerms(selector).map((term) => {
    const m = /^([^=!]+?)\s*(==|=|!=)\s*(.*)$/s.exec(term.trim());
    if (!m || m[1].trim() === '') {
      throw errors.badRequest(
        `invalid field selector: invalid selector: '${selector}'; can't understand '${term}'`,
      );
    }
    return { field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: unescapeValue(m[3], selector) };
  });
}

/** True when every requirement holds for the extracted field values. */
export function matchesFields(selector: FieldSelector, fieldValue: (field: string) => string): boolean {
  for (const req of selector) {
    const v = fieldValue(req.field);
    if (req.op === '=' ? v !== req.value : v === req.value) return false;
  }
  return true;
}
