import { describe, expect, it } from 'vitest';
import {
  duplicate,
  immutable,
  invalid,
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  required,
  tooLong,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validatePortNumber,
} from './validation.js';

describe('name format checks', () => {
  const cases: Array<{ name: string; fn: (v: string) => string[]; value: string; ok: boolean }> = [
    { name: 'a simple label is a DNS-1123 label', fn: isDNS1123Label, value: 'my-name', ok: true },
    { name: 'a label may start with a digit', fn: isDNS1123Label, value: '123-abc', ok: true },
    { name: 'upper case is not a DNS-1123 label', fn: isDNS1123Label, value: 'MyName', ok: false },
    { name: 'a dot is not allowed in a label', fn: isDNS1123Label, value: 'a.b', ok: false },
    { name: 'a trailing dash is not a label', fn: isDNS1123Label, value: 'abc-', ok: false },
    { name: '64 characters is too long for a label', fn: isDNS1123Label, value: 'a'.repeat(64), ok: false },
    { name: 'dotted names are subdomains', fn: isDNS1123Subdomain, value: 'example.com', ok: true },
    { name: 'an empty segment is not a subdomain', fn: isDNS1123Subdomain, value: 'a..b', ok: false },
    {
      name: 'a prefixed key is a qualified name',
      fn: isQualifiedName,
      value: 'app.kubernetes.io/name',
      ok: true,
    },
    { name: 'mixed case names are qualified names', fn: isQualifiedName, value: 'My_Name.1', ok: true },
    { name: 'two slashes are not a qualified name', fn: isQualifiedName, value: 'a/b/c', ok: false },
    { name: 'an empty prefix is not a qualified name', fn: isQualifiedName, value: '/name', ok: false },
    { name: 'an empty label value is valid', fn: isValidLabelValue, value: '', ok: true },
    { name: 'a label value may not contain spaces', fn: isValidLabelValue, value: 'a b', ok: false },
    { name: 'config keys may start with a dot', fn: isConfigMapKey, value: '.dockerconfigjson', ok: true },
    { name: 'config keys may not be ..', fn: isConfigMapKey, value: '..', ok: false },
    { name: 'env var names may contain dots', fn: isEnvVarName, value: 'MY.VAR', ok: true },
    { name: 'env var names may not start with a digit', fn: isEnvVarName, value: '1VAR', ok: false },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(c.fn(c.value).length === 0).toBe(c.ok);
    });
  }

  it('reports the label message exactly as apimachinery does', () => {
    expect(isDNS1123Label('Bad')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
  });

  it('prefixes qualified-name messages with the failing part', () => {
    const errs = isQualifiedName('Bad_Prefix/-x');
    expect(errs[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(errs[1]).toMatch(/^name part must consist of alphanumeric characters/);
  });
});

describe('field errors', () => {
  it('formats each error type with Kubernetes wording', () => {
    expect(required('spec.x')).toEqual({
      type: 'FieldValueRequired',
      field: 'spec.x',
      message: 'Required value',
    });
    expect(invalid('spec.x', 'v', 'bad').message).toBe('Invalid value: "v": bad');
    expect(invalid('spec.n', 5, 'bad').message).toBe('Invalid value: 5: bad');
    expect(notSupported('spec.t', 'x', ['a', 'b']).message).toBe(
      'Unsupported value: "x": supported values: "a", "b"',
    );
    expect(duplicate('spec.p', 'http').message).toBe('Duplicate value: "http"');
    expect(immutable('spec.s', 'v')).toMatchObject({
      type: 'FieldValueInvalid',
      message: 'Invalid value: "v": field is immutable',
    });
    expect(tooLong('metadata.annotations', 10).message).toBe('Too long: must have at most 10 bytes');
  });
});

describe('labels, annotations and selectors', () => {
  it('rejects a bad label key and a bad label value on the labels field', () => {
    const errs = validateLabels({ 'bad key': 'ok', good: 'bad value' }, 'metadata.labels');
    expect(errs.map((e) => e.field)).toEqual(['metadata.labels', 'metadata.labels']);
    expect(errs.every((e) => e.type === 'FieldValueInvalid')).toBe(true);
  });

  it('limits the total annotation size to 256 KiB', () => {
    const errs = validateAnnotations({ big: 'x'.repeat(256 * 1024) }, 'metadata.annotations');
    expect(errs).toEqual([tooLong('metadata.annotations', 262144)]);
  });

  const selectorCases = [
    { name: 'matchLabels alone is valid', sel: { matchLabels: { app: 'web' } }, fields: [] },
    {
      name: 'In without values needs values',
      sel: { matchExpressions: [{ key: 'tier', operator: 'In' }] },
      fields: ['sel.matchExpressions[0].values'],
    },
    {
      name: 'Exists with values is forbidden',
      sel: { matchExpressions: [{ key: 'tier', operator: 'Exists', values: ['a'] }] },
      fields: ['sel.matchExpressions[0].values'],
    },
    {
      name: 'an unknown operator is invalid',
      sel: { matchExpressions: [{ key: 'tier', operator: 'Near', values: ['a'] }] },
      fields: ['sel.matchExpressions[0].operator'],
    },
  ];
  for (const c of selectorCases) {
    it(c.name, () => {
      expect(validateLabelSelector(c.sel, 'sel').map((e) => e.field)).toEqual(c.fields);
    });
  }

  it('accepts ports 1..65535 only', () => {
    expect(validatePortNumber(80, 'p')).toEqual([]);
    expect(validatePortNumber(0, 'p')[0].message).toBe(
      'Invalid value: 0: must be between 1 and 65535, inclusive',
    );
    expect(validatePortNumber(70000, 'p')).toHaveLength(1);
  });
});
