/**
 * `skiff up`, the command a new user starts with: one process serving the API and running this
 * machine as the node. A pod runs from an image in a local registry; `kubectl top` reads the
 * metrics API; kill -9 of the whole process leaves the container serving, and a restarted
 * `skiff up` on the same data dir adopts it with the same container ID.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBusyboxImage } from '../../support/busybox-image.js';
import { freePort, kubectl, kubectlOk, skiffBin } from '../../support/cluster.js';
import { eventually, getJson, listPods } from '../../support/kube.js';
import { agentLeftovers, forceCleanup } from '../../support/node-agent.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

let work: string;
let dataDir: string;
let registry: TestRegistry;
let image: string;
let up: ChildProcess | undefined;
let output = '';
let port: number;
const server = () => ({ kubeconfig: join(dataDir, 'kubeconfig.yaml') });

async function startUp(): Promise<void> {
  up = spawn(
    process.execPath,
    [
      skiffBin,
      'up',
      '--data-dir',
      dataDir,
      '--port',
      String(port),
      '--kubelet-port',
      '0',
      '--node-name',
      `up-${process.pid}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  up.stderr?.on('data', (d) => {
    output += d;
  });
  await eventually(
    () => {
      if (up?.exitCode !== null) throw new Error(`skiff up exited:\n${output}`);
      return /cluster ready in \d+ ms/.test(output);
    },
    60_000,
    'skiff up ready',
  );
}

async function killUp(signal: NodeJS.Signals): Promise<void> {
  const child = up;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await gone;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'skiff-up-e2e-'));
  dataDir = join(work, 'data');
  const built = await buildBusyboxImage(join(work, 'image'));
  registry = await startRegistry();
  image = await registry.push(built.layout, built.ref, 'busybox:latest');
  port = await freePort();
  await startUp();
}, 180_000);

afterAll(async () => {
  await killUp('SIGTERM');
  await forceCleanup(dataDir);
  await registry?.stop();
  rmSync(work, { recursive: true, force: true });
});

const pod = (name: string) => getJson<Pod>(server(), ['get', 'pod', name, '-o', 'json']);

describe('skiff up', () => {
  it('is one Ready node running pods', async () => {
    const nodes = kubectlOk(server(), ['get', 'nodes']);
    expect(nodes).toMatch(new RegExp(`up-${process.pid}\\s+Ready`));
    kubectlOk(server(), [
      'run',
      'web',
      `--image=${image}`,
      '--',
      'sh',
      '-c',
      'echo up > /tmp/i; exec httpd -f -p 8080 -h /tmp',
    ]);
    await eventually(() => pod('web').status?.containerStatuses?.[0]?.ready, 60_000, 'web ready');
  });

  it('serves kubectl top from the metrics API', async () => {
    await eventually(
      () => /web\s+\d+m\s+\d+Mi/.test(kubectl(server(), ['top', 'pods']).stdout),
      60_000,
      'top pods',
    );
    expect(kubectlOk(server(), ['top', 'nodes'])).toMatch(
      new RegExp(`up-${process.pid}\\s+\\d+m\\s+\\d+%\\s+\\d+Mi`),
    );
  });

  it('leaves containers serving through kill -9 and adopts them on restart', async () => {
    const before = pod('web').status!;
    await killUp('SIGKILL');
    const fetch = () =>
      execFileSync('/bin/busybox', ['wget', '-qO-', `http://${before.podIP}:8080/i`], {
        encoding: 'utf8',
        timeout: 5000,
      });
    expect(fetch().trim()).toBe('up');
    output = '';
    await startUp();
    await eventually(() => pod('web').status?.containerStatuses?.[0]?.ready, 30_000, 'web ready again');
    const after = pod('web').status!;
    expect(after.containerStatuses![0].containerID).toBe(before.containerStatuses![0].containerID);
    expect(after.containerStatuses![0].restartCount).toBe(0);
    expect(fetch().trim()).toBe('up');
  });

  it('leaves nothing behind once the pods are deleted', async () => {
    kubectl(server(), ['delete', 'pod', '--all', '--grace-period=1']);
    await eventually(() => listPods(server(), 'default').length === 0, 60_000, 'pods gone');
    await eventually(() => agentLeftovers(dataDir).length === 0, 30_000, 'no leftovers');
  });
});
