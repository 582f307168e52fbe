import { describe, expect, it } from 'vitest';
import { isValidQuantity, parseQuantity } from './quantity.js';

describe('parseQuantity', () => {
  const cases: Array<[string | number, number]> = [
    ['100m', 0.1],
    ['1', 1],
    ['1.5', 1.5],
    ['2k', 2000],
    ['1M', 1e6],
    ['1G', 1e9],
    ['1Ki', 1024],
    ['128Mi', 128 * 2 ** 20],
    ['1.5Gi', 1.5 * 2 ** 30],
    ['2e3', 2000],
    ['1E', 1e18],
    ['500u', 0.0005],
    ['-1', -1],
    [3, 3],
  ];
  for (const [input, expected] of cases) {
    it(`parses ${JSON.stringify(input)} as ${expected}`, () => {
      expect(parseQuantity(input)).toBeCloseTo(expected, 12);
    });
  }

  for (const bad of ['', 'abc', '1Gb', '1 Gi', '1.2.3', 'Mi', '1KI']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      expect(() => parseQuantity(bad)).toThrow();
      expect(isValidQuantity(bad)).toBe(false);
    });
  }

  it('reports non-strings and non-numbers as invalid', () => {
    expect(isValidQuantity({})).toBe(false);
    expect(isValidQuantity('250m')).toBe(true);
  });
});
