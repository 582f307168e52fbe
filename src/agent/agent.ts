/**
 * The agent: serves a set of nodes from one process. The node manager registers them and keeps
 * their leases and status fresh; pod sync runs the pods bound to them on a runtime. Real nodes
 * (one per agent, runc runtime) and thousands of virtual ones use this same code.
 */
import type { Client, Clock } from '../client/types.js';
import { realClock } from '../client/types.js';
import { NodeManager } from './node/node-manager.js';
import { KUBELET_VERSION, type NodeConfig } from './node/node-object.js';
import { type NodeNetwork, PodSync } from './podsync/pod-sync.js';
import type { Backoff } from './podsync/restart.js';
import type { Runtime } from './runtime/runtime.js';

export interface AgentOptions {
  client: Client;
  nodes: NodeConfig[];
  runtime: Runtime;
  clock?: Clock;
  /** Crash-loop back-off (default kubelet's 10 s doubling to 5 min). */
  backoff?: Backoff;
  /** Concurrent pod reconciles (default 64). */
  podWorkers?: number;
  /** Heartbeat timing (defaults: 40 s leases renewed every 10 s, status every 60 s). */
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  statusIntervalMs?: number;
  log?: (line: string) => void;
}

export interface RunningAgent {
  nodeManager: NodeManager;
  podSync: PodSync;
  /** Stops heartbeats and pod sync; pods stay as they are in the runtime. */
  stop(): Promise<void>;
}

/** Registers the nodes, starts heartbeats and pod sync; resolves once both are running. */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const clock = options.clock ?? realClock;
  const nodeManager = new NodeManager({
    client: options.client,
    clock,
    nodes: options.nodes,
    info: {
      runtimeName: options.runtime.name,
      runtimeVersion: options.runtime.version,
      kubeletVersion: KUBELET_VERSION,
    },
    leaseDurationSeconds: options.leaseDurationSeconds,
    renewIntervalMs: options.renewIntervalMs,
    statusIntervalMs: options.statusIntervalMs,
    log: options.log,
  });
  const networks = new Map<string, NodeNetwork>(
    options.nodes.map((n) => [n.name, { podCIDR: n.podCIDR, hostIP: n.internalIP }]),
  );
  const podSync = new PodSync({
    client: options.client,
    runtime: options.runtime,
    clock,
    nodes: networks,
    backoff: options.backoff,
    workers: options.podWorkers,
  });
  await nodeManager.start();
  try {
    await podSync.start();
  } catch (err) {
    nodeManager.stop();
    throw err;
  }
  return {
    nodeManager,
    podSync,
    async stop() {
      nodeManager.stop();
      await podSync.stop();
    },
  };
}
