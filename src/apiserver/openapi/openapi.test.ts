import { describe, expect, it } from 'vitest';
import type { ResourceStrategy, ScaleAdapter } from '../../registry/types.js';
import { buildOpenAPI } from './openapi.js';

const scale: ScaleAdapter = {
  specReplicas: () => 1,
  setSpecReplicas: () => {},
  statusReplicas: () => 1,
  selector: () => '',
};

function resource(
  group: string,
  kind: string,
  resourceName: string,
  extra: Partial<ResourceStrategy> = {},
): ResourceStrategy {
  return {
    group,
    version: 'v1',
    kind,
    resource: resourceName,
    singularName: kind.toLowerCase(),
    namespaced: true,
    ...extra,
  };
}

const resources: ResourceStrategy[] = [
  resource('', 'Pod', 'pods', { hasStatus: true }),
  resource('', 'Namespace', 'namespaces', { namespaced: false, hasStatus: true }),
  resource('', 'ConfigMap', 'configmaps'),
  resource('apps', 'Deployment', 'deployments', { hasStatus: true, scale }),
  resource('apps', 'ReplicaSet', 'replicasets', { hasStatus: true, scale }),
  resource('networking.k8s.io', 'Ingress', 'ingresses', { hasStatus: true }),
];

type Op = {
  parameters?: { name: string; in: string }[];
  'x-kubernetes-action'?: string;
  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string };
  requestBody?: { content: Record<string, unknown> };
};
type Doc = {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Op>>;
  components: { schemas: Record<string, Record<string, unknown>> };
};

/** What kubectl's queryParamVerifierV3 does: the first PATCH op tagged with the GVK must take the param. */
function patchSupports(
  doc: Doc,
  gvk: { group: string; version: string; kind: string },
  param: string,
): boolean {
  for (const item of Object.values(doc.paths)) {
    const op = item.patch;
    const tag = op?.['x-kubernetes-group-version-kind'];
    if (!tag || tag.group !== gvk.group || tag.version !== gvk.version || tag.kind !== gvk.kind) continue;
    return (op.parameters ?? []).some((p) => p.name === param && p.in === 'query');
  }
  return false;
}

describe('buildOpenAPI', () => {
  const api = buildOpenAPI(resources);

  it('indexes every served group-version with a hashed URL', () => {
    const index = api.index() as { paths: Record<string, { serverRelativeURL: string }> };
    expect(Object.keys(index.paths)).toEqual(['api/v1', 'apis/apps/v1', 'apis/networking.k8s.io/v1']);
    expect(index.paths['apis/apps/v1'].serverRelativeURL).toBe(
      `/openapi/v3/apis/apps/v1?hash=${api.hash('apis/apps/v1')}`,
    );
    expect(api.hash('apis/apps/v1')).toMatch(/^[0-9A-F]{128}$/);
  });

  it('accepts the document path with or without the /openapi/v3 prefix', () => {
    expect(api.document('/openapi/v3/apis/apps/v1')).toBe(api.document('apis/apps/v1'));
    expect(api.document('apis/batch/v1')).toBeUndefined();
  });

  it('the hash covers the served bytes', async () => {
    const { createHash } = await import('node:crypto');
    const json = api.json('api/v1')!;
    expect(JSON.parse(json)).toEqual(api.document('api/v1'));
    expect(createHash('sha512').update(json).digest('hex').toUpperCase()).toBe(api.hash('api/v1'));
  });

  it('the apps/v1 PATCH operation for Deployment declares fieldValidation', () => {
    const doc = api.document('apis/apps/v1') as Doc;
    expect(doc.openapi).toBe('3.0.0');
    expect(doc.info.title).toBe('Kubernetes');
    expect(patchSupports(doc, { group: 'apps', version: 'v1', kind: 'Deployment' }, 'fieldValidation')).toBe(
      true,
    );
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    expect(item.patch['x-kubernetes-action']).toBe('patch');
    expect(Object.keys(item.patch.requestBody?.content ?? {})).toEqual([
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
      'application/strategic-merge-patch+json',
    ]);
  });

  it('every patch op, including status and scale, declares fieldValidation', () => {
    for (const path of ['api/v1', 'apis/apps/v1', 'apis/networking.k8s.io/v1']) {
      const doc = api.document(path) as Doc;
      for (const [p, item] of Object.entries(doc.paths)) {
        if (!item.patch) continue;
        const names = (item.patch.parameters ?? []).map((x) => x.name);
        expect(names, p).toContain('fieldValidation');
      }
    }
  });

  it('serves collection, item, status and scale paths with their actions', () => {
    const doc = api.document('apis/apps/v1') as Doc;
    const base = '/apis/apps/v1/namespaces/{namespace}/deployments';
    expect(doc.paths[base].get['x-kubernetes-action']).toBe('list');
    expect(doc.paths[base].post['x-kubernetes-action']).toBe('post');
    expect(doc.paths['/apis/apps/v1/deployments'].get['x-kubernetes-action']).toBe('list');
    expect(Object.keys(doc.paths[`${base}/{name}`]).sort()).toEqual([
      'delete',
      'get',
      'parameters',
      'patch',
      'put',
    ]);
    expect(doc.paths[`${base}/{name}/status`].put['x-kubernetes-group-version-kind']?.kind).toBe(
      'Deployment',
    );
    expect(doc.paths[`${base}/{name}/scale`].patch['x-kubernetes-group-version-kind']).toEqual({
      group: 'autoscaling',
      kind: 'Scale',
      version: 'v1',
    });
    expect(doc.components.schemas['io.k8s.api.autoscaling.v1.Scale']).toBeDefined();
  });

  it('cluster-scoped resources have no namespace segment', () => {
    const doc = api.document('api/v1') as Doc;
    expect(doc.paths['/api/v1/namespaces/{name}'].get).toBeDefined();
    expect(doc.paths['/api/v1/namespaces'].get['x-kubernetes-group-version-kind']?.kind).toBe('Namespace');
  });

  it('honours the verbs a resource serves', () => {
    const limited = buildOpenAPI([resource('', 'Event', 'events', { verbs: ['get', 'list'] })]);
    const doc = limited.document('api/v1') as Doc;
    expect(Object.keys(doc.paths['/api/v1/namespaces/{namespace}/events/{name}']).sort()).toEqual([
      'get',
      'parameters',
    ]);
    expect(doc.paths['/api/v1/namespaces/{namespace}/events'].post).toBeUndefined();
  });

  it('every $ref in every document resolves within that document', () => {
    for (const path of ['api/v1', 'apis/apps/v1', 'apis/networking.k8s.io/v1']) {
      const doc = api.document(path) as Doc;
      const missing: string[] = [];
      const visit = (v: unknown) => {
        if (Array.isArray(v)) v.forEach(visit);
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (k === '$ref' && typeof x === 'string') {
              if (!doc.components.schemas[x.replace('#/components/schemas/', '')]) missing.push(x);
            } else visit(x);
          }
        }
      };
      visit(doc);
      expect(missing, path).toEqual([]);
    }
  });

  it('lets explain find the kind schema from the GVK of the resource paths', () => {
    const doc = api.document('apis/apps/v1') as Doc;
    const gvk =
      doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].get['x-kubernetes-group-version-kind'];
    const matches = Object.entries(doc.components.schemas).filter(([, s]) =>
      ((s['x-kubernetes-group-version-kind'] as unknown[]) ?? []).some(
        (g) => JSON.stringify(g) === JSON.stringify(gvk),
      ),
    );
    expect(matches.map(([name]) => name)).toEqual(['io.k8s.api.apps.v1.Deployment']);
    const template = (matches[0][1].properties as Record<string, { description?: string }>).spec;
    expect(template.description).toBeTruthy();
  });

  it('documents do not pull in unrelated definitions', () => {
    const doc = api.document('apis/networking.k8s.io/v1') as Doc;
    expect(doc.components.schemas['io.k8s.api.networking.v1.Ingress']).toBeDefined();
    expect(doc.components.schemas['io.k8s.api.apps.v1.Deployment']).toBeUndefined();
  });

  it('builds each document once', () => {
    expect(api.document('apis/apps/v1')).toBe(api.document('apis/apps/v1'));
    expect(api.index()).toBe(api.index());
  });
});
