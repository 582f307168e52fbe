/**
 * Discovery as kubectl sees it: version, api-resources (names, short names, scope, kind),
 * api-versions, explain (OpenAPI v3) and `get all` (categories + server-side tables).
 */
import { describe, expect, it } from 'vitest';
import { ok, type SuiteContext } from './context.js';
import { parseTable } from './fixtures.js';

const resources = [
  { name: 'deployments', short: 'deploy', apiVersion: 'apps/v1', namespaced: 'true', kind: 'Deployment' },
  { name: 'pods', short: 'po', apiVersion: 'v1', namespaced: 'true', kind: 'Pod' },
  { name: 'services', short: 'svc', apiVersion: 'v1', namespaced: 'true', kind: 'Service' },
  { name: 'configmaps', short: 'cm', apiVersion: 'v1', namespaced: 'true', kind: 'ConfigMap' },
  { name: 'namespaces', short: 'ns', apiVersion: 'v1', namespaced: 'false', kind: 'Namespace' },
  { name: 'statefulsets', short: 'sts', apiVersion: 'apps/v1', namespaced: 'true', kind: 'StatefulSet' },
  { name: 'cronjobs', short: 'cj', apiVersion: 'batch/v1', namespaced: 'true', kind: 'CronJob' },
  {
    name: 'ingresses',
    short: 'ing',
    apiVersion: 'networking.k8s.io/v1',
    namespaced: 'true',
    kind: 'Ingress',
  },
];

/** Declares the discovery tests of the kubectl suite. */
export function discoveryTests(ctx: SuiteContext): void {
  describe('discovery', () => {
    it('kubectl version reports a v1.32 server', () => {
      const version = JSON.parse(ok(ctx, ['version', '-o', 'json']));
      expect(version.serverVersion.major).toBe('1');
      expect(version.serverVersion.minor).toBe('32');
      expect(version.serverVersion.gitVersion).toMatch(/^v1\.32\.\d+/);
    });

    it.each(resources)('api-resources lists $name as $short, $apiVersion, $kind', (want) => {
      const rows = parseTable(ok(ctx, ['api-resources']));
      const row = rows.find((r) => r.NAME === want.name && r.APIVERSION === want.apiVersion);
      expect(row).toEqual({
        NAME: want.name,
        SHORTNAMES: want.short,
        APIVERSION: want.apiVersion,
        NAMESPACED: want.namespaced,
        KIND: want.kind,
      });
    });

    it('api-versions lists the core, apps, batch and networking group versions', () => {
      const versions = ok(ctx, ['api-versions']).trim().split('\n');
      expect(versions).toEqual(expect.arrayContaining(['v1', 'apps/v1', 'batch/v1', 'networking.k8s.io/v1']));
    });

    it('short names resolve through the RESTMapper', () => {
      expect(ok(ctx, ['get', 'svc', '-n', 'default', 'kubernetes', '-o', 'name']).trim()).toBe(
        'service/kubernetes',
      );
    });

    it('explain deployment.spec.template describes a PodTemplateSpec and its fields', () => {
      const out = ok(ctx, ['explain', 'deployment.spec.template']);
      expect(out).toMatch(/KIND:\s+Deployment/);
      expect(out).toContain('<PodTemplateSpec>');
      expect(out).toContain('FIELDS:');
      expect(out).toMatch(/^\s+spec\s+<PodSpec>/m);
    });

    it('get all -A shows the kubernetes service in default', () => {
      const rows = parseTable(ok(ctx, ['get', 'all', '-A']));
      const svc = rows.find((r) => r.NAME === 'service/kubernetes');
      expect(svc).toMatchObject({ NAMESPACE: 'default', TYPE: 'ClusterIP', 'PORT(S)': '443/TCP' });
    });
  });
}
