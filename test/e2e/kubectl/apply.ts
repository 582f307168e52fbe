/**
 * Client-side apply of a multi-document file, then an edit of the file: `kubectl diff` shows the
 * change without making it, re-apply makes exactly that change (strategic merge by name keeps the
 * other container and one injected outside the file), and a server dry run persists nothing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { getJson, ok, run, type SuiteContext, writeManifest } from './context.js';
import { appManifests, configMap, toYamlDocs } from './fixtures.js';

const ns = 'e2e-apply';
const envAB = [
  { name: 'A', value: '1' },
  { name: 'B', value: '2' },
];
const envAC = [
  { name: 'A', value: '1' },
  { name: 'C', value: '3' },
];

function deployment(ctx: SuiteContext): any {
  return getJson(ctx, ['deployment', '-n', ns, 'web']);
}

function container(deploy: any, name: string): any {
  return deploy.spec.template.spec.containers.find((c: any) => c.name === name);
}

/** Declares the apply/diff tests of the kubectl suite. */
export function applyTests(ctx: SuiteContext): void {
  describe('apply and diff', () => {
    let file = '';
    beforeAll(() => {
      file = writeManifest(ctx, 'app.yaml', toYamlDocs(appManifests(ns, envAB)));
    });

    it('apply -f of a multi-document file creates every object', () => {
      const out = ok(ctx, ['apply', '-f', file]).trim().split('\n');
      expect(out).toEqual([
        `namespace/${ns} created`,
        'configmap/settings created',
        'secret/creds created',
        'deployment.apps/web created',
        'service/web created',
        'ingress.networking.k8s.io/web created',
      ]);
      const kinds = ok(ctx, ['get', 'configmap,secret,deployment,service,ingress', '-n', ns, '-o', 'name']);
      expect(kinds.trim().split('\n')).toEqual(
        expect.arrayContaining([
          'configmap/settings',
          'secret/creds',
          'deployment.apps/web',
          'service/web',
          'ingress.networking.k8s.io/web',
        ]),
      );
    });

    it('the secret stores stringData base64-encoded under data', () => {
      const secret = getJson(ctx, ['secret', '-n', ns, 'creds']);
      expect(secret.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
      expect(secret.stringData).toBeUndefined();
    });

    it('the deployment keeps both containers with env A and B', () => {
      const deploy = deployment(ctx);
      expect(deploy.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar']);
      expect(container(deploy, 'app').env).toEqual(envAB);
      expect(deploy.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain(
        '"name":"B"',
      );
    });

    it('diff of the edited file exits 1, shows the env change and changes nothing', () => {
      writeManifest(ctx, 'app.yaml', toYamlDocs(appManifests(ns, envAC)));
      const res = run(ctx, ['diff', '-f', file]);
      expect(res.stderr).toBe('');
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(/^-\s+- name: B$/m);
      expect(res.stdout).toMatch(/^\+\s+- name: C$/m);
      expect(res.stdout).toContain('Deployment.e2e-apply.web');
      expect(container(deployment(ctx), 'app').env).toEqual(envAB);
    });

    it('diff of an unchanged file exits 0 with no output', () => {
      const unchanged = writeManifest(
        ctx,
        'settings.yaml',
        toYamlDocs([configMap('settings', ns, { mode: 'fast' })]),
      );
      expect(run(ctx, ['diff', '-f', unchanged])).toEqual({ code: 0, stdout: '', stderr: '' });
    });

    it('re-apply sets env to exactly A and C and keeps the other containers', () => {
      // A container added outside the file (as a mutating webhook would) must survive: the
      // strategic merge patch merges containers by name rather than replacing the list.
      ok(ctx, [
        'patch',
        'deployment',
        '-n',
        ns,
        'web',
        '-p',
        JSON.stringify({
          spec: { template: { spec: { containers: [{ name: 'injected', image: 'pause:3.9' }] } } },
        }),
      ]);
      const out = ok(ctx, ['apply', '-f', file]);
      expect(out).toContain('deployment.apps/web configured');
      expect(out).toContain('configmap/settings unchanged');
      const deploy = deployment(ctx);
      expect(container(deploy, 'app').env).toEqual(envAC);
      expect(container(deploy, 'sidecar')).toMatchObject({
        image: 'busybox:1.36',
        command: ['sleep', 'infinity'],
      });
      expect(container(deploy, 'injected')).toMatchObject({ image: 'pause:3.9' });
      expect(deploy.spec.template.spec.containers).toHaveLength(3);
      expect(deploy.metadata.generation).toBe(3);
    });

    it('apply --dry-run=server of a new ConfigMap reports it created but persists nothing', () => {
      const ghost = writeManifest(ctx, 'ghost.yaml', toYamlDocs([configMap('ghost', ns, { a: 'b' })]));
      expect(ok(ctx, ['apply', '--dry-run=server', '-f', ghost]).trim()).toBe(
        'configmap/ghost created (server dry run)',
      );
      const res = run(ctx, ['get', 'configmap', '-n', ns, 'ghost']);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('configmaps "ghost" not found');
    });
  });
}
