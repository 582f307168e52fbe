/**
 * The metrics API in front of a real API server (in-process, throwaway SQLite), driven by the
 * real kubectl: a small loopback HTTP front serves /apis/metrics.k8s.io with the handler,
 * adds the group to /apis, and passes every other request to the server with the admin
 * certificate. That is the wiring the router gets, without editing it. Summaries come from an
 * injected function, as from agents.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/in-process-server.js';
import type { Summary } from '../../agent/stats/types.js';
import type { KObject } from '../../api/object.js';
import { sendError } from '../http.js';
import { handleMetricsRequest, isMetricsPath, withMetricsGroup } from './handler.js';
import { MetricsAPI } from './metrics-api.js';

type N = Node & KObject;
type P = Pod & KObject;

let server: TestServer;
let front: Server;
let frontURL: string;
let workDir: string;
let kubeconfig: string;
const summaries = new Map<string, Summary>();
const time = '2026-11-27T10:00:00Z';

function podSummary(pod: Pod, containers: Array<[string, number, number]>): Summary['pods'][number] {
  return {
    podRef: { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, uid: pod.metadata!.uid! },
    startTime: time,
    containers: containers.map(([name, nanoCores, bytes]) => ({
      name,
      startTime: time,
      cpu: { time, usageNanoCores: nanoCores, usageCoreNanoSeconds: 5e9 },
      memory: { time, usageBytes: bytes + 4096, workingSetBytes: bytes },
    })),
  };
}

async function addNode(name: string, labels: Record<string, string>): Promise<void> {
  const nodes = server.client.resource<N>('', 'v1', 'nodes');
  const node = await nodes.create('', { apiVersion: 'v1', kind: 'Node', metadata: { name, labels } } as N);
  const status = { capacity: { cpu: '2', memory: '4Gi' }, allocatable: { cpu: '2', memory: '4Gi' } };
  await nodes.updateStatus('', { ...node, status } as N);
}

async function addPod(
  ns: string,
  name: string,
  node: string,
  labels: Record<string, string>,
  running: boolean,
) {
  const pods = server.client.resource<P>('', 'v1', 'pods');
  const pod = await pods.create(ns, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      nodeName: node,
      containers: [
        { name: 'app', image: 'busybox' },
        { name: 'sidecar', image: 'busybox' },
      ],
    },
  } as P);
  if (running) return pods.updateStatus(ns, { ...pod, status: { ...pod.status, phase: 'Running' } } as P);
  return pod;
}

/** Proxies a request to the real server with the admin certificate; returns status, headers, body. */
function upstream(
  req: IncomingMessage,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const target = new URL(req.url ?? '/', server.server.url);
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    delete headers.host;
    const out = httpsRequest(
      target,
      {
        method: req.method,
        headers,
        ca: server.server.pki.ca.cert,
        cert: server.server.pki.admin.cert,
        key: server.server.pki.admin.key,
      },
      (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c) => chunks.push(c));
        r.on('end', () =>
          resolve({
            status: r.statusCode ?? 502,
            headers: Object.fromEntries(
              Object.entries(r.headers).filter(([k, v]) => typeof v === 'string' && k !== 'content-length'),
            ) as Record<string, string>,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    out.on('error', reject);
    req.pipe(out);
  });
}

async function frontHandler(req: IncomingMessage, res: ServerResponse, api: MetricsAPI): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://front');
  if (isMetricsPath(url.pathname)) {
    try {
      await handleMetricsRequest(req, res, url, api);
    } catch (err) {
      sendError(res, err);
    }
    return;
  }
  const r = await upstream(req);
  let body = r.body;
  if (url.pathname === '/apis' && r.status === 200)
    body = Buffer.from(JSON.stringify(withMetricsGroup(JSON.parse(body.toString()))));
  res.writeHead(r.status, r.headers);
  res.end(body);
}

/** kubectl in a child process, without blocking the event loop the front server runs on. */
function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      args,
      {
        timeout: 30_000,
        env: { ...process.env, KUBECONFIG: kubeconfig, KUBECACHEDIR: join(workDir, 'cache') },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

async function kubectlOk(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Output lines split into columns, for checks that do not depend on column widths. */
function rows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/));
}

beforeAll(async () => {
  server = await startTestServer([]);
  workDir = mkdtempSync(join(tmpdir(), 'skiff-metrics-api-'));
  await addNode('node-a', { zone: 'a' });
  await addNode('node-b', { zone: 'b' });
  await addNode('node-down', { zone: 'c' });
  await server.client.resource('', 'v1', 'namespaces').create('', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'other' },
  });
  const web = await addPod('default', 'web', 'node-a', { app: 'web' }, true);
  const db = await addPod('default', 'db', 'node-b', { app: 'db' }, true);
  const batch = await addPod('other', 'batch', 'node-b', { app: 'batch' }, true);
  await addPod('default', 'pending', 'node-a', { app: 'web' }, false);
  const fresh = await addPod('default', 'fresh', 'node-a', { app: 'fresh' }, true);
  const node = (nanoCores: number, bytes: number) => ({
    nodeName: '',
    startTime: time,
    cpu: { time, usageNanoCores: nanoCores, usageCoreNanoSeconds: 1e12 },
    memory: { time, availableBytes: 1e9, usageBytes: bytes * 2, workingSetBytes: bytes, rssBytes: bytes / 2 },
  });
  summaries.set('node-a', {
    node: { ...node(250_000_000, 1024 * 1024 * 1024), nodeName: 'node-a' },
    pods: [
      podSummary(web, [
        ['app', 12_345_678, 2281472],
        ['sidecar', 1_000_000, 1024 * 1024],
      ]),
      // a pod whose second sample is not in yet: no rate, so no metrics (as metrics-server)
      {
        ...podSummary(fresh, [['app', 0, 4096]]),
        containers: [
          {
            name: 'app',
            startTime: time,
            cpu: { time, usageCoreNanoSeconds: 1e6 },
            memory: { time, workingSetBytes: 4096 },
          },
        ],
      },
    ],
  });
  summaries.set('node-b', {
    node: { ...node(1_500_000_000, 2 * 1024 * 1024 * 1024), nodeName: 'node-b' },
    pods: [
      podSummary(db, [['app', 500_000_000, 100 * 1024 * 1024]]),
      podSummary(batch, [['app', 3_000_000, 8192]]),
    ],
  });
  const nodesClient = server.client.resource<N>('', 'v1', 'nodes');
  const podsClient = server.client.resource<P>('', 'v1', 'pods');
  const api = new MetricsAPI(
    {
      async fetchSummary(name) {
        const s = summaries.get(name);
        if (!s) throw new Error(`node ${name} unreachable`);
        return s;
      },
      listNodes: async () => (await nodesClient.list('')).items,
      listPods: async () => (await podsClient.list('')).items,
    },
    { cacheMs: 0 },
  );
  front = createServer((req, res) => {
    frontHandler(req, res, api).catch((err) => {
      res.writeHead(502);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontURL = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
  kubeconfig = join(workDir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: front, cluster: {server: "${frontURL}"}}]`,
      'contexts: [{name: front, context: {cluster: front, user: anon}}]',
      'users: [{name: anon, user: {}}]',
      'current-context: front',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()));
  front?.closeAllConnections();
  await server?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('metrics.k8s.io with the real kubectl', () => {
  it('kubectl top nodes shows usage and percentages of allocatable, <unknown> for a node without metrics', async () => {
    const out = rows(await kubectlOk('top', 'nodes'));
    expect(out[0]).toEqual(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    expect(out.slice(1)).toEqual([
      ['node-a', '250m', '12%', '1024Mi', '25%'],
      ['node-b', '1500m', '75%', '2048Mi', '50%'],
      ['node-down', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
    ]);
    expect(rows(await kubectlOk('top', 'node', 'node-b', '--no-headers'))).toEqual([
      ['node-b', '1500m', '75%', '2048Mi', '50%'],
    ]);
    expect(rows(await kubectlOk('top', 'nodes', '-l', 'zone=a', '--no-headers')).map((r) => r[0])).toEqual([
      'node-a',
    ]);
  });

  it('kubectl top pods sums containers, filters by namespace and label, and shows containers', async () => {
    expect(rows(await kubectlOk('top', 'pods'))).toEqual([
      ['NAME', 'CPU(cores)', 'MEMORY(bytes)'],
      ['db', '500m', '100Mi'],
      ['web', '14m', '3Mi'], // kubectl rounds CPU up to the millicore, memory down to the MiB
    ]);
    expect(rows(await kubectlOk('top', 'pods', '-A', '--no-headers'))).toEqual([
      ['default', 'db', '500m', '100Mi'],
      ['default', 'web', '14m', '3Mi'],
      ['other', 'batch', '3m', '0Mi'],
    ]);
    expect(rows(await kubectlOk('top', 'pods', '-l', 'app=web', '--no-headers'))).toEqual([
      ['web', '14m', '3Mi'], // kubectl rounds CPU up to the millicore, memory down to the MiB
    ]);
    expect(rows(await kubectlOk('top', 'pod', 'web', '--containers', '--no-headers'))).toEqual([
      ['web', 'app', '13m', '2Mi'],
      ['web', 'sidecar', '1m', '1Mi'],
    ]);
  });

  it('kubectl top pod says when a pod has no metrics yet or does not exist', async () => {
    const fresh = await kubectl('top', 'pod', 'fresh');
    expect(fresh.code).not.toBe(0);
    // as with metrics-server before a pod's second scrape
    expect(fresh.stderr).toContain('podmetrics.metrics.k8s.io "default/fresh" not found');
    const missing = await kubectl('top', 'pod', 'nope');
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('pods "nope" not found');
  });

  it('serves the objects, lists, discovery and tables metrics-server serves', async () => {
    const node = JSON.parse(await kubectlOk('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/node-a'));
    expect(node).toMatchObject({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name: 'node-a', labels: { zone: 'a' } },
      timestamp: time,
      window: '10s',
      usage: { cpu: '250m', memory: '1Gi' },
    });
    const pod = JSON.parse(
      await kubectlOk('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/web'),
    );
    expect(pod).toMatchObject({
      kind: 'PodMetrics',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      containers: [
        { name: 'app', usage: { cpu: '12345678n', memory: '2228Ki' } },
        { name: 'sidecar', usage: { cpu: '1m', memory: '1Mi' } },
      ],
    });
    const all = JSON.parse(
      await kubectlOk('get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?labelSelector=app%3Dbatch'),
    );
    expect(all.kind).toBe('PodMetricsList');
    expect(all.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['batch']);

    const resources = rows(await kubectlOk('api-resources', '--api-group=metrics.k8s.io', '--no-headers'));
    expect(resources).toEqual([
      ['nodes', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'],
      ['pods', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics'],
    ]);
    expect(rows(await kubectlOk('get', 'pods.metrics.k8s.io', '-n', 'default'))).toEqual([
      ['NAME', 'CPU', 'MEMORY', 'WINDOW'],
      ['db', '500m', '100Mi', '10s'],
      ['web', '13345678n', '3252Ki', '10s'],
    ]);
  });

  it('answers unknown names and paths with Status 404s and refuses writes and watches', async () => {
    const node = await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/nope');
    expect(node.stderr).toContain('nodes "nope" not found');
    const down = await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/node-down');
    expect(down.stderr).toContain('nodemetrics.metrics.k8s.io "node-down" not found');
    const fresh = await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/fresh');
    expect(fresh.stderr).toContain('podmetrics.metrics.k8s.io "default/fresh" not found');
    expect((await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/services')).stderr).toContain(
      'NotFound',
    );
    expect((await kubectl('get', '--raw', '/apis/metrics.k8s.io/v2/nodes')).stderr).toContain('NotFound');
    const watch = await kubectl('get', '--raw', '/apis/metrics.k8s.io/v1beta1/pods?watch=1');
    expect(watch.stderr).toContain('MethodNotAllowed');
    const bad = await kubectl(
      'get',
      '--raw',
      '/apis/metrics.k8s.io/v1beta1/pods?fieldSelector=spec.nodeName%3Dx',
    );
    expect(bad.stderr).toContain('field label not supported: spec.nodeName');
  });

  it('reuses a node summary for cacheMs', async () => {
    const nodesClient = server.client.resource<N>('', 'v1', 'nodes');
    let clock = 1_000_000;
    let calls = 0;
    const api = new MetricsAPI(
      {
        fetchSummary: async (n) => {
          calls++;
          return summaries.get(n)!;
        },
        listNodes: async () =>
          (await nodesClient.list('')).items.filter((n) => n.metadata?.name === 'node-a'),
        listPods: () => [],
      },
      { cacheMs: 1000, now: () => clock },
    );
    await api.listNodes();
    await api.getNode('node-a');
    expect(calls).toBe(1);
    clock += 1500;
    await api.getNode('node-a');
    expect(calls).toBe(2);
  });
});
