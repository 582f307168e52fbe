/**
 * `kubectl get` output formats, selectors, sorting, paging and watch, over six ConfigMaps whose
 * labels and data make every filter and ordering distinguishable from the default name order.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startKubectl } from '../../support/kubectl-watch.js';
import { createNamespace, ok, run, type SuiteContext } from './context.js';
import { appManifests, configMap, names, parseTable, toYamlDocs } from './fixtures.js';

const ns = 'e2e-get';
// rank runs opposite to the name, so sorting by it is visibly not the storage order.
const maps = [1, 2, 3, 4, 5, 6].map((i) =>
  configMap(
    `cm-${i}`,
    ns,
    { k: `v${i}`, rank: String(10 - i) },
    { labels: { suite: 'get', tier: i % 2 ? 'odd' : 'even', idx: String(i) } },
  ),
);
const all = maps.map((m) => `configmap/${m.metadata.name}`);

const selectors = [
  { name: 'equality selector', selector: 'tier=odd', want: ['cm-1', 'cm-3', 'cm-5'] },
  { name: 'inequality selector', selector: 'suite=get,tier!=odd', want: ['cm-2', 'cm-4', 'cm-6'] },
  { name: 'set-based in and notin', selector: 'tier in (even),idx notin (2,6)', want: ['cm-4'] },
  { name: 'existence selector', selector: 'suite,!missing,idx in (1,6)', want: ['cm-1', 'cm-6'] },
];

const sorts = [
  { by: '.metadata.name', want: ['cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6'] },
  { by: '.data.rank', want: ['cm-6', 'cm-5', 'cm-4', 'cm-3', 'cm-2', 'cm-1'] },
];

/** Declares the `kubectl get` tests of the kubectl suite. */
export function getTests(ctx: SuiteContext): void {
  describe('get', () => {
    beforeAll(() => {
      createNamespace(ctx, ns);
      // Created in reverse so that name order is not creation order.
      ok(ctx, ['create', '-f', '-'], toYamlDocs([...maps].reverse()));
      ok(ctx, ['apply', '-f', '-'], toYamlDocs(appManifests(ns, [{ name: 'A', value: '1' }]).slice(3, 4)));
    });

    it('-o wide adds the deployment containers, images and selector columns', () => {
      const rows = parseTable(ok(ctx, ['get', 'deployments', '-n', ns, '-o', 'wide']));
      expect(rows).toEqual([
        {
          NAME: 'web',
          // No nodes run in this suite: the controller creates the pods, none becomes ready.
          READY: '0/2',
          'UP-TO-DATE': expect.stringMatching(/^[02]$/),
          AVAILABLE: '0',
          AGE: expect.stringMatching(/^\d+s$/),
          CONTAINERS: 'app,sidecar',
          IMAGES: 'nginx:1.27,busybox:1.36',
          SELECTOR: 'app=web',
        },
      ]);
    });

    it('-o yaml prints a List with every object', () => {
      const list = parseYaml(ok(ctx, ['get', 'cm', '-n', ns, '-l', 'suite=get', '-o', 'yaml']));
      expect(list.kind).toBe('List');
      expect(list.items.map((i: any) => i.metadata.name).sort()).toEqual(maps.map((m) => m.metadata.name));
      expect(list.items.find((i: any) => i.metadata.name === 'cm-2').data).toEqual({ k: 'v2', rank: '8' });
    });

    it('-o json of one object prints the stored object', () => {
      const cm = JSON.parse(ok(ctx, ['get', 'cm', '-n', ns, 'cm-3', '-o', 'json']));
      expect(cm).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { k: 'v3', rank: '7' } });
      expect(cm.metadata).toMatchObject({ name: 'cm-3', namespace: ns, labels: { tier: 'odd', idx: '3' } });
      expect(cm.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(Number(cm.metadata.resourceVersion)).toBeGreaterThan(0);
    });

    it('-o jsonpath walks every item', () => {
      const tpl = '{range .items[*]}{.metadata.name}={.data.k}{"\\n"}{end}';
      const out = ok(ctx, ['get', 'cm', '-n', ns, '-l', 'suite=get', '-o', `jsonpath=${tpl}`]);
      expect(out.trim().split('\n').sort()).toEqual([
        'cm-1=v1',
        'cm-2=v2',
        'cm-3=v3',
        'cm-4=v4',
        'cm-5=v5',
        'cm-6=v6',
      ]);
    });

    it('-o custom-columns prints the chosen fields', () => {
      const cols = 'NAME:.metadata.name,TIER:.metadata.labels.tier,K:.data.k';
      const out = ok(ctx, ['get', 'cm', '-n', ns, '-l', 'idx in (1,2)', '-o', `custom-columns=${cols}`]);
      expect(parseTable(out)).toEqual([
        { NAME: 'cm-1', TIER: 'odd', K: 'v1' },
        { NAME: 'cm-2', TIER: 'even', K: 'v2' },
      ]);
    });

    it('-o name prints kind/name for each object', () => {
      expect(names(ok(ctx, ['get', 'cm', '-n', ns, '-l', 'suite=get', '-o', 'name']))).toEqual(all);
    });

    it.each(selectors)('-l with an $name picks the matching objects', ({ selector, want }) => {
      const out = ok(ctx, ['get', 'cm', '-n', ns, '-l', selector, '-o', 'name']);
      expect(names(out)).toEqual(want.map((n) => `configmap/${n}`));
    });

    it('--field-selector metadata.name picks one object', () => {
      const out = ok(ctx, ['get', 'cm', '-n', ns, '--field-selector', 'metadata.name=cm-3', '-o', 'name']);
      expect(out.trim()).toBe('configmap/cm-3');
    });

    it.each(sorts)('--sort-by=$by orders the table rows', ({ by, want }) => {
      const rows = parseTable(ok(ctx, ['get', 'cm', '-n', ns, '-l', 'suite=get', `--sort-by=${by}`]));
      expect(rows.map((r) => r.NAME)).toEqual(want);
      expect(rows.every((r) => r.DATA === '2')).toBe(true);
    });

    it('--chunk-size=2 pages through all objects with continue tokens', () => {
      const res = run(ctx, ['get', 'cm', '-n', ns, '-l', 'suite=get', '--chunk-size=2', '-v=6']);
      expect(res.code).toBe(0);
      expect(parseTable(res.stdout).map((r) => r.NAME)).toEqual(maps.map((m) => m.metadata.name));
      const pages = res.stderr.split('\n').filter((l) => /GET \S+\/configmaps\?\S*limit=2\S* 200/.test(l));
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.filter((l) => l.includes('continue=')).length).toBe(pages.length - 1);
    });

    describe('watch', () => {
      const watch = { stop: async () => {} };
      afterAll(() => watch.stop());

      it('get -w in another process sees a label added by another kubectl', async () => {
        const tpl = '{.metadata.name} color={.metadata.labels.color}{"\\n"}';
        const bg = startKubectl(ctx.target(), ['get', 'cm', '-n', ns, 'cm-5', '-w', '-o', `jsonpath=${tpl}`]);
        watch.stop = bg.stop;
        await bg.waitFor((out) => out.includes('cm-5 color=\n'));
        ok(ctx, ['label', 'cm', '-n', ns, 'cm-5', 'color=blue']);
        await bg.waitFor((out) => out.includes('cm-5 color=blue\n'));
        await bg.stop();
        expect(bg.stdout().trim().split('\n')).toEqual(['cm-5 color=', 'cm-5 color=blue']);
      });
    });
  });
}
