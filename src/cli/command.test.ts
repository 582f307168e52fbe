import { describe, expect, it } from 'vitest';
import { parseLogRotation, UsageError } from './command.js';

describe('parseLogRotation', () => {
  it('takes the kubelet defaults for the flag not given, and nothing when neither is', () => {
    expect(parseLogRotation(undefined, undefined)).toBeUndefined();
    expect(parseLogRotation('4Ki', undefined)).toEqual({ maxBytes: 4096, maxFiles: 5 });
    expect(parseLogRotation(undefined, '3')).toEqual({ maxBytes: 10 * 1024 * 1024, maxFiles: 3 });
  });

  it('refuses sizes and counts that make no sense, in one line', () => {
    expect(() => parseLogRotation('ten megs', undefined)).toThrow(UsageError);
    expect(() => parseLogRotation('0', undefined)).toThrow(/at least 1 byte/);
    expect(() => parseLogRotation(undefined, '1')).toThrow(/whole number >= 2/);
    expect(() => parseLogRotation(undefined, '2.5')).toThrow(UsageError);
  });
});
