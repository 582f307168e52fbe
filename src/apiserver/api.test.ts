/**
 * The generic API semantics, against a real in-process server on a throwaway SQLite database:
 * generation, status and scale subresources, binding, paging, selectors on watches, WatchList.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiClient, apiClient } from '../../test/support/api-client.js';
import { defaultServerConfig, type RunningServer, startServer } from './server.js';

let server: RunningServer;
let api: ApiClient;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'skiff-api-test-'));
  server = await startServer({ ...defaultServerConfig(dataDir), port: 0, bindAddress: '127.0.0.1' });
  api = apiClient(server.url, dataDir);
});

afterAll(async () => {
  api?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const deployment = (name: string, replicas = 1) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    },
  },
});
const deployments = '/apis/apps/v1/namespaces/default/deployments';

describe('generation and subresources', () => {
  it('bumps generation on spec changes only', async () => {
    const created = (await api.request('POST', deployments, deployment('gen'))).json();
    expect(created.metadata.generation).toBe(1);
    const labelled = await api.request(
      'PATCH',
      `${deployments}/gen`,
      { metadata: { labels: { x: 'y' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(labelled.json().metadata.generation).toBe(1);
    const scaled = await api.request(
      'PATCH',
      `${deployments}/gen`,
      { spec: { replicas: 3 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(scaled.json().metadata.generation).toBe(2);
  });

  it('keeps status on main updates and spec on status updates', async () => {
    await api.request('POST', deployments, deployment('split'));
    const viaMain = await api.request(
      'PATCH',
      `${deployments}/split`,
      { status: { replicas: 7 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(viaMain.json().status?.replicas).toBeUndefined();
    const viaStatus = await api.request(
      'PATCH',
      `${deployments}/split/status`,
      { status: { replicas: 7 }, spec: { replicas: 9 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(viaStatus.status).toBe(200);
    expect(viaStatus.json().status.replicas).toBe(7);
    expect(viaStatus.json().spec.replicas).toBe(1);
  });

  it('serves and patches the scale subresource', async () => {
    await api.request('POST', deployments, deployment('scaled', 2));
    const scale = (await api.request('GET', `${deployments}/scaled/scale`)).json();
    expect(scale).toMatchObject({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      spec: { replicas: 2 },
      status: { selector: 'app=scaled' },
    });
    const patched = await api.request(
      'PATCH',
      `${deployments}/scaled/scale`,
      { spec: { replicas: 4 } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patched.json().spec.replicas).toBe(4);
    expect((await api.request('GET', `${deployments}/scaled`)).json().spec.replicas).toBe(4);
  });

  it('binds a pod to a node once and refuses a second binding with 409', async () => {
    const pods = '/api/v1/namespaces/default/pods';
    await api.request('POST', pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'bound' },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    });
    const binding = (node: string) => ({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bound' },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    });
    expect((await api.request('POST', `${pods}/bound/binding`, binding('n1'))).status).toBe(201);
    expect((await api.request('GET', `${pods}/bound`)).json().spec.nodeName).toBe('n1');
    const again = await api.request('POST', `${pods}/bound/binding`, binding('n2'));
    expect(again.status).toBe(409);
    expect(again.json().reason).toBe('Conflict');
  });
});

describe('lists', () => {
  it('pages with limit and continue, consistently across a write between pages', async () => {
    await api.request('POST', '/api/v1/namespaces', { metadata: { name: 'paging' } });
    for (let i = 0; i < 5; i++)
      await api.request('POST', '/api/v1/namespaces/paging/configmaps', { metadata: { name: `cm-${i}` } });
    const first = (await api.request('GET', '/api/v1/namespaces/paging/configmaps?limit=2')).json();
    expect(first.items.map((i: any) => i.metadata.name)).toEqual(['cm-0', 'cm-1']);
    expect(first.metadata.remainingItemCount).toBe(3);
    // A write after the first page must not show up in the later pages (snapshot at page one).
    await api.request('POST', '/api/v1/namespaces/paging/configmaps', { metadata: { name: 'cm-9' } });
    const names: string[] = [];
    let token = first.metadata.continue;
    while (token) {
      const page = (
        await api.request(
          'GET',
          `/api/v1/namespaces/paging/configmaps?limit=2&continue=${encodeURIComponent(token)}`,
        )
      ).json();
      names.push(...page.items.map((i: any) => i.metadata.name));
      token = page.metadata.continue;
    }
    expect(names).toEqual(['cm-2', 'cm-3', 'cm-4']);
  });

  it('answers a Table when kubectl asks for one', async () => {
    const res = await api.request('GET', '/api/v1/namespaces', undefined, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    const table = res.json();
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Status', 'Age']);
    expect(table.rows.map((r: any) => r.cells[0])).toContain('kube-system');
  });
});

describe('watches', () => {
  it('tells a selector watch DELETED when an object leaves the selector', async () => {
    const created = (
      await api.request('POST', '/api/v1/namespaces/default/configmaps', {
        metadata: { name: 'mover', labels: { team: 'a' } },
      })
    ).json();
    const events: string[] = [];
    const w = api.watch(
      `/api/v1/namespaces/default/configmaps?watch=1&labelSelector=team%3Da&resourceVersion=${created.metadata.resourceVersion}`,
      (e) => events.push(`${e.type}:${e.object.metadata.name}`),
    );
    await api.request(
      'PATCH',
      '/api/v1/namespaces/default/configmaps/mover',
      { metadata: { labels: { team: 'b' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    await waitFor(() => events.length >= 1);
    w.close();
    expect(events).toEqual(['DELETED:mover']);
  });

  it('streams initial events then the initial-events-end bookmark for WatchList', async () => {
    const events: any[] = [];
    const w = api.watch(
      '/api/v1/namespaces?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true',
      (e) => events.push(e),
    );
    await waitFor(() => events.some((e) => e.type === 'BOOKMARK'));
    w.close();
    const bookmark = events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark.object.metadata.annotations['k8s.io/initial-events-end']).toBe('true');
    expect(events.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name)).toContain('default');
  });

  it('refuses sendInitialEvents without resourceVersionMatch', async () => {
    const res = await api.request('GET', '/api/v1/namespaces?watch=1&sendInitialEvents=true');
    expect(res.status).toBe(422);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
