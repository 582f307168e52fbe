/**
 * Test support for strategy tests of every non-core group: a StrategyContext over fixed objects,
 * and create/update helpers that run a strategy the way the API server does (generic metadata
 * first, then defaults, prepare, validate), so tests exercise the same order of calls.
 */
import type { KObject } from '../../api/object.js';
import type { FieldError, ResourceStrategy, StrategyContext } from '../types.js';

/** The clock every strategy test uses. */
export const TEST_NOW = new Date('2024-05-01T12:00:00Z');

/** A context whose list() serves `objects` by resource key ("apps/deployments"). */
export function testContext(objects: Record<string, KObject[]> = {}, now = TEST_NOW): StrategyContext {
  return {
    now: () => now,
    list: (resource) => objects[resource] ?? [],
    config: { serviceCIDR: '10.43.0.0/16', nodePortRange: [30000, 32767] },
  };
}

/** "field: message" lines, the way kubectl shows the causes of a 422. */
export function messages(errs: FieldError[]): string[] {
  return errs.map((e) => `${e.field}: ${e.message}`);
}

/** A deep copy, so cases can mutate fixtures freely. */
export function copy<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/**
 * Create as the API server does: uid and creationTimestamp first, then defaults,
 * prepareForCreate and validate. Returns the stored object and the validation errors.
 */
export function create(
  s: ResourceStrategy,
  input: KObject,
  ctx = testContext(),
): { obj: KObject; errors: FieldError[] } {
  const obj = copy(input);
  obj.metadata.uid ??= '6f1d3c1e-0000-4000-8000-000000000001';
  obj.metadata.creationTimestamp ??= '2024-05-01T11:00:00Z';
  s.defaults?.(obj);
  s.prepareForCreate?.(obj, ctx);
  return { obj, errors: s.validate?.(obj, ctx) ?? [] };
}

/** Update as the API server does: defaults, prepareForUpdate, validate, validateUpdate. */
export function update(s: ResourceStrategy, input: KObject, old: KObject, ctx = testContext()): FieldError[] {
  const obj = copy(input);
  s.defaults?.(obj);
  s.prepareForUpdate?.(obj, old, ctx);
  return [...(s.validate?.(obj, ctx) ?? []), ...(s.validateUpdate?.(obj, old, ctx) ?? [])];
}

/** A minimal valid pod template with the given labels and restart policy. */
export function podTemplate(labels: Record<string, string>, restartPolicy?: string): Record<string, unknown> {
  return {
    metadata: { labels },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }], ...(restartPolicy ? { restartPolicy } : {}) },
  };
}

/** A namespaced object of `kind` named `name` with the given spec. */
export function object(
  apiVersion: string,
  kind: string,
  name: string,
  spec: Record<string, unknown>,
): KObject {
  return { apiVersion, kind, metadata: { name, namespace: 'default' }, spec };
}
