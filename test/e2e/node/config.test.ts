/**
 * Issue 4: configuration into containers and bad input on a real node. ConfigMaps and Secrets as
 * env and as volumes, an edited ConfigMap reaching the mounted file in place; then a bad command,
 * a missing ConfigMap and a hostPath that does not exist each show Kubernetes' reason while the
 * agent keeps serving the other pods.
 */
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk } from '../../support/cluster.js';
import { eventually, getJson, listPods } from '../../support/kube.js';
import { type NodeCluster, startNodeCluster } from '../../support/node-agent.js';

let c: NodeCluster;

beforeAll(async () => {
  c = await startNodeCluster();
}, 180_000);

afterAll(async () => {
  await c?.stop();
});

const pod = (name: string) => getJson<Pod>(c.server, ['get', 'pod', name, '-o', 'json']);
const waiting = (name: string) => pod(name).status?.containerStatuses?.[0]?.state?.waiting;
const apply = (yaml: string) => kubectlOk(c.server, ['apply', '-f', '-'], yaml);
const events = (name: string) =>
  kubectlOk(c.server, ['get', 'events', '--field-selector', `involvedObject.name=${name}`]);
const running = (name: string) =>
  eventually(() => pod(name).status?.containerStatuses?.[0]?.state?.running, 60_000, `${name} running`);

describe('configuration into containers', () => {
  it('passes ConfigMaps and Secrets as env and files, with the downward API', async () => {
    kubectlOk(c.server, [
      'create',
      'configmap',
      'app-config',
      '--from-literal=greeting=hello',
      '--from-literal=color=blue',
    ]);
    kubectlOk(c.server, ['create', 'secret', 'generic', 'app-secret', '--from-literal=password=s3cret']);
    apply(`apiVersion: v1
kind: Pod
metadata: {name: configured, labels: {tier: demo}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sh", "-c", "exec sleep 3600"]
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: app-secret, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MESSAGE, value: "$(GREETING) from $(POD_NAME)"}
    envFrom:
    - {prefix: CFG_, configMapRef: {name: app-config}}
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: secret, mountPath: /etc/secret, readOnly: true}
    - {name: info, mountPath: /etc/info}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - {name: config, configMap: {name: app-config}}
  - {name: secret, secret: {secretName: app-secret}}
  - name: info
    downwardAPI:
      items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]
  - {name: scratch, emptyDir: {medium: Memory, sizeLimit: 8Mi}}
`);
    await running('configured');
    const env = kubectlOk(c.server, ['exec', 'configured', '--', 'env']);
    expect(env).toContain('GREETING=hello');
    expect(env).toContain('PASSWORD=s3cret');
    expect(env).toContain('MESSAGE=hello from configured');
    expect(env).toContain('CFG_color=blue');
    expect(env).toMatch(/POD_IP=10\.42\.\d+\.\d+/);
    expect(kubectlOk(c.server, ['exec', 'configured', '--', 'cat', '/etc/config/greeting'])).toBe('hello');
    expect(kubectlOk(c.server, ['exec', 'configured', '--', 'cat', '/etc/secret/password'])).toBe('s3cret');
    expect(kubectlOk(c.server, ['exec', 'configured', '--', 'cat', '/etc/info/labels'])).toContain(
      'tier="demo"',
    );
    const resolv = kubectlOk(c.server, ['exec', 'configured', '--', 'cat', '/etc/resolv.conf']);
    expect(resolv).toContain('search default.svc.cluster.local svc.cluster.local cluster.local');
    expect(resolv).toContain('nameserver 10.43.0.10');
    expect(resolv).toContain('options ndots:5');
    expect(kubectlOk(c.server, ['exec', 'configured', '--', 'cat', '/etc/hosts'])).toMatch(
      /10\.42\.\d+\.\d+\s+configured/,
    );
    expect(
      kubectlOk(c.server, ['exec', 'configured', '--', 'sh', '-c', 'grep " /scratch " /proc/mounts']),
    ).toContain('tmpfs');
  });

  it('updates a mounted ConfigMap in place when it is edited', async () => {
    kubectlOk(c.server, ['patch', 'configmap', 'app-config', '-p', '{"data":{"greeting":"bonjour"}}']);
    await eventually(
      () => kubectlOk(c.server, ['exec', 'configured', '--', 'cat', '/etc/config/greeting']) === 'bonjour',
      60_000,
      'the mounted file to change',
    );
    expect(pod('configured').status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });
});

describe('bad input on a real node', () => {
  it('reports a missing ConfigMap as CreateContainerConfigError, and starts once it exists', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: needs-config}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sleep", "3600"]
    env: [{name: X, valueFrom: {configMapKeyRef: {name: not-yet, key: x}}}]
`);
    await eventually(
      () => waiting('needs-config')?.reason === 'CreateContainerConfigError',
      60_000,
      'CreateContainerConfigError',
    );
    expect(waiting('needs-config')?.message).toBe('configmap "not-yet" not found');
    kubectlOk(c.server, ['create', 'configmap', 'not-yet', '--from-literal=x=1']);
    await running('needs-config');
  });

  it('reports a command that does not exist as RunContainerError, then backs off', async () => {
    kubectlOk(c.server, ['run', 'bad-command', `--image=${c.image}`, '--command', '--', '/no/such/binary']);
    await eventually(
      () =>
        ['RunContainerError', 'CrashLoopBackOff', 'CreateContainerError'].includes(
          waiting('bad-command')?.reason ?? '',
        ) || undefined,
      60_000,
      'RunContainerError',
    );
    const events = kubectlOk(c.server, [
      'get',
      'events',
      '--field-selector',
      'involvedObject.name=bad-command',
    ]);
    expect(events).toContain('/no/such/binary');
  });

  it('keeps a pod with a missing hostPath directory in ContainerCreating with a FailedMount event', async () => {
    apply(`apiVersion: v1
kind: Pod
metadata: {name: bad-mount}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: ${c.image}
    command: ["sleep", "3600"]
    volumeMounts: [{name: host, mountPath: /host}]
  volumes:
  - name: host
    hostPath: {path: /nonexistent/skiff-e2e, type: Directory}
`);
    await eventually(
      () =>
        kubectlOk(c.server, ['get', 'events', '--field-selector', 'involvedObject.name=bad-mount']).includes(
          'FailedMount',
        ),
      60_000,
      'FailedMount event',
    );
    await eventually(() => waiting('bad-mount')?.reason === 'ContainerCreating', 10_000, 'ContainerCreating');
    expect(events('bad-mount')).toContain(
      'hostPath type check failed: /nonexistent/skiff-e2e is not a directory',
    );
  });

  it('keeps serving the healthy pods meanwhile', () => {
    expect(kubectlOk(c.server, ['exec', 'configured', '--', 'echo', 'still here']).trim()).toBe('still here');
  });

  it('leaves nothing behind once the pods are deleted', async () => {
    kubectl(c.server, ['delete', 'pod', '--all', '--grace-period=1']);
    await eventually(() => listPods(c.server, 'default').length === 0, 60_000, 'pods gone');
    await eventually(() => c.leftovers().length === 0, 30_000, 'no leftovers');
  });
});
