/** Exact ceil(quantity / divisor), the downward API's resource arithmetic. */
import { describe, expect, it } from 'vitest';
import { divideCeil, parseExact } from './quantity.js';

describe('divideCeil', () => {
  const cases: Array<[string | number, string | undefined, string]> = [
    ['250m', '1', '1'],
    ['250m', '1m', '250'],
    ['0.1', '100m', '1'],
    ['1Gi', '1M', '1074'],
    ['1Gi', '1Mi', '1024'],
    ['1.5Gi', '1Gi', '2'],
    ['1e3', '1k', '1'],
    ['1E', '1P', '1000'],
    ['128974848', '1Mi', '123'],
    ['1n', '1', '1'],
    ['0', '1', '0'],
    ['-1', '1', '0'],
    ['1', '0', '1'],
    ['100Ei', '1n', '9223372036854775807'],
    [4, undefined, '4'],
  ];
  it.each(cases)('%s / %s = %s', (q, d, want) => expect(divideCeil(q, d)).toBe(want));

  it('rejects what is not a quantity', () => {
    expect(() => parseExact('1.2.3')).toThrow('quantities must match the regular expression');
    expect(() => parseExact('12Q')).toThrow();
  });
});
