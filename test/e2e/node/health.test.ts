/**
 * Issue 4, second "Done when": container health on a real node. A container allocating past its
 * memory limit is OOMKilled and restarted; a failing liveness probe restarts a container; a
 * failing readiness probe takes the pod out of Endpoints; a startup probe holds liveness off;
 * CrashLoopBackOff shows in `kubectl get pods`; termination messages reach the status. Cgroup limits
 * are checked where the kernel keeps them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Endpoints, Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../../support/cluster.js';
import { eventually, getJson, listPods } from '../../support/kube.js';
import { type NodeCluster, startNodeCluster } from '../../support/node-agent.js';

let c: NodeCluster;

beforeAll(async () => {
  // Small logs rotate within the test (the kubelet's default is 10Mi).
  c = await startNodeCluster(['--container-log-max-size', '4Ki', '--container-log-max-files', '3']);
}, 180_000);

afterAll(async () => {
  await c?.stop();
});

const pod = (name: string) => getJson<Pod>(c.server, ['get', 'pod', name, '-o', 'json']);
const status = (name: string) => pod(name).status?.containerStatuses?.[0];
const apply = (yaml: string) => kubectlOk(c.server, ['apply', '-f', '-'], yaml);

describe('container health on a real node', () => {
  it('OOMKills a container past its memory limit and restarts it', async () => {
    // The pod's memory limit is hit as well as the container's; conmon, outside the pod's memory
    // cgroup, must survive to record the kill (it is restarted and killed again, every time).
    apply(`apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: hog
    image: ${c.image}
    command: ["sh", "-c", "x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done"]
    resources:
      requests: {memory: 16Mi, cpu: 100m}
      limits: {memory: 32Mi, cpu: 500m}
`);
    let last: unknown;
    const s = await eventually(
      () => {
        const st = status('hog');
        last = { state: st?.state, lastState: st?.lastState, restarts: st?.restartCount };
        return st?.lastState?.terminated?.reason === 'OOMKilled' && (st.restartCount ?? 0) >= 2
          ? st
          : undefined;
      },
      50_000,
      'hog OOMKilled',
    ).catch((err: Error) => {
      throw new Error(`${err.message}; last status: ${JSON.stringify(last)}`);
    });
    expect(s.lastState!.terminated!.exitCode).toBe(137);
    expect(s.restartCount).toBeGreaterThanOrEqual(2);
    expect(pod('hog').status?.qosClass).toBe('Burstable');
  });

  it('puts requests and limits into the cgroup', async () => {
    kubectlOk(c.server, ['delete', 'pod', 'hog', '--grace-period=0', '--force']);
    apply(`apiVersion: v1
kind: Pod
metadata: {name: limited}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sleep", "3600"]
    resources:
      requests: {memory: 16Mi, cpu: 100m}
      limits: {memory: 32Mi, cpu: 500m}
`);
    const s = await eventually(
      () => status('limited')?.state?.running && status('limited'),
      60_000,
      'limited running',
    );
    const id = s.containerID!.replace('runc://', '');
    const path = `kubepods/burstable/pod${pod('limited').metadata!.uid}/${id}`;
    const read = (file: string) => readFileSync(file, 'utf8').trim();
    if (existsSync('/sys/fs/cgroup/memory/kubepods')) {
      // cgroup v1 (this machine): one hierarchy per controller.
      expect(Number(read(`/sys/fs/cgroup/memory/${path}/memory.limit_in_bytes`))).toBe(32 * 1024 * 1024);
      expect(read(`/sys/fs/cgroup/cpu/${path}/cpu.shares`)).toBe('102');
      expect(read(`/sys/fs/cgroup/cpu/${path}/cpu.cfs_quota_us`)).toBe('50000');
    } else {
      expect(Number(read(`/sys/fs/cgroup/${path}/memory.max`))).toBe(32 * 1024 * 1024);
      expect(read(`/sys/fs/cgroup/${path}/cpu.max`)).toBe('50000 100000');
    }
  });

  it('restarts a container whose liveness probe fails', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: live}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sh", "-c", "touch /tmp/healthy; sleep 2; rm /tmp/healthy; exec sleep 3600"]
    livenessProbe:
      exec: {command: ["cat", "/tmp/healthy"]}
      periodSeconds: 1
      failureThreshold: 2
`);
    await eventually(() => (status('live')?.restartCount ?? 0) >= 1, 60_000, 'live restarted');
    const events = kubectlOk(c.server, ['get', 'events', '--field-selector', 'involvedObject.name=live']);
    expect(events).toContain('Liveness probe failed');
    expect(events).toMatch(/failed liveness probe, will be restarted/);
  });

  it('takes a pod out of Endpoints while its readiness probe fails', async () => {
    apply(`apiVersion: v1
kind: Service
metadata: {name: ready-svc}
spec:
  selector: {app: ready}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: ready, labels: {app: ready}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sh", "-c", "touch /tmp/ready; exec sleep 3600"]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
`);
    const ep = () => getJson<Endpoints>(c.server, ['get', 'endpoints', 'ready-svc', '-o', 'json']);
    await eventually(() => (ep().subsets?.[0]?.addresses?.length ?? 0) === 1, 60_000, 'ready in endpoints');
    kubectlOk(c.server, ['exec', 'ready', '--', 'rm', '/tmp/ready']);
    await eventually(() => (ep().subsets?.[0]?.addresses?.length ?? 0) === 0, 30_000, 'out of endpoints');
    expect(ep().subsets?.[0]?.notReadyAddresses?.length).toBe(1);
    expect(status('ready')?.ready).toBe(false);
    expect(status('ready')?.restartCount).toBe(0);
  });

  it('holds liveness off until the startup probe succeeds', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sh", "-c", "sleep 4; touch /tmp/up; exec sleep 3600"]
    startupProbe:
      exec: {command: ["cat", "/tmp/up"]}
      periodSeconds: 1
      failureThreshold: 30
    livenessProbe:
      exec: {command: ["cat", "/tmp/up"]}
      periodSeconds: 1
      failureThreshold: 1
`);
    await eventually(() => status('slow')?.state?.running, 60_000, 'slow running');
    expect(status('slow')?.started).toBe(false);
    await eventually(() => status('slow')?.ready, 30_000, 'slow ready');
    expect(status('slow')?.started).toBe(true);
    expect(status('slow')?.restartCount).toBe(0);
  });

  it('shows CrashLoopBackOff for a container that keeps failing', async () => {
    kubectlOk(c.server, ['run', 'crash', `--image=${c.image}`, '--', 'sh', '-c', 'echo crashing; exit 1']);
    await eventually(
      () => /crash\s+0\/1\s+CrashLoopBackOff/.test(kubectlOk(c.server, ['get', 'pod', 'crash'])),
      60_000,
      'CrashLoopBackOff in kubectl get pods',
    );
    expect(kubectlOk(c.server, ['logs', 'crash', '--previous'])).toContain('crashing');
    const s = status('crash')!;
    expect(s.lastState?.terminated?.exitCode).toBe(1);
    expect(s.lastState?.terminated?.reason).toBe('Error');
  });

  it('reports termination messages: the file the container wrote, or its log on failure', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: farewell}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: ${c.image}
    command: ["sh", "-c", "echo noise; echo bye from $(hostname) > /dev/termination-log; exit 3"]
---
apiVersion: v1
kind: Pod
metadata: {name: fallback}
spec:
  restartPolicy: Never
  containers:
  - name: app
    image: ${c.image}
    terminationMessagePolicy: FallbackToLogsOnError
    terminationMessagePath: /tmp/never-written
    command: ["sh", "-c", "echo first; echo 'it broke' >&2; exit 1"]
`);
    const farewell = await eventually(() => status('farewell')?.state?.terminated, 60_000, 'farewell done');
    expect(farewell.exitCode).toBe(3);
    expect(farewell.message).toBe('bye from farewell\n');
    const fallback = await eventually(() => status('fallback')?.state?.terminated, 60_000, 'fallback done');
    expect(fallback.message).toBe('first\nit broke\n');
    expect(kubectlOk(c.server, ['describe', 'pod', 'farewell'])).toMatch(/Message:\s+bye from farewell/);
  });

  it("rotates a chatty container's log; conmon goes on writing to a fresh file", async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: chatty}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sh", "-c", "i=0; while true; do i=$((i+1)); echo line $i; usleep 20000; done"]
`);
    const uid = await eventually(
      () => status('chatty')?.state?.running && pod('chatty').metadata?.uid,
      60_000,
      'chatty running',
    );
    const dir = join(c.agent.dataDir, 'agent', 'logs', `default_chatty_${uid}`, 'app');
    const files = () => readdirSync(dir);
    const rotated = await eventually(
      () => files().find((f) => /^0\.log\.\d{8}-\d{6}$/.test(f)),
      40_000,
      'a rotated log',
    );
    const lastRotated = Number(/line (\d+)\n$/.exec(readFileSync(join(dir, rotated), 'utf8'))?.[1]);
    // conmon reopened 0.log: the newest lines are there, after the rotated file's last.
    await eventually(
      () => {
        const tail = /line (\d+)/.exec(kubectlOk(c.server, ['logs', 'chatty', '--tail=1']))?.[1];
        return Number(tail) > lastRotated;
      },
      20_000,
      'new lines in the fresh log',
    );
    expect(files().length).toBeLessThanOrEqual(3);
  });

  it('leaves nothing behind once the pods are deleted', async () => {
    kubectl(c.server, ['delete', 'pod', '--all', '--grace-period=1']);
    await eventually(() => listPods(c.server, 'default').length === 0, 60_000, 'pods gone');
    await eventually(() => c.leftovers().length === 0, 30_000, 'no leftovers');
  });
});
