/**
 * Refusals kubectl must relay from the server: strict field validation naming the unknown field,
 * 422 Invalid for a bad name, 409 Conflict for a stale resourceVersion. Each also checks that
 * nothing was written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, getJson, ok, run, type SuiteContext } from './context.js';
import { configMap } from './fixtures.js';

const ns = 'e2e-errors';

/** Declares the error-path tests of the kubectl suite. */
export function errorTests(ctx: SuiteContext): void {
  describe('refusals', () => {
    beforeAll(() => {
      createNamespace(ctx, ns);
      ok(ctx, ['create', '-f', '-'], JSON.stringify(configMap('current', ns, { k: 'v1' })));
    });

    it('strict validation refuses an unknown field and names it', () => {
      const manifest = { ...configMap('typo', ns), dataa: { a: 'b' } };
      const res = run(ctx, ['apply', '-f', '-', '-v=6'], JSON.stringify(manifest));
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('unknown field "dataa"');
      expect(res.stderr).toMatch(/POST \S+fieldValidation=Strict\S* 400 Bad Request/);
      expect(run(ctx, ['get', 'cm', '-n', ns, 'typo']).code).toBe(1);
    });

    it('an invalid name is refused with 422 Invalid', () => {
      const res = run(ctx, ['create', '-f', '-', '-v=6'], JSON.stringify(configMap('Bad_Name', ns)));
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/POST \S+\/configmaps\S* 422 Unprocessable Entity/);
      expect(res.stderr).toContain('The ConfigMap "Bad_Name" is invalid');
      expect(res.stderr).toContain('metadata.name: Invalid value: "Bad_Name"');
    });

    it('replace with a stale resourceVersion is refused with 409 Conflict', () => {
      const stale = getJson(ctx, ['cm', '-n', ns, 'current']);
      ok(ctx, ['label', 'cm', '-n', ns, 'current', 'bumped=yes']);
      stale.data = { k: 'stale' };
      const res = run(ctx, ['replace', '-f', '-'], JSON.stringify(stale));
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('Error from server (Conflict)');
      expect(res.stderr).toContain('the object has been modified');
      const now = getJson(ctx, ['cm', '-n', ns, 'current']);
      expect(now.data).toEqual({ k: 'v1' });
      expect(now.metadata.labels).toEqual({ bumped: 'yes' });
    });
  });
}
