/**
 * Issue 4: images and agent restarts on a real node. Pulls with credentials from an htpasswd
 * registry through imagePullSecrets; wrong credentials and a missing image give
 * ErrImagePull/ImagePullBackOff with the registry's words in the event; `skiff image import` then
 * imagePullPolicy Never. Then kill -9 of the agent while pods run: the containers keep serving,
 * and the restarted agent adopts them with the same container IDs and restart counts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, kubectlOk, skiffBin } from '../../support/cluster.js';
import { eventually, getJson, listPods } from '../../support/kube.js';
import { type NodeCluster, startNodeCluster } from '../../support/node-agent.js';
import { startRegistry, type TestRegistry } from '../../support/registry.js';

let c: NodeCluster;
let locked: TestRegistry;
let lockedImage: string;
let scratch: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'skiff-images-e2e-'));
  c = await startNodeCluster();
  locked = await startRegistry({ htpasswd: { username: 'puller', password: 'right-password' } });
  lockedImage = await locked.push(c.layout, 'busybox:latest', 'private/busybox:1.0');
}, 180_000);

afterAll(async () => {
  await c?.stop();
  await locked?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

const pod = (name: string) => getJson<Pod>(c.server, ['get', 'pod', name, '-o', 'json']);
const apply = (yaml: string) => kubectlOk(c.server, ['apply', '-f', '-'], yaml);
const events = (name: string) =>
  kubectlOk(c.server, ['get', 'events', '--field-selector', `involvedObject.name=${name}`]);

const podYAML = (name: string, image: string, extra = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
${extra}  containers:
  - name: app
    image: ${image}
    command: ["sleep", "3600"]
`;

describe('images on a real node', () => {
  it('pulls from a registry with credentials given by imagePullSecrets', async () => {
    kubectlOk(c.server, [
      'create',
      'secret',
      'docker-registry',
      'regcred',
      `--docker-server=${locked.host}`,
      '--docker-username=puller',
      '--docker-password=right-password',
    ]);
    apply(podYAML('private', lockedImage, '  imagePullSecrets: [{name: regcred}]\n'));
    await eventually(
      () => pod('private').status?.containerStatuses?.[0]?.state?.running,
      60_000,
      'private running',
    );
    expect(pod('private').status?.containerStatuses?.[0]?.imageID).toMatch(/sha256:[0-9a-f]{64}/);
  });

  it('gives ErrImagePull/ImagePullBackOff with the registry error for wrong credentials', async () => {
    kubectlOk(c.server, [
      'create',
      'secret',
      'docker-registry',
      'badcred',
      `--docker-server=${locked.host}`,
      '--docker-username=puller',
      '--docker-password=wrong',
    ]);
    // Always: the image is on the node already (the pod above pulled it), so only a pull can fail.
    apply(
      podYAML('denied', lockedImage, '  imagePullSecrets: [{name: badcred}]\n').replace(
        'command:',
        'imagePullPolicy: Always\n    command:',
      ),
    );
    await eventually(
      () =>
        ['ErrImagePull', 'ImagePullBackOff'].includes(
          pod('denied').status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
        ) || undefined,
      60_000,
      'ErrImagePull',
    );
    expect(events('denied')).toMatch(/Failed to pull image .*unauthorized/i);
  });

  it('gives ErrImagePull for an image that does not exist', async () => {
    apply(podYAML('missing', `${c.registry.host}/no/such-image:1`));
    await eventually(
      () =>
        ['ErrImagePull', 'ImagePullBackOff'].includes(
          pod('missing').status?.containerStatuses?.[0]?.state?.waiting?.reason ?? '',
        ) || undefined,
      60_000,
      'ErrImagePull',
    );
    expect(events('missing')).toMatch(/Failed to pull image .*(manifest unknown|not found|name unknown)/i);
  });

  it('runs an image imported with skiff image import and imagePullPolicy Never', async () => {
    const archive = join(scratch, 'tool.tar');
    execFileSync('skopeo', [
      'copy',
      '--quiet',
      `oci:${c.layout}:busybox:latest`,
      `docker-archive:${archive}:imported/tool:v1`,
    ]);
    execFileSync(process.execPath, [skiffBin, 'image', 'import', archive, '--data-dir', c.agent.dataDir]);
    const ls = execFileSync(process.execPath, [skiffBin, 'image', 'ls', '--data-dir', c.agent.dataDir], {
      encoding: 'utf8',
    });
    expect(ls).toContain('imported/tool');
    apply(
      podYAML('imported', 'imported/tool:v1').replace('command:', 'imagePullPolicy: Never\n    command:'),
    );
    await eventually(
      () => pod('imported').status?.containerStatuses?.[0]?.state?.running,
      60_000,
      'imported running',
    );
  });
});

describe('an agent killed with SIGKILL', () => {
  it('leaves its containers serving and adopts them when it comes back', async () => {
    kubectlOk(c.server, [
      'run',
      'survivor',
      `--image=${c.image}`,
      '--',
      'sh',
      '-c',
      'echo hi > /tmp/i; exec httpd -f -p 8080 -h /tmp',
    ]);
    await eventually(() => pod('survivor').status?.containerStatuses?.[0]?.ready, 60_000, 'survivor ready');
    const before = pod('survivor').status!;
    await c.agent.kill();
    // The container still answers, from the host, with no agent running.
    const fetch = () =>
      execFileSync('/bin/busybox', ['wget', '-qO-', `http://${before.podIP}:8080/i`], {
        encoding: 'utf8',
        timeout: 5000,
      });
    expect(fetch().trim()).toBe('hi');
    await c.agent.restart();
    await eventually(
      () => pod('survivor').status?.containerStatuses?.[0]?.ready,
      30_000,
      'survivor ready again',
    );
    const after = pod('survivor').status!;
    expect(after.containerStatuses![0].containerID).toBe(before.containerStatuses![0].containerID);
    expect(after.containerStatuses![0].restartCount).toBe(before.containerStatuses![0].restartCount);
    expect(after.podIP).toBe(before.podIP);
    expect(fetch().trim()).toBe('hi');
    expect(kubectlOk(c.server, ['exec', 'survivor', '--', 'cat', '/tmp/i']).trim()).toBe('hi');
  });

  it('leaves nothing behind once the pods are deleted', async () => {
    kubectl(c.server, ['delete', 'pod', '--all', '--grace-period=1']);
    await eventually(() => listPods(c.server, 'default').length === 0, 60_000, 'pods gone');
    await eventually(() => c.leftovers().length === 0, 30_000, 'no leftovers');
  });
});
