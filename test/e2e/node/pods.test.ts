/**
 * Issue 4, first "Done when": a Deployment of busybox httpd pods with readiness probes on a real
 * node (runc under conmon, CNI bridge), pod-to-pod traffic, and every streaming verb of the real
 * kubectl against real containers: logs (-f, --tail, --previous), exec (exit codes, -i, -it
 * through a pseudo-terminal), cp both ways, port-forward from the host. Then every pod is
 * deleted and nothing may be left behind.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, kubectl, kubectlOk } from '../../support/cluster.js';
import { eventually, getJson, isReady, listPods } from '../../support/kube.js';
import { startKubectl } from '../../support/kubectl-watch.js';
import { type NodeCluster, startNodeCluster } from '../../support/node-agent.js';

let c: NodeCluster;
let scratch: string;

function httpGet(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => {
        body += d;
      });
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const web = (image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      containers:
      - name: httpd
        image: ${image}
        command: ["sh", "-c", "mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && echo started && exec httpd -f -v -p 8080 -h /www"]
        ports: [{containerPort: 8080, name: http}]
        readinessProbe:
          httpGet: {path: /, port: http}
          periodSeconds: 1
`;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'skiff-pods-e2e-'));
  c = await startNodeCluster();
  kubectlOk(c.server, ['apply', '-f', '-'], web(c.image));
  kubectlOk(c.server, ['rollout', 'status', 'deployment/web', '--timeout=90s']);
}, 180_000);

afterAll(async () => {
  await c?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const webPods = () => listPods(c.server, 'default', 'app=web').filter(isReady);

describe('a Deployment of busybox httpd pods on a real node', () => {
  it('runs 3 Ready pods, each with its own 10.42.x address', () => {
    const pods = webPods();
    expect(pods).toHaveLength(3);
    const ips = pods.map((p) => p.status?.podIP ?? '');
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(ip).toMatch(/^10\.42\.\d+\.\d+$/);
    for (const p of pods) {
      const s = p.status!.containerStatuses![0];
      expect(s.ready).toBe(true);
      expect(s.containerID).toMatch(/^runc:\/\/[0-9a-f]{64}$/);
      expect(s.imageID).toContain('sha256:');
      expect(p.status?.qosClass).toBe('BestEffort');
      expect(p.status?.hostIP).toBe('127.0.0.1');
    }
  });

  it('lets one pod fetch a page from another', () => {
    const [a, b] = webPods();
    const out = kubectlOk(c.server, [
      'exec',
      a.metadata!.name!,
      '--',
      'wget',
      '-qO-',
      `http://${b.status!.podIP}:8080/`,
    ]);
    expect(out.trim()).toBe(`hello-from-${b.metadata!.name}`);
  });

  it('serves kubectl logs, --tail and logs deploy/web', () => {
    const [a] = webPods();
    expect(kubectlOk(c.server, ['logs', a.metadata!.name!])).toContain('started');
    expect(kubectlOk(c.server, ['logs', a.metadata!.name!, '--tail=1', '--timestamps'])).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z /,
    );
    expect(kubectlOk(c.server, ['logs', 'deploy/web', '-c', 'httpd'])).toContain('started');
  });

  it('follows logs as they are written (logs -f)', async () => {
    kubectlOk(c.server, [
      'run',
      'ticker',
      `--image=${c.image}`,
      '--restart=Never',
      '--',
      'sh',
      '-c',
      'i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.2; done',
    ]);
    await eventually(
      () => getJson<Pod>(c.server, ['get', 'pod', 'ticker', '-o', 'json']).status?.phase === 'Running',
      60_000,
      'ticker running',
    );
    const follow = startKubectl(c.server, ['logs', '-f', 'ticker']);
    try {
      const first = await follow.waitFor((out) => /tick \d+/.test(out), 20_000);
      const n = Number(/tick (\d+)/.exec(first)![1]);
      await follow.waitFor((out) => out.includes(`tick ${n + 5}`), 20_000);
    } finally {
      await follow.stop();
      kubectl(c.server, ['delete', 'pod', 'ticker', '--grace-period=1', '--wait=false']);
    }
  });

  it('runs exec with exit codes, stdin and a pseudo-terminal', () => {
    const name = webPods()[0].metadata!.name!;
    expect(kubectlOk(c.server, ['exec', name, '--', 'ls', '/']).split('\n')).toContain('bin');
    expect(kubectl(c.server, ['exec', name, '--', 'sh', '-c', 'exit 3']).code).toBe(3);
    expect(kubectlOk(c.server, ['exec', '-i', name, '--', 'cat'], 'piped through stdin\n')).toBe(
      'piped through stdin\n',
    );
    // -it needs a terminal on kubectl's side too: script(1) gives it one.
    const cmd = `kubectl exec -it ${name} -- sh -c '[ -t 0 ] && echo has-a-tty; exit 4'`;
    const res = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        ...process.env,
        KUBECONFIG: c.server.kubeconfig,
        KUBECACHEDIR: join(c.server.kubeconfig, '..', 'kubecache'),
      },
    });
    expect(res.stdout).toContain('has-a-tty');
    expect(res.status).toBe(4);
  });

  it('copies files both ways with kubectl cp', () => {
    const name = webPods()[0].metadata!.name!;
    const local = join(scratch, 'up.txt');
    writeFileSync(local, 'to the container and back\n');
    kubectlOk(c.server, ['cp', local, `${name}:/tmp/up.txt`]);
    expect(kubectlOk(c.server, ['exec', name, '--', 'cat', '/tmp/up.txt'])).toBe(
      'to the container and back\n',
    );
    const back = join(scratch, 'down.txt');
    kubectlOk(c.server, ['cp', `${name}:/tmp/up.txt`, back]);
    expect(readFileSync(back, 'utf8')).toBe('to the container and back\n');
  });

  it('forwards a local port to a pod (port-forward)', async () => {
    const name = webPods()[0].metadata!.name!;
    const port = await freePort();
    const pf = startKubectl(c.server, ['port-forward', `pod/${name}`, `${port}:8080`]);
    try {
      await pf.waitFor((out) => out.includes('Forwarding from'), 20_000);
      expect((await httpGet(port)).trim()).toBe(`hello-from-${name}`);
      expect((await httpGet(port)).trim()).toBe(`hello-from-${name}`);
    } finally {
      await pf.stop();
    }
  });

  it('leaves nothing behind once the pods are deleted', async () => {
    kubectlOk(c.server, ['delete', 'deployment', 'web']);
    kubectl(c.server, ['delete', 'pod', '--all', '--grace-period=1']);
    await eventually(() => listPods(c.server, 'default').length === 0, 60_000, 'pods gone');
    await eventually(
      () => c.leftovers().length === 0 || undefined,
      30_000,
      `no leftovers (${c.leftovers().join('; ')})`,
    );
  });
});
