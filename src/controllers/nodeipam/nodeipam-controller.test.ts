import { describe, expect, it } from 'vitest';
import { formatCIDR, parseCIDR } from '../../agent/node/cidr.js';
import { nextFreeBlock } from './nodeipam-controller.js';

describe('nextFreeBlock', () => {
  const range = parseCIDR('10.42.0.0/16');
  it('takes the first block when nothing is used', () => {
    expect(formatCIDR(nextFreeBlock(range, 24, [])!)).toBe('10.42.0.0/24');
  });
  it('skips blocks that overlap used ones, whatever their size', () => {
    const taken = [parseCIDR('10.42.0.0/24'), parseCIDR('10.42.1.64/26')];
    expect(formatCIDR(nextFreeBlock(range, 24, taken)!)).toBe('10.42.2.0/24');
  });
  it('says when the range is full', () => {
    expect(nextFreeBlock(parseCIDR('10.42.0.0/24'), 24, [parseCIDR('10.42.0.0/24')])).toBeUndefined();
  });
});
