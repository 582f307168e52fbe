import { describe, expect, it } from 'vitest';
import { formatCPU, formatDuration, formatMemory } from './format.js';

describe('quantities as metrics-server renders them', () => {
  it.each([
    [12345678, '12345678n'],
    [12345000, '12345u'],
    [12340000, '12340u'],
    [250_000_000, '250m'],
    [1_000_000, '1m'],
    [2_000_000_000, '2'],
    [1_500_000_000, '1500m'],
    [0, '0'],
    [7, '7n'],
  ])('cpu %d nanocores is %s', (n, text) => {
    expect(formatCPU(n)).toBe(text);
  });

  it.each([
    [2281472, '2228Ki'],
    [64 * 1024 * 1024, '64Mi'],
    [3 * 1024 ** 3, '3Gi'],
    [1000, '1000'],
    [1_000_001, '1000001'],
    [0, '0'],
  ])('memory %d bytes is %s', (n, text) => {
    expect(formatMemory(n)).toBe(text);
  });

  it.each([
    [10_000, '10s'],
    [10_500, '10.5s'],
    [90_500, '1m30.5s'],
    [3_600_000, '1h0m0s'],
    [250, '250ms'],
    [1.5, '1.5ms'],
    [0, '0s'],
  ])('a window of %d ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
