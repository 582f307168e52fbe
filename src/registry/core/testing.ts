/**
 * Test fixtures for registry strategies: an in-memory StrategyContext over fixed object lists.
 * Used only by *.test.ts files.
 */
import type { KObject } from '../../api/object.js';
import type { StrategyContext } from '../types.js';

/** A StrategyContext whose list() serves the given objects per resource. */
export function contextWith(
  objects: Record<string, KObject[]> = {},
  now = new Date('2024-01-01T00:00:00Z'),
): StrategyContext {
  return {
    now: () => now,
    list: (resource) => objects[resource] ?? [],
    config: { serviceCIDR: '10.43.0.0/16', nodePortRange: [30000, 32767] },
  };
}
