/**
 * One cluster for a workloads e2e file: a real `skiff server` process plus virtual agent
 * processes, started in beforeAll and stopped in afterAll (also when a test fails). Also the
 * object-shaped reads the suites share (ReplicaSets of an app, events of an object).
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { type AgentOptions, startAgent, type TestAgent } from '../../support/agent.js';
import { kubectlOk, type ServerOptions, startServer, type TestServer } from '../../support/cluster.js';
import { getJson, isReady, listPods } from '../../support/kube.js';

/** A server and its agents. */
export interface Cluster {
  server: TestServer;
  agents: TestAgent[];
  /** Starts one more agent (stopped with the cluster). */
  addAgent(opts: AgentOptions): Promise<TestAgent>;
  /** Server and agent output, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

/** Starts a server and the given agents; on a failed start everything started so far is stopped. */
export async function startCluster(agents: AgentOptions[], serverOpts: ServerOptions = {}): Promise<Cluster> {
  const server = await startServer(serverOpts);
  const started: TestAgent[] = [];
  const cluster: Cluster = {
    server,
    agents: started,
    async addAgent(opts) {
      const agent = await startAgent(server, {
        ...opts,
        args: ['--start-delay', '50', ...(opts.args ?? [])],
      });
      started.push(agent);
      return agent;
    },
    logs: () =>
      [
        `--- server\n${server.log().slice(-6000)}`,
        ...started.map((a, i) => `--- agent ${i}\n${a.log().slice(-3000)}`),
      ].join('\n'),
    async stop() {
      await Promise.all(started.map((a) => a.stop()));
      await server.stop();
    },
  };
  try {
    for (const opts of agents) await cluster.addAgent(opts);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}

/** Minimal ReplicaSet shape the suites read. */
export interface RS {
  metadata: {
    name: string;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid: string }[];
    creationTimestamp?: string;
  };
  spec: { replicas?: number; template: { spec: { containers: { image: string }[] } } };
}

/** ReplicaSets labelled app=<app>, oldest first. */
export function replicaSets(server: TestServer, app: string, namespace = 'default'): RS[] {
  const rs = getJson<{ items: RS[] }>(server, [
    'get',
    'rs',
    '-n',
    namespace,
    '-l',
    `app=${app}`,
    '-o',
    'json',
  ]).items;
  return rs.sort((a, b) => revision(a) - revision(b));
}

/** The deployment.kubernetes.io/revision of a ReplicaSet (0 when missing). */
export function revision(rs: RS): number {
  return Number(rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? 0);
}

/** Ready pods labelled app=<app>. */
export function readyPods(server: TestServer, app: string, namespace = 'default'): Pod[] {
  return listPods(server, namespace, `app=${app}`).filter(isReady);
}

/** `reason: message` of the events about one object. */
export function eventsFor(server: TestServer, namespace: string, name: string): string[] {
  const list = getJson<{ items: { reason: string; message: string }[] }>(server, [
    'get',
    'events',
    '-n',
    namespace,
    '--field-selector',
    `involvedObject.name=${name}`,
    '-o',
    'json',
  ]);
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

/**
 * Applies objects through `kubectl apply -f -` as a multi-document stream (JSON is YAML). Not a
 * `kind: List`: kubectl validates a List through /openapi/v2, which the server does not serve.
 */
export function apply(server: TestServer, ...objects: object[]): string {
  return kubectlOk(server, ['apply', '-f', '-'], objects.map((o) => `---\n${JSON.stringify(o)}\n`).join(''));
}

/** The node each pod runs on (pods not yet bound are left out). */
export function nodesOf(pods: Pod[]): string[] {
  return pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n);
}
