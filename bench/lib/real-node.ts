/**
 * A real-node `skiff agent` for the pod-startup bench (runc under conmon, node IP 127.0.0.1,
 * endpoint on a free port, its own data dir), optionally under the CPU profiler. Its server comes
 * from cluster.ts startServer with a bench-only --cluster-cidr, so its pods never share addresses
 * with another skiff on the same skiff0 bridge.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { stopChild, trackChild } from './cleanup.js';
import { type AgentProcess, agentArgs, until } from './cluster.js';
import { profileArgs } from './cpu-profile.js';
import { repoRoot, type SkiffProcess } from './skiff-process.js';
import { snapshotSourceMaps } from './source-map.js';

export interface RealAgentOptions {
  nodeName: string;
  dataDir: string;
  clusterCIDR: string;
  /** Run the agent under `node --cpu-prof` writing here (source maps are snapshotted beside). */
  profileDir?: string;
}

/**
 * Spawns `skiff agent` for this machine as a real node and waits until it says it serves the
 * node (pod sync running). The node's Ready condition is the caller's to wait for.
 */
export async function startRealAgent(server: SkiffProcess, o: RealAgentOptions): Promise<AgentProcess> {
  const args = agentArgs(
    server,
    '--node-name',
    o.nodeName,
    '--node-ip',
    '127.0.0.1',
    '--kubelet-port',
    '0',
    '--data-dir',
    o.dataDir,
    '--cluster-cidr',
    o.clusterCIDR,
  );
  if (o.profileDir) {
    snapshotSourceMaps(join(repoRoot(), 'dist'), join(o.profileDir, 'maps'));
    args.unshift(...profileArgs(o.profileDir));
  }
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = trackChild(spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env }));
  let err = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (c: string) => {
    err = (err + c).slice(-20_000);
  });
  const assertAlive = () => {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`skiff agent exited (${child.exitCode ?? child.signalCode}): ${err.slice(-3000)}`);
  };
  try {
    await until(
      () => {
        assertAlive();
        return /serving node/.test(err);
      },
      90_000,
      () => `skiff agent did not start serving: ${err.slice(-3000)}`,
      50,
    );
  } catch (e) {
    await stopChild(child);
    throw e;
  }
  return {
    child,
    pid: child.pid ?? -1,
    stderr: () => err,
    // Long grace: a profiled agent writes its profile on the way out.
    stop: () => stopChild(child, 30_000),
    assertAlive,
  };
}
