import { describe, expect, it } from 'vitest';
import {
  formatLabels,
  humanAge,
  humanDuration,
  joinOrNone,
  labelSelectorString,
  selectorString,
} from './format.js';

describe('humanDuration', () => {
  const s = 1000;
  const m = 60 * s;
  const h = 60 * m;
  const d = 24 * h;
  const cases: Array<[number, string]> = [
    [-5 * s, '<invalid>'],
    [-1 * s, '0s'],
    [5 * s, '5s'],
    [119 * s, '119s'],
    [2 * m + 3 * s, '2m3s'],
    [5 * m, '5m'],
    [10 * m + 30 * s, '10m'],
    [179 * m, '179m'],
    [3 * h + 20 * m, '3h20m'],
    [5 * h, '5h'],
    [30 * h, '30h'],
    [3 * d + 4 * h, '3d4h'],
    [4 * d, '4d'],
    [45 * d, '45d'],
    [730 * d, '2y'],
    [800 * d, '2y70d'],
    [3000 * d, '8y'],
  ];
  for (const [ms, text] of cases) {
    it(`prints ${ms}ms as ${text}`, () => {
      expect(humanDuration(ms)).toBe(text);
    });
  }

  it('ages a timestamp relative to now, and <unknown> when unset', () => {
    const now = new Date('2024-01-01T01:00:00Z');
    expect(humanAge('2024-01-01T00:57:00Z', now)).toBe('3m');
    expect(humanAge(undefined, now)).toBe('<unknown>');
  });
});

describe('selector formatting', () => {
  it('prints requirements sorted by key, as kubectl does', () => {
    const sel = {
      matchLabels: { tier: 'web', app: 'shop' },
      matchExpressions: [
        { key: 'env', operator: 'In', values: ['prod', 'dev'] },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    };
    expect(labelSelectorString(sel)).toBe('app=shop,env in (dev,prod),!legacy,tier=web');
  });

  it('prints <none> for an empty selector but an empty string for Scale', () => {
    expect(labelSelectorString({})).toBe('<none>');
    expect(selectorString(undefined)).toBe('');
  });

  it('formats label maps and lists', () => {
    expect(formatLabels({ b: '2', a: '1' })).toBe('a=1,b=2');
    expect(formatLabels(undefined)).toBe('<none>');
    expect(joinOrNone([])).toBe('<none>');
    expect(joinOrNone(['x', 'y'])).toBe('x,y');
  });
});
