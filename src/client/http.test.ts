/**
 * The HTTP client against a real API server on a throwaway SQLite database, authenticated with
 * the node token as an agent is: verbs, error reasons, watches (including 410 Expired after a
 * server restart) and reconnection.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, connect as connectTcp, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/in-process-server.js';
import { ApiError, isReason } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { defaultServerConfig, type RunningServer, startServer } from '../apiserver/server.js';
import { type HttpClient, httpClient } from './http.js';
import type { WatchEvent } from './types.js';

let dataDir: string;
let server: RunningServer;
let client: HttpClient;

const start = () =>
  startServer({ ...defaultServerConfig(dataDir), port: 0, bindAddress: '127.0.0.1', controllers: [] });

const nodeToken = () => readFileSync(join(dataDir, 'node-token'), 'utf8').trim();
const caCert = () => readFileSync(join(dataDir, 'tls', 'ca.crt'));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'skiff-http-client-'));
  server = await start();
  client = httpClient({ server: server.url, token: nodeToken(), ca: caCert() });
});

afterAll(async () => {
  client?.close();
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

type CM = ConfigMap & KObject;
type P = Pod & KObject;
const configMaps = () => client.resource<CM>('', 'v1', 'configmaps');
const pods = () => client.resource<P>('', 'v1', 'pods');
const cm = (name: string, data: Record<string, string> = {}): CM => ({ metadata: { name }, data });

async function reasonOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return (err as ApiError).reason;
  }
  return 'no error';
}

describe('verbs', () => {
  it('creates, gets, lists with a label selector, updates and deletes', async () => {
    const created = await configMaps().create('default', {
      ...cm('a', { k: 'v' }),
      metadata: { name: 'a', labels: { app: 'x' } },
    });
    expect(created.metadata.uid).toBeTruthy();
    expect((await configMaps().get('default', 'a')).data).toEqual({ k: 'v' });
    await configMaps().create('default', cm('b'));
    const listed = await configMaps().list('default', { labelSelector: 'app=x' });
    expect(listed.items.map((i) => i.metadata.name)).toEqual(['a']);
    expect(Number(listed.resourceVersion)).toBeGreaterThan(0);
    const updated = await configMaps().update('default', { ...created, data: { k: 'w' } });
    expect(updated.data).toEqual({ k: 'w' });
    await configMaps().delete('default', 'a');
    expect(await reasonOf(configMaps().get('default', 'a'))).toBe('NotFound');
  });

  it('patches with merge, JSON and strategic patches', async () => {
    await configMaps().create('default', cm('p', { a: '1' }));
    expect((await configMaps().patch('default', 'p', 'merge', { data: { b: '2' } })).data).toEqual({
      a: '1',
      b: '2',
    });
    const json = [{ op: 'remove', path: '/data/a' }];
    expect((await configMaps().patch('default', 'p', 'json', json)).data).toEqual({ b: '2' });
    const strategic = { metadata: { labels: { s: 't' } } };
    expect((await configMaps().patch('default', 'p', 'strategic', strategic)).metadata.labels).toEqual({
      s: 't',
    });
  });

  it('binds a pod and writes its status through subresources', async () => {
    await pods().create('default', {
      metadata: { name: 'bind-me' },
      spec: { containers: [{ name: 'c', image: 'x' }] },
    });
    await pods().createSubresource('default', 'bind-me', 'binding', {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'bind-me' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'n1' },
    });
    const bound = await pods().get('default', 'bind-me');
    expect(bound.spec?.nodeName).toBe('n1');
    const running = await pods().updateStatus('default', {
      ...bound,
      status: { ...bound.status, phase: 'Running' },
    });
    expect(running.status?.phase).toBe('Running');
    const patched = await pods().patch(
      'default',
      'bind-me',
      'merge',
      { status: { podIP: '10.42.0.5' } },
      'status',
    );
    expect(patched.status?.podIP).toBe('10.42.0.5');
  });

  it('deletes a bound pod gracefully, then immediately with gracePeriodSeconds 0', async () => {
    await pods().create('default', {
      metadata: { name: 'grace' },
      spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] },
    });
    await pods().delete('default', 'grace');
    expect((await pods().get('default', 'grace')).metadata.deletionTimestamp).toBeTruthy();
    await pods().delete('default', 'grace', { gracePeriodSeconds: 0 });
    expect(await reasonOf(pods().get('default', 'grace'))).toBe('NotFound');
  });
});

describe('errors carry Kubernetes reasons', () => {
  const cases: Array<{ name: string; call: () => Promise<unknown>; reason: string }> = [
    {
      name: 'a missing object is NotFound',
      call: () => configMaps().get('default', 'nope'),
      reason: 'NotFound',
    },
    {
      name: 'a second create of one name is AlreadyExists',
      call: async () => {
        await configMaps().create('default', cm('twice'));
        await configMaps().create('default', cm('twice'));
      },
      reason: 'AlreadyExists',
    },
    {
      name: 'an update from a stale resourceVersion is a Conflict',
      call: async () => {
        const first = await configMaps().create('default', cm('stale'));
        await configMaps().update('default', { ...first, data: { x: '1' } });
        await configMaps().update('default', { ...first, data: { x: '2' } });
      },
      reason: 'Conflict',
    },
    {
      name: 'an object with a bad name is Invalid',
      call: () => configMaps().create('default', cm('Bad_Name')),
      reason: 'Invalid',
    },
    {
      name: 'a pod with no containers is Invalid',
      call: () => pods().create('default', { metadata: { name: 'empty' }, spec: { containers: [] } }),
      reason: 'Invalid',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      expect(await reasonOf(c.call())).toBe(c.reason);
    });
  }

  it('an invalid object reports its field causes', async () => {
    try {
      await configMaps().create('default', cm('Bad_Name'));
      expect.unreachable();
    } catch (err) {
      expect(isReason(err, 'Invalid')).toBe(true);
      expect((err as ApiError).details?.causes?.[0]?.field).toBe('metadata.name');
    }
  });

  it('a wrong token is Unauthorized', async () => {
    const stranger = httpClient({ server: server.url, token: 'wrong', ca: caCert() });
    try {
      expect(await reasonOf(stranger.resource('', 'v1', 'configmaps').list('default'))).toBe('Unauthorized');
    } finally {
      stranger.close();
    }
  });

  it('an unknown CA fails verification unless told to skip it', async () => {
    const strict = httpClient({ server: server.url, token: 'x' });
    const loose = httpClient({ server: server.url, token: nodeToken(), insecureSkipTLSVerify: true });
    try {
      expect(await reasonOf(strict.resource('', 'v1', 'namespaces').list(''))).toBe('ServiceUnavailable');
      expect((await loose.resource('', 'v1', 'namespaces').list('')).items.length).toBeGreaterThan(0);
    } finally {
      strict.close();
      loose.close();
    }
  });
});

describe('one connection for many requests', () => {
  it('serves 2,000 concurrent requests', async () => {
    await configMaps().create('default', cm('many'));
    const results = await Promise.all(
      Array.from({ length: 2000 }, () => configMaps().get('default', 'many')),
    );
    expect(results.every((r) => r.metadata.name === 'many')).toBe(true);
  });
});

describe('watch', () => {
  it('streams ADDED, MODIFIED and DELETED events matching a field selector', async () => {
    const events: Array<WatchEvent<CM>> = [];
    const { resourceVersion } = await configMaps().list('default');
    const handle = configMaps().watch(
      'default',
      resourceVersion,
      { fieldSelector: 'metadata.name=watched' },
      {
        onEvent: (e) => events.push(e),
        onClose: () => {},
      },
    );
    try {
      await configMaps().create('default', cm('other'));
      await configMaps().create('default', cm('watched'));
      await configMaps().patch('default', 'watched', 'merge', { data: { a: 'b' } });
      await configMaps().delete('default', 'watched');
      await waitFor(() => events.length >= 3, 5000, 'three events');
      expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
        'ADDED watched',
        'MODIFIED watched',
        'DELETED watched',
      ]);
    } finally {
      handle.stop();
    }
  });

  it('ends with a 410 Expired when the resourceVersion is older than the server keeps', async () => {
    // A restarted server's watch cache starts at the current revision, so revision 1 is gone.
    await server.close();
    server = await start();
    const fresh = httpClient({ server: server.url, token: nodeToken(), ca: caCert() });
    try {
      const ended = await new Promise<Error | undefined>((resolve) => {
        fresh
          .resource('', 'v1', 'configmaps')
          .watch('default', '1', {}, { onEvent: () => {}, onClose: resolve });
      });
      expect(ended).toBeInstanceOf(ApiError);
      expect((ended as ApiError).code).toBe(410);
      expect(isReason(ended, 'Expired')).toBe(true);
    } finally {
      fresh.close();
    }
  });
});

describe('reconnection', () => {
  it('ends open watches when the connection drops and re-opens it for the next request', async () => {
    const target = server.port;
    const sockets = new Set<Socket>();
    const proxy = createServer((inbound) => {
      const outbound = connectTcp(target, '127.0.0.1');
      inbound.pipe(outbound).pipe(inbound);
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      }
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const viaProxy = httpClient({
      server: `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      token: nodeToken(),
      ca: caCert(),
    });
    try {
      const cms = viaProxy.resource<CM>('', 'v1', 'configmaps');
      await cms.create('default', cm('before-drop'));
      let closedWith: Error | undefined | 'open' = 'open';
      const seen: string[] = [];
      cms.watch(
        'default',
        '',
        {},
        { onEvent: (e) => seen.push(e.object.metadata.name!), onClose: (err) => (closedWith = err) },
      );
      await waitFor(() => seen.includes('before-drop'), 5000, 'the watch to start');
      for (const s of sockets) s.destroy();
      await waitFor(() => closedWith !== 'open', 5000, 'the watch to end with the connection');
      expect((await cms.create('default', cm('after-drop'))).metadata.name).toBe('after-drop');
    } finally {
      viaProxy.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });
});
