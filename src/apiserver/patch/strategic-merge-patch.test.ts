import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { type MetaDesc, mergeList, metaFrom } from './test-meta.js';

// The struct tags of the Kubernetes types these tests touch (k8s.io/api types.go).
const objectMeta: MetaDesc = {
  labels: { $values: {} },
  annotations: { $values: {} },
  finalizers: mergeList(),
  ownerReferences: mergeList('uid'),
};
const container: MetaDesc = {
  env: mergeList('name'),
  ports: mergeList('containerPort'),
  volumeMounts: mergeList('mountPath'),
  args: {},
};
const podSpec: MetaDesc = {
  containers: mergeList('name', container),
  initContainers: mergeList('name', container),
  volumes: mergeList('name', {}, 'merge,retainKeys'),
  tolerations: {},
  nodeSelector: { $values: {} },
};
const deploymentMeta = metaFrom({
  metadata: objectMeta,
  spec: {
    strategy: { $strategy: 'retainKeys', type: {}, rollingUpdate: {} },
    template: { metadata: objectMeta, spec: podSpec },
  },
});

/** A Deployment whose pod template holds `spec` (merged over two containers). */
function deployment(spec: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['a', 'b'] },
    spec: {
      replicas: 2,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'app:1',
              env: [
                { name: 'A', value: 'a' },
                { name: 'B', value: 'b' },
              ],
              ports: [{ containerPort: 80, name: 'http' }],
            },
            { name: 'sidecar', image: 'proxy:1', env: [{ name: 'X', value: 'x' }] },
          ],
          ...spec,
        },
      },
      ...extra,
    },
  };
}

type Obj = Record<string, any>;
const podSpecOf = (o: unknown): Obj => (o as Obj).spec.template.spec;

describe('strategicMergePatch merges maps and lists as Kubernetes does', () => {
  const cases: Array<{ name: string; patch: Obj; check: (out: Obj) => void }> = [
    {
      name: 'maps merge recursively and a null deletes a key',
      patch: { metadata: { labels: { app: null, tier: 'front' } }, spec: { replicas: 3 } },
      check: (out) => {
        expect(out.metadata.labels).toStrictEqual({ tier: 'front' });
        expect(out.spec.replicas).toBe(3);
        expect(podSpecOf(out).containers).toHaveLength(2);
      },
    },
    {
      name: 'a null for a key the object lacks is dropped, not stored',
      patch: { metadata: { annotations: null, labels: { nope: null } } },
      check: (out) => {
        expect(out.metadata).not.toHaveProperty('annotations');
        expect(out.metadata.labels).toStrictEqual({ app: 'web' });
      },
    },
    {
      name: "kubectl apply's patch adds one env entry and deletes another, keeping the other container",
      patch: {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'app' }, { name: 'sidecar' }],
              containers: [
                {
                  name: 'app',
                  '$setElementOrder/env': [{ name: 'A' }, { name: 'C' }],
                  env: [
                    { name: 'C', value: 'c' },
                    { $patch: 'delete', name: 'B' },
                  ],
                },
              ],
            },
          },
        },
      },
      check: (out) => {
        const [app, sidecar] = podSpecOf(out).containers;
        expect(app).toStrictEqual({
          name: 'app',
          image: 'app:1',
          env: [
            { name: 'A', value: 'a' },
            { name: 'C', value: 'c' },
          ],
          ports: [{ containerPort: 80, name: 'http' }],
        });
        expect(sidecar).toStrictEqual({
          name: 'sidecar',
          image: 'proxy:1',
          env: [{ name: 'X', value: 'x' }],
        });
      },
    },
    {
      name: 'ports merge by containerPort: a known port gains fields, a new one is added',
      patch: {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'app',
                  ports: [
                    { containerPort: 80, protocol: 'TCP' },
                    { containerPort: 443, name: 'https' },
                  ],
                },
              ],
            },
          },
        },
      },
      check: (out) => {
        expect(podSpecOf(out).containers[0].ports).toStrictEqual([
          { containerPort: 80, name: 'http', protocol: 'TCP' },
          { containerPort: 443, name: 'https' },
        ]);
      },
    },
    {
      name: 'finalizers merge as a set: union, live order kept, no duplicates',
      patch: { metadata: { finalizers: ['b', 'c'] } },
      check: (out) => expect(out.metadata.finalizers).toStrictEqual(['a', 'b', 'c']),
    },
    {
      name: '$deleteFromPrimitiveList removes finalizers',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a', 'zzz'] } },
      check: (out) => expect(out.metadata.finalizers).toStrictEqual(['b']),
    },
    {
      name: 'one patch can add a finalizer, delete another and set the order',
      patch: {
        metadata: {
          '$setElementOrder/finalizers': ['b', 'c'],
          finalizers: ['c'],
          '$deleteFromPrimitiveList/finalizers': ['a'],
        },
      },
      check: (out) => expect(out.metadata.finalizers).toStrictEqual(['b', 'c']),
    },
    {
      name: '$deleteFromPrimitiveList on a list the object lacks does not create it',
      patch: { spec: { template: { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } } } },
      check: (out) => expect(out.spec.template.metadata).toStrictEqual({ labels: { app: 'web' } }),
    },
    {
      name: '$retainKeys on a volume clears the volume source the patch does not keep',
      patch: {
        spec: {
          template: {
            spec: {
              volumes: [{ name: 'data', $retainKeys: ['hostPath', 'name'], hostPath: { path: '/srv' } }],
            },
          },
        },
      },
      check: (out) =>
        expect(podSpecOf(out).volumes).toStrictEqual([
          { name: 'data', hostPath: { path: '/srv' } },
          { name: 'cache', emptyDir: {} },
        ]),
    },
    {
      name: '$retainKeys on the deployment strategy drops rollingUpdate when switching to Recreate',
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
      check: (out) => expect(out.spec.strategy).toStrictEqual({ type: 'Recreate' }),
    },
    {
      name: '$patch: replace on a map replaces the whole map',
      patch: { spec: { template: { spec: { nodeSelector: { $patch: 'replace', disk: 'ssd' } } } } },
      check: (out) => expect(podSpecOf(out).nodeSelector).toStrictEqual({ disk: 'ssd' }),
    },
    {
      name: '$patch: replace in a list replaces the whole list with the other elements',
      patch: {
        spec: {
          template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'only:1' }] } },
        },
      },
      check: (out) => expect(podSpecOf(out).containers).toStrictEqual([{ name: 'only', image: 'only:1' }]),
    },
    {
      name: '$patch: delete on a map removes the field',
      patch: { spec: { template: { spec: { nodeSelector: { $patch: 'delete' } } } } },
      check: (out) => expect(podSpecOf(out)).not.toHaveProperty('nodeSelector'),
    },
    {
      name: '$patch: delete on a keyed element removes the container',
      patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      check: (out) => expect(podSpecOf(out).containers.map((c: Obj) => c.name)).toStrictEqual(['app']),
    },
    {
      name: 'a list without a merge strategy is replaced wholesale',
      patch: {
        spec: {
          template: {
            spec: { tolerations: [{ key: 'b' }], containers: [{ name: 'app', args: ['--new'] }] },
          },
        },
      },
      check: (out) => {
        expect(podSpecOf(out).tolerations).toStrictEqual([{ key: 'b' }]);
        expect(podSpecOf(out).containers[0].args).toStrictEqual(['--new']);
      },
    },
    {
      name: 'unknown fields: maps merge and lists are replaced',
      patch: { spec: { custom: { b: 2 }, customList: [3] } },
      check: (out) => {
        expect(out.spec.custom).toStrictEqual({ a: 1, b: 2 });
        expect(out.spec.customList).toStrictEqual([3]);
      },
    },
    {
      name: 'directives inside a value new to the object are applied, never stored',
      patch: {
        spec: {
          template: {
            spec: {
              initContainers: [
                {
                  name: 'init',
                  env: [
                    { name: 'X', value: null },
                    { $patch: 'delete', name: 'Y' },
                  ],
                  '$setElementOrder/env': [{ name: 'X' }],
                },
              ],
            },
          },
        },
      },
      check: (out) =>
        expect(podSpecOf(out).initContainers).toStrictEqual([{ name: 'init', env: [{ name: 'X' }] }]),
    },
    {
      name: '$setElementOrder alone reorders the containers',
      patch: {
        spec: {
          template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] } },
        },
      },
      check: (out) =>
        expect(podSpecOf(out).containers.map((c: Obj) => c.name)).toStrictEqual(['sidecar', 'app']),
    },
    {
      name: 'without $setElementOrder a container new to the list goes first, as in Kubernetes',
      patch: { spec: { template: { spec: { containers: [{ name: 'new', image: 'new:1' }] } } } },
      check: (out) =>
        expect(podSpecOf(out).containers.map((c: Obj) => c.name)).toStrictEqual(['new', 'app', 'sidecar']),
    },
    {
      name: 'a value of a different type replaces the old one',
      patch: { spec: { custom: ['now', 'a', 'list'], replicas: '3' } },
      check: (out) => {
        expect(out.spec.custom).toStrictEqual(['now', 'a', 'list']);
        expect(out.spec.replicas).toBe('3');
      },
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const original = deployment(
        {
          volumes: [
            { name: 'data', emptyDir: {} },
            { name: 'cache', emptyDir: {} },
          ],
          tolerations: [{ key: 'a' }],
        },
        { custom: { a: 1 }, customList: [1, 2] },
      );
      (original.spec.template.spec as Obj).nodeSelector = { zone: 'a' };
      const before = structuredClone(original);
      const patchBefore = structuredClone(c.patch);
      const out = strategicMergePatch(original, c.patch, deploymentMeta);
      c.check(out);
      expect(JSON.stringify(out)).not.toMatch(
        /"\$(patch|retainKeys|setElementOrder|deleteFromPrimitiveList)/,
      );
      expect(original).toStrictEqual(before);
      expect(c.patch).toStrictEqual(patchBefore);
    });
  }
});

describe('strategicMergePatch rejects bad patches', () => {
  const listMeta = metaFrom({ items: mergeList('name'), ints: mergeList(), matrix: mergeList() });
  const cases: Array<{ name: string; patch: unknown; code: number; message?: string }> = [
    { name: 'a body that is not an object', patch: [{ a: 1 }], code: 400 },
    {
      name: 'a merge-list element without its merge key',
      patch: { items: [{ value: 'b' }] },
      code: 400,
      message: 'does not contain declared merge key: name',
    },
    { name: 'an unknown $patch directive', patch: { items: [{ name: '1', $patch: 'explode' }] }, code: 400 },
    { name: '$patch: merge in a list', patch: { items: [{ $patch: 'merge' }] }, code: 400 },
    { name: 'an unknown $patch directive on a map', patch: { $patch: 'merge' }, code: 400 },
    {
      name: '$setElementOrder that contradicts the patch list order',
      patch: {
        '$setElementOrder/items': [{ name: '1' }, { name: '2' }],
        items: [{ name: '2' }, { name: '1' }],
      },
      code: 400,
      message: "doesn't match $setElementOrder list",
    },
    { name: '$setElementOrder that is not a list', patch: { '$setElementOrder/items': 'x' }, code: 400 },
    {
      name: '$retainKeys that is not a list',
      patch: { $retainKeys: 'items' },
      code: 400,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: '$retainKeys that omits a key the patch sets',
      patch: { $retainKeys: ['items'], other: 1 },
      code: 400,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: '$deleteFromPrimitiveList that is not a list',
      patch: { '$deleteFromPrimitiveList/ints': 1 },
      code: 400,
      message: 'invalid patch format of primitive list',
    },
    {
      name: 'a merge list of lists',
      patch: { matrix: [[1]] },
      code: 422,
      message: 'lists of lists are not supported',
    },
    { name: 'a merge list mixing element types', patch: { ints: ['x'] }, code: 400 },
  ];
  for (const c of cases) {
    it(c.name, () => {
      let caught: unknown;
      try {
        strategicMergePatch(
          { items: [{ name: '1', value: 'a' }], ints: [1], matrix: [[0]] },
          c.patch,
          listMeta,
        );
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ApiError);
      const err = caught as ApiError;
      expect(err.code).toBe(c.code);
      expect(err.reason).toBe(c.code === 400 ? 'BadRequest' : 'Invalid');
      if (c.message) expect(`${err.message} ${err.details?.causes?.[0]?.message ?? ''}`).toContain(c.message);
    });
  }
});
