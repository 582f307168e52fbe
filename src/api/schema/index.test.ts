import { describe, expect, it } from 'vitest';
import { definitionName, definitionNames, getDefinition, resolveSchema } from './index.js';

describe('definitionName', () => {
  const cases = [
    { name: 'core kinds live in io.k8s.api.core', gvk: ['', 'v1', 'Pod'], want: 'io.k8s.api.core.v1.Pod' },
    {
      name: 'apps kinds keep the short group',
      gvk: ['apps', 'v1', 'Deployment'],
      want: 'io.k8s.api.apps.v1.Deployment',
    },
    {
      name: 'k8s.io groups drop the domain',
      gvk: ['networking.k8s.io', 'v1', 'Ingress'],
      want: 'io.k8s.api.networking.v1.Ingress',
    },
    {
      name: 'rbac keeps only its first label',
      gvk: ['rbac.authorization.k8s.io', 'v1', 'ClusterRole'],
      want: 'io.k8s.api.rbac.v1.ClusterRole',
    },
    {
      name: 'CustomResourceDefinition lives in the apiextensions-apiserver package',
      gvk: ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition'],
      want: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    },
    {
      name: 'custom resources get the reversed group, as kube names them',
      gvk: ['stable.example.com', 'v1', 'CronTab'],
      want: 'com.example.stable.v1.CronTab',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [group, version, kind] = c.gvk;
      expect(definitionName(group, version, kind)).toBe(c.want);
    });
  }
});

describe('generated definitions', () => {
  it('every $ref names a definition that exists', () => {
    const missing: string[] = [];
    const visit = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(visit);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') {
            if (!getDefinition(x.replace('#/components/schemas/', ''))) missing.push(x);
          } else visit(x);
        }
      }
    };
    for (const name of definitionNames()) visit(getDefinition(name));
    expect(missing).toEqual([]);
  });

  it('top-level kinds carry their group-version-kind', () => {
    expect(getDefinition('io.k8s.api.apps.v1.Deployment')?.['x-kubernetes-group-version-kind']).toEqual([
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    expect(getDefinition('io.k8s.api.core.v1.Pod')?.['x-kubernetes-group-version-kind']).toEqual([
      { group: '', kind: 'Pod', version: 'v1' },
    ]);
  });

  it('special types have the shapes kube-apiserver publishes', () => {
    expect(getDefinition('io.k8s.apimachinery.pkg.apis.meta.v1.Time')).toMatchObject({
      type: 'string',
      format: 'date-time',
    });
    expect(getDefinition('io.k8s.apimachinery.pkg.util.intstr.IntOrString')).toMatchObject({
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(getDefinition('io.k8s.apimachinery.pkg.api.resource.Quantity')?.oneOf).toEqual([
      { type: 'string' },
      { type: 'number' },
    ]);
  });

  it('described object fields wrap their $ref in allOf with the description beside it', () => {
    const spec = getDefinition('io.k8s.api.apps.v1.Deployment')?.properties?.spec;
    expect(spec?.allOf).toEqual([{ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' }]);
    expect(spec?.description).toMatch(/desired behavior/);
  });

  it('JSONSchemaProps declares the x-kubernetes extensions CRDs use', () => {
    const props = getDefinition(
      'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps',
    )?.properties;
    expect(Object.keys(props ?? {})).toEqual(
      expect.arrayContaining(['x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', '$ref']),
    );
  });
});

describe('resolveSchema', () => {
  it('follows allOf-wrapped refs to the definition', () => {
    const field = getDefinition('io.k8s.api.apps.v1.DeploymentSpec')!.properties!.template;
    expect(resolveSchema(field)).toBe(getDefinition('io.k8s.api.core.v1.PodTemplateSpec'));
  });

  it('returns inline schemas unchanged', () => {
    const inline = { type: 'string' };
    expect(resolveSchema(inline)).toBe(inline);
  });
});
