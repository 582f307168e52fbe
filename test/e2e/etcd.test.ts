/**
 * Issue #2 on the distributed store: one etcd, two `skiff server` processes sharing it. The whole
 * kubectl suite runs against server A, and a watch through server B sees what is written through
 * A (and the reverse for reads), which only holds if both serve the one etcd keyspace rather than
 * a private cache. Each server made its own CA, so each is reached with its own kubeconfig.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk, startServer, type TestServer } from '../support/cluster.js';
import { startEtcd, type TestEtcd } from '../support/etcd.js';
import { adminTls, rawRequest } from '../support/https.js';
import { startKubectl } from '../support/kubectl-watch.js';
import { describeKubectlSuite } from './kubectl-suite.js';

describe('two servers on one etcd', () => {
  let etcd: TestEtcd | undefined;
  const servers: { a?: TestServer; b?: TestServer } = {};
  const a = () => servers.a!;
  const b = () => servers.b!;

  beforeAll(async () => {
    etcd = await startEtcd();
    const args = ['--store', 'etcd', '--etcd-endpoints', etcd.endpoint];
    servers.a = await startServer({ args });
    servers.b = await startServer({ args });
  });
  afterAll(async () => {
    await servers.a?.stop();
    await servers.b?.stop();
    await etcd?.stop();
  });

  // Server A's lifetime belongs to this file's hooks, so the suite's stop() has nothing to do.
  describeKubectlSuite('server A of an etcd-backed pair', async () => ({
    kubeconfig: a().kubeconfig,
    stop: async () => {},
  }));

  describe('across servers', () => {
    const ns = 'e2e-shared';
    beforeAll(() => {
      kubectlOk(
        a(),
        ['apply', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      );
    });

    it('kubectl get -w through server B sees a ConfigMap created through server A', async () => {
      const watch = startKubectl(b(), ['get', 'cm', '-n', ns, '-w', '-o', 'name']);
      try {
        // Wait until B's watch is established: kubectl prints nothing for an empty list, so make
        // a first object through B and wait for it to show, then write through A.
        kubectlOk(b(), ['create', '-f', '-'], configMap(ns, 'from-b'));
        await watch.waitFor((out) => out.includes('configmap/from-b'));
        kubectlOk(a(), ['create', '-f', '-'], configMap(ns, 'from-a'));
        const out = await watch.waitFor((o) => o.includes('configmap/from-a'));
        const ours = out.split('\n').filter((line) => line.startsWith('configmap/from-'));
        expect(ours).toEqual(['configmap/from-b', 'configmap/from-a']);
      } finally {
        await watch.stop();
      }
    });

    it('a raw watch on server B from a list revision streams a MODIFIED event for a write on A', async () => {
      const tls = adminTls(b().dataDir);
      const list = await rawRequest(b().port, tls, { path: `/api/v1/namespaces/${ns}/configmaps` });
      expect(list.status).toBe(200);
      const rv = list.json.metadata.resourceVersion;
      const watching = rawRequest(b().port, tls, {
        path: `/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=3`,
        timeoutMs: 15_000,
      });
      kubectlOk(a(), ['label', 'cm', '-n', ns, 'from-a', 'seen=yes']);
      const events = (await watching).text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(events).toEqual([
        expect.objectContaining({
          type: 'MODIFIED',
          object: expect.objectContaining({
            metadata: expect.objectContaining({ name: 'from-a', labels: { seen: 'yes' } }),
          }),
        }),
      ]);
    });

    it('an object written through server B is read back through server A with the same uid', () => {
      const viaB = JSON.parse(kubectlOk(b(), ['get', 'cm', '-n', ns, 'from-b', '-o', 'json']));
      const viaA = JSON.parse(kubectlOk(a(), ['get', 'cm', '-n', ns, 'from-b', '-o', 'json']));
      expect(viaA.metadata.uid).toBe(viaB.metadata.uid);
      expect(viaA.metadata.resourceVersion).toBe(viaB.metadata.resourceVersion);
    });
  });
});

function configMap(namespace: string, name: string): string {
  return JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace } });
}
