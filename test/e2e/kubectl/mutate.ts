/**
 * Every kubectl verb that changes an object: label, annotate, the three patch types, edit through
 * $EDITOR, replace, scale (the /scale subresource) and delete, including a finalizer holding a
 * deleted object until it is patched away.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createNamespace, getJson, ok, run, type SuiteContext } from './context.js';
import { appManifests, configMap, toYamlDocs } from './fixtures.js';

const ns = 'e2e-mutate';

const patches = [
  {
    type: 'strategic',
    args: ['-p', '{"data":{"s":"1"}}'],
    want: { k: 'v', s: '1' },
  },
  {
    type: 'merge',
    args: ['--type=merge', '-p', '{"data":{"m":"2","s":null}}'],
    want: { k: 'v', m: '2' },
  },
  {
    type: 'json',
    args: [
      '--type=json',
      '-p',
      '[{"op":"add","path":"/data/j","value":"3"},{"op":"remove","path":"/data/k"}]',
    ],
    want: { m: '2', j: '3' },
  },
];

function configMapJson(ctx: SuiteContext, name: string): any {
  return getJson(ctx, ['configmap', '-n', ns, name]);
}

function notFound(ctx: SuiteContext, name: string): void {
  const res = run(ctx, ['get', 'configmap', '-n', ns, name]);
  expect(res.code).toBe(1);
  expect(res.stderr).toContain(`configmaps "${name}" not found`);
}

/** Declares the label/annotate/patch/edit/replace/scale/delete tests of the kubectl suite. */
export function mutateTests(ctx: SuiteContext): void {
  describe('changing objects', () => {
    beforeAll(() => {
      createNamespace(ctx, ns);
      const objects = [
        configMap('target', ns, { k: 'v' }),
        configMap('editme', ns, { greeting: 'before' }),
        configMap('doomed', ns, { k: 'v' }),
        ...appManifests(ns, []).slice(3, 4),
      ];
      ok(ctx, ['create', '-f', '-'], toYamlDocs(objects));
    });

    it('label and annotate add metadata', () => {
      expect(ok(ctx, ['label', 'cm', '-n', ns, 'target', 'team=blue']).trim()).toBe(
        'configmap/target labeled',
      );
      expect(ok(ctx, ['annotate', 'cm', '-n', ns, 'target', 'note=hello']).trim()).toBe(
        'configmap/target annotated',
      );
      const cm = configMapJson(ctx, 'target');
      expect(cm.metadata.labels).toEqual({ team: 'blue' });
      expect(cm.metadata.annotations).toEqual({ note: 'hello' });
    });

    it('label --overwrite changes a label and label key- removes it', () => {
      ok(ctx, ['label', 'cm', '-n', ns, 'target', 'team=red', '--overwrite']);
      expect(configMapJson(ctx, 'target').metadata.labels).toEqual({ team: 'red' });
      ok(ctx, ['label', 'cm', '-n', ns, 'target', 'team-']);
      // kube-apiserver omits an emptied map (Go omitempty), and so does skiff.
      expect(configMapJson(ctx, 'target').metadata.labels).toBeUndefined();
    });

    it.each(patches)('patch --type $type applies its patch', ({ args, want }) => {
      expect(ok(ctx, ['patch', 'cm', '-n', ns, 'target', ...args]).trim()).toBe('configmap/target patched');
      expect(configMapJson(ctx, 'target').data).toEqual(want);
    });

    it('edit runs $EDITOR on the object and saves the result', () => {
      const env = { EDITOR: 'sed -i -e s/before/after/', KUBE_EDITOR: '' };
      expect(ok(ctx, ['edit', 'cm', '-n', ns, 'editme'], undefined, env).trim()).toBe(
        'configmap/editme edited',
      );
      expect(configMapJson(ctx, 'editme').data).toEqual({ greeting: 'after' });
    });

    it('replace -f swaps in the whole object', () => {
      const current = configMapJson(ctx, 'editme');
      current.data = { replaced: 'yes' };
      expect(ok(ctx, ['replace', '-f', '-'], JSON.stringify(current)).trim()).toBe(
        'configmap/editme replaced',
      );
      const after = configMapJson(ctx, 'editme');
      expect(after.data).toEqual({ replaced: 'yes' });
      expect(Number(after.metadata.resourceVersion)).toBeGreaterThan(
        Number(current.metadata.resourceVersion),
      );
    });

    it('scale deployment --replicas=5 sets spec.replicas through the scale subresource', () => {
      expect(ok(ctx, ['scale', 'deployment', '-n', ns, 'web', '--replicas=5']).trim()).toBe(
        'deployment.apps/web scaled',
      );
      expect(getJson(ctx, ['deployment', '-n', ns, 'web']).spec.replicas).toBe(5);
      const scale = JSON.parse(
        ok(ctx, ['get', '--raw', `/apis/apps/v1/namespaces/${ns}/deployments/web/scale`]),
      );
      expect(scale).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 5 } });
    });

    it('delete removes the object', () => {
      expect(ok(ctx, ['delete', 'cm', '-n', ns, 'doomed']).trim()).toBe('configmap "doomed" deleted');
      notFound(ctx, 'doomed');
    });

    it('a finalizer keeps a deleted ConfigMap until it is patched away', () => {
      const held = configMap('held', ns, { k: 'v' }, { finalizers: ['example.com/hold'] });
      ok(ctx, ['create', '-f', '-'], JSON.stringify(held));
      expect(ok(ctx, ['delete', 'cm', '-n', ns, 'held', '--wait=false']).trim()).toBe(
        'configmap "held" deleted',
      );
      const deleting = configMapJson(ctx, 'held');
      expect(Date.parse(deleting.metadata.deletionTimestamp)).toBeGreaterThan(Date.now() - 60_000);
      expect(deleting.metadata.finalizers).toEqual(['example.com/hold']);
      ok(ctx, [
        'patch',
        'cm',
        '-n',
        ns,
        'held',
        '--type=json',
        '-p',
        '[{"op":"remove","path":"/metadata/finalizers"}]',
      ]);
      notFound(ctx, 'held');
    });
  });
}
