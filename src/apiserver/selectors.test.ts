import { describe, expect, it } from 'vitest';
import { isReason } from '../api/errors.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'front', version: '3' };
  const cases: Array<{ name: string; selector: string; matches: boolean }> = [
    { name: 'an empty selector matches everything', selector: '', matches: true },
    { name: 'equality matches the same value', selector: 'app=web', matches: true },
    { name: 'double equals is equality', selector: 'app==web', matches: true },
    { name: 'equality fails on another value', selector: 'app=db', matches: false },
    { name: 'inequality holds for a missing key', selector: 'missing!=x', matches: true },
    { name: 'in matches one of the set', selector: 'tier in (back, front)', matches: true },
    { name: 'notin excludes the set', selector: 'tier notin (front)', matches: false },
    { name: 'exists needs the key', selector: 'tier', matches: true },
    { name: 'not-exists refuses the key', selector: '!tier', matches: false },
    { name: 'greater-than compares integers', selector: 'version>2', matches: true },
    { name: 'all requirements must hold', selector: 'app=web,tier in (back)', matches: false },
  ];
  for (const c of cases) {
    it(c.name, () => expect(matchesLabels(parseLabelSelector(c.selector), labels)).toBe(c.matches));
  }

  const bad = ['app=(', 'in (a)', 'a b c', 'app=we b', '=x'];
  for (const selector of bad) {
    it(`rejects "${selector}" with BadRequest`, () => {
      let thrown: unknown;
      try {
        parseLabelSelector(selector);
      } catch (err) {
        thrown = err;
      }
      expect(isReason(thrown, 'BadRequest')).toBe(true);
    });
  }
});

describe('field selectors', () => {
  const fields: Record<string, string> = { 'metadata.name': 'a,b', 'status.phase': 'Running' };
  const get = (f: string) => fields[f] ?? '';
  it('matches an escaped comma in a value', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=a\\,b'), get)).toBe(true);
  });
  it('combines terms with and', () => {
    expect(matchesFields(parseFieldSelector('metadata.name=a\\,b,status.phase!=Running'), get)).toBe(false);
  });
  it('rejects a term without an operator', () => {
    expect(() => parseFieldSelector('status.phase')).toThrow(/invalid field selector/);
  });
});
