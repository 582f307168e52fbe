/**
 * The agent end to end in one process: a real API server, the HTTP client with the node token,
 * three virtual nodes. Nodes and leases appear, bound pods run and report status, graceful
 * deletion completes, finished pods end Succeeded or Failed, crash loops count restarts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, waitFor } from '../../test/support/in-process-server.js';
import { isReason } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { type HttpClient, httpClient } from '../client/http.js';
import { type RunningAgent, startAgent } from './agent.js';
import { virtualNodes } from './node/virtual-nodes.js';
import { EXIT_CODE_ANNOTATION, VirtualRuntime } from './runtime/virtual/virtual-runtime.js';

type P = Pod & KObject;
let test: TestServer;
let client: HttpClient;
let agent: RunningAgent;
let runtime: VirtualRuntime;

beforeAll(async () => {
  test = await startTestServer([]);
  client = httpClient({
    server: test.server.url,
    token: readFileSync(join(test.dataDir, 'node-token'), 'utf8').trim(),
    ca: readFileSync(join(test.dataDir, 'tls', 'ca.crt')),
  });
  runtime = new VirtualRuntime({ startDelayMs: 50, runDurationMs: 300 });
  agent = await startAgent({
    client,
    nodes: virtualNodes({ count: 3, labels: { 'topology.kubernetes.io/zone': 'zone-a' } }),
    runtime,
    backoff: { initialMs: 100, maxMs: 400 },
    renewIntervalMs: 300,
  });
});

afterAll(async () => {
  await agent?.stop();
  await runtime?.close();
  client?.close();
  await test?.close();
});

const pods = () => test.client.resource<P>('', 'v1', 'pods');

type Policy = 'Always' | 'OnFailure' | 'Never';

async function runPod(
  name: string,
  node: string,
  restartPolicy: Policy = 'Always',
  annotations: Record<string, string> = {},
) {
  await pods().create('default', {
    metadata: { name, annotations },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], restartPolicy },
  } as P);
  await pods().createSubresource('default', name, 'binding', {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name },
    target: { apiVersion: 'v1', kind: 'Node', name: node },
  });
}

/** Polls a pod until `ready` holds for it. */
async function podWhen(name: string, ready: (p: P) => boolean, what: string, timeoutMs = 10_000): Promise<P> {
  let found: P | undefined;
  await waitFor(
    async () => {
      found = await pods().get('default', name);
      return ready(found);
    },
    timeoutMs,
    what,
  );
  return found!;
}

const condition = (p: Pod, type: string) => p.status?.conditions?.find((c) => c.type === type)?.status;

describe('virtual nodes', () => {
  it('registers three Ready nodes with labels, pod CIDRs, loopback addresses and node info', async () => {
    let nodes: Array<Node & KObject> = [];
    await waitFor(
      async () => {
        nodes = (await test.client.resource<Node & KObject>('', 'v1', 'nodes').list('')).items;
        return (
          nodes.length === 3 &&
          nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        );
      },
      10_000,
      'three Ready nodes',
    );
    const n1 = nodes.find((n) => n.metadata.name === 'virtual-1')!;
    expect(n1.metadata.labels).toMatchObject({
      'kubernetes.io/hostname': 'virtual-1',
      'kubernetes.io/os': 'linux',
      'node.kubernetes.io/instance-type': 'virtual',
      'topology.kubernetes.io/zone': 'zone-a',
    });
    expect(n1.spec?.podCIDR).toBe('10.42.1.0/24');
    expect(n1.status?.addresses).toContainEqual({ type: 'InternalIP', address: '127.1.0.2' });
    expect(n1.status?.allocatable).toMatchObject({ cpu: '8', memory: '32Gi', pods: '110' });
    expect(n1.status?.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.32.0-skiff',
      containerRuntimeVersion: 'virtual://1.0',
    });
    const types = n1.status?.conditions?.map((c) => `${c.type}=${c.status}`);
    expect(types).toEqual(['MemoryPressure=False', 'DiskPressure=False', 'PIDPressure=False', 'Ready=True']);
  });

  it('keeps a renewed Lease per node in kube-node-lease', async () => {
    const leases = test.client.resource<Lease & KObject>('coordination.k8s.io', 'v1', 'leases');
    const first = await waitFor(() => leases.get('kube-node-lease', 'virtual-2'), 5000, 'the lease');
    expect(first.spec).toMatchObject({ holderIdentity: 'virtual-2', leaseDurationSeconds: 40 });
    expect(first.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Node', name: 'virtual-2' });
    await waitFor(
      async () =>
        (await leases.get('kube-node-lease', 'virtual-2')).spec?.renewTime !== first.spec?.renewTime,
      5000,
      'a renewal',
    );
    expect((await leases.list('kube-node-lease')).items).toHaveLength(3);
  });
});

describe('pods on virtual nodes', () => {
  it('runs a bound pod: Running, Ready, with a pod IP from its node range', async () => {
    await runPod('web', 'virtual-1');
    const pod = await podWhen(
      'web',
      (p) => p.status?.phase === 'Running' && condition(p, 'Ready') === 'True',
      'web Ready',
    );
    expect(pod.status?.podIP).toMatch(/^10\.42\.1\.\d+$/);
    expect(pod.status?.hostIP).toBe('127.1.0.2');
    expect(pod.status?.startTime).toBeTruthy();
    expect(pod.status?.qosClass).toBe('BestEffort');
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({
      name: 'app',
      ready: true,
      started: true,
      restartCount: 0,
    });
    expect(pod.status?.containerStatuses?.[0].containerID).toMatch(/^virtual:\/\//);
    expect(pod.status?.containerStatuses?.[0].state?.running?.startedAt).toBeTruthy();
  });

  it('deletes gracefully: stops the containers, then removes the pod object', async () => {
    await waitFor(
      async () => (await pods().get('default', 'web')).status?.phase === 'Running',
      10_000,
      'web running',
    );
    await pods().delete('default', 'web');
    await waitFor(
      async () => {
        try {
          await pods().get('default', 'web');
          return false;
        } catch (err) {
          return isReason(err, 'NotFound');
        }
      },
      10_000,
      'web deleted',
    );
    await waitFor(() => !runtime.listPods().some((p) => p.name === 'web'), 5000, 'the sandbox removed');
  });

  it('a Never pod ends Succeeded', async () => {
    await runPod('once', 'virtual-0', 'Never');
    const pod = await podWhen('once', (p) => p.status?.phase === 'Succeeded', 'once Succeeded');
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({
      exitCode: 0,
      reason: 'Completed',
    });
    expect(condition(pod, 'Ready')).toBe('False');
    await waitFor(
      () => !runtime.listPods().some((p) => p.name === 'once'),
      5000,
      'the finished sandbox removed',
    );
  });

  it('a Never pod asked to exit 1 ends Failed', async () => {
    await runPod('fails', 'virtual-2', 'Never', { [EXIT_CODE_ANNOTATION]: '1' });
    const pod = await podWhen('fails', (p) => p.status?.phase === 'Failed', 'fails Failed');
    expect(pod.status?.containerStatuses?.[0].state?.terminated).toMatchObject({
      exitCode: 1,
      reason: 'Error',
    });
  });

  it('an OnFailure pod that keeps failing is restarted, counting restarts', async () => {
    await runPod('flaky', 'virtual-0', 'OnFailure', { [EXIT_CODE_ANNOTATION]: '1' });
    const restarted = (p: P) => (p.status?.containerStatuses?.[0].restartCount ?? 0) >= 2;
    const pod = await podWhen('flaky', restarted, 'two restarts', 15_000);
    expect(pod.status?.phase).toBe('Running');
    expect(pod.status?.containerStatuses?.[0].lastState?.terminated?.exitCode).toBe(1);
  });

  it('ignores pods bound to nodes it does not serve', async () => {
    await runPod('elsewhere', 'real-node');
    await new Promise((r) => setTimeout(r, 500));
    expect((await pods().get('default', 'elsewhere')).status?.phase).toBe('Pending');
    expect(runtime.listPods().some((p) => p.name === 'elsewhere')).toBe(false);
  });
});
