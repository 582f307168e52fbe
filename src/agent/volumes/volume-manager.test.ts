/**
 * The volume manager on real directories and real tmpfs mounts (as root): every volume kind,
 * the kubelet's failure messages, in-place refresh, fsGroup, and teardown (also by a new
 * manager, as after an agent restart). Everything is unmounted and removed in afterAll.
 */
import {
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Pod, Secret, Volume } from 'kubernetes-types/core/v1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { VolumeSetupError } from './errors.js';
import { mountPointsUnder, unmount } from './mounts.js';
import { VolumeManager } from './volume-manager.js';

const base = mkdtempSync(join(tmpdir(), `skiff-vol-${process.pid}-`));
const root = join(base, 'pods');
const b64 = (s: string) => Buffer.from(s).toString('base64');

const configMaps = new Map<string, ConfigMap>([
  [
    'ns/app-config',
    {
      metadata: { namespace: 'ns', name: 'app-config' },
      data: { 'app.properties': 'color=blue\n', 'log.level': 'info' },
      binaryData: { 'logo.bin': b64('\x00\x01\x02') },
    },
  ],
]);
const secrets = new Map<string, Secret>([
  [
    'ns/db',
    { metadata: { namespace: 'ns', name: 'db' }, data: { password: b64('hunter2'), user: b64('admin') } },
  ],
]);

const manager = new VolumeManager({
  root,
  nodeName: 'node-a',
  getConfigMap: (ns, name) => configMaps.get(`${ns}/${name}`),
  getSecret: (ns, name) => secrets.get(`${ns}/${name}`),
  nodeAllocatable: { cpu: '4', memory: '8Gi' },
  serviceAccountToken: async (pod, source) => `token-for-${pod.metadata?.name}-${source.audience ?? 'api'}`,
});

afterAll(async () => {
  try {
    for (const uid of await manager.podUIDs()) await manager.teardown(uid);
  } finally {
    for (const m of mountPointsUnder(base)) await unmount(m);
    rmSync(base, { recursive: true, force: true });
  }
});

let seq = 0;
function pod(volumes: Volume[], extra: Partial<Pod['spec']> = {}): Pod {
  seq++;
  return {
    metadata: {
      name: `web-${seq}`,
      namespace: 'ns',
      uid: `uid-${process.pid}-${seq}`,
      labels: { app: 'web' },
    },
    spec: {
      containers: [{ name: 'app', image: 'nginx', resources: { limits: { cpu: '500m', memory: '256Mi' } } }],
      volumes,
      ...extra,
    },
  };
}

function fsType(dir: string): string | undefined {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    if (fields[4] === dir) return fields[fields.indexOf('-') + 1];
  }
  return undefined;
}
const mode = (path: string) => statSync(path).mode & 0o7777;
const read = (path: string) => readFileSync(path, 'utf8');

async function setupError(p: Pod): Promise<VolumeSetupError> {
  try {
    await manager.setup(p);
  } catch (err) {
    if (err instanceof VolumeSetupError) return err;
    throw err;
  }
  throw new Error('setup succeeded');
}

describe('configMap volumes', () => {
  it('all keys (data and binaryData) with the default mode, in a 0777 directory on disk', async () => {
    const p = pod([{ name: 'cfg', configMap: { name: 'app-config' } }]);
    const dir = (await manager.setup(p)).get('cfg')!;
    expect(dir).toBe(join(root, p.metadata!.uid!, 'volumes/kubernetes.io~configmap/cfg'));
    expect(read(join(dir, 'app.properties'))).toBe('color=blue\n');
    expect(readFileSync(join(dir, 'logo.bin'))).toEqual(Buffer.from([0, 1, 2]));
    expect(readlinkSync(join(dir, 'log.level'))).toBe('..data/log.level');
    expect(mode(join(dir, 'log.level'))).toBe(0o644);
    expect(mode(dir)).toBe(0o777);
    expect(fsType(dir)).toBeUndefined();
  });

  it('items with paths and modes, and defaultMode', async () => {
    const p = pod([
      {
        name: 'cfg',
        configMap: {
          name: 'app-config',
          defaultMode: 0o400,
          items: [
            { key: 'app.properties', path: 'conf/app.properties', mode: 0o640 },
            { key: 'log.level', path: 'level' },
          ],
        },
      },
    ]);
    const dir = (await manager.setup(p)).get('cfg')!;
    expect(read(join(dir, 'conf/app.properties'))).toBe('color=blue\n');
    expect(mode(join(dir, 'conf/app.properties'))).toBe(0o640);
    expect(mode(join(dir, 'level'))).toBe(0o400);
  });

  it('an optional missing ConfigMap gives an empty volume', async () => {
    const p = pod([{ name: 'cfg', configMap: { name: 'nope', optional: true } }]);
    const dir = (await manager.setup(p)).get('cfg')!;
    expect(readlinkSync(join(dir, '..data'))).toMatch(/^\.\.\d{4}_/);
  });

  const failures: Array<[string, Volume, string]> = [
    [
      'missing ConfigMap',
      { name: 'cfg', configMap: { name: 'nope' } },
      'MountVolume.SetUp failed for volume "cfg" : configmap "nope" not found',
    ],
    [
      'missing key',
      { name: 'cfg', configMap: { name: 'app-config', items: [{ key: 'nope', path: 'x' }] } },
      'MountVolume.SetUp failed for volume "cfg" : configmap references non-existent config key: nope',
    ],
    [
      'missing Secret',
      { name: 'sec', secret: { secretName: 'nope' } },
      'MountVolume.SetUp failed for volume "sec" : secret "nope" not found',
    ],
    [
      'missing secret key',
      { name: 'sec', secret: { secretName: 'db', items: [{ key: 'nope', path: 'x' }] } },
      'MountVolume.SetUp failed for volume "sec" : references non-existent secret key: nope',
    ],
    [
      'an unsupported volume type',
      { name: 'data', persistentVolumeClaim: { claimName: 'data-0' } },
      'MountVolume.SetUp failed for volume "data" : skiff does not support persistentVolumeClaim volumes',
    ],
  ];
  it.each(failures)('%s is a FailedMount', async (_name, volume, message) => {
    const err = await setupError(pod([{ name: 'ok', emptyDir: {} }, volume]));
    expect(err.reason).toBe('FailedMount');
    expect(err.message).toBe(message);
    expect(err.failures).toEqual([{ volume: volume.name, message }]);
  });
});

describe('secret volumes', () => {
  it('live on a tmpfs sized to the pod memory limit', async () => {
    const p = pod([{ name: 'sec', secret: { secretName: 'db' } }]);
    const dir = (await manager.setup(p)).get('sec')!;
    expect(dir).toBe(join(root, p.metadata!.uid!, 'volumes/kubernetes.io~secret/sec'));
    expect(fsType(dir)).toBe('tmpfs');
    const fs = statfsSync(dir);
    expect(fs.blocks * fs.bsize).toBe(256 * 1024 * 1024);
    expect(read(join(dir, 'password'))).toBe('hunter2');
    expect(mode(join(dir, 'password'))).toBe(0o644);
    expect(mode(dir)).toBe(0o1777);
    // A second setup keeps the one mount.
    await manager.setup(p);
    expect(mountPointsUnder(dir)).toEqual([dir]);
  });
});

describe('emptyDir volumes', () => {
  it('on disk: a 0777 directory', async () => {
    const p = pod([{ name: 'scratch', emptyDir: {} }]);
    const dir = (await manager.setup(p)).get('scratch')!;
    expect(dir).toBe(join(root, p.metadata!.uid!, 'volumes/kubernetes.io~empty-dir/scratch'));
    expect(mode(dir)).toBe(0o777);
    expect(fsType(dir)).toBeUndefined();
  });

  it('medium Memory: a tmpfs of sizeLimit when it is below the pod limit', async () => {
    const p = pod([{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } }]);
    const dir = (await manager.setup(p)).get('cache')!;
    expect(fsType(dir)).toBe('tmpfs');
    const fs = statfsSync(dir);
    expect(fs.blocks * fs.bsize).toBe(16 * 1024 * 1024);
  });

  it('medium Memory without limits: the node allocatable memory', async () => {
    const p = pod([{ name: 'cache', emptyDir: { medium: 'Memory' } }]);
    p.spec!.containers[0].resources = {};
    const dir = (await manager.setup(p)).get('cache')!;
    const fs = statfsSync(dir);
    expect(fs.blocks * fs.bsize).toBe(8 * 1024 * 1024 * 1024);
  });
});

describe('downwardAPI and projected volumes', () => {
  it('downwardAPI: fields and resources, refreshed when labels change', async () => {
    const p = pod([
      {
        name: 'info',
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
            {
              path: 'mem',
              resourceFieldRef: { containerName: 'app', resource: 'limits.memory', divisor: '1Mi' },
            },
            {
              path: 'cpu',
              resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' },
              mode: 0o600,
            },
          ],
        },
      },
    ]);
    const dir = (await manager.setup(p)).get('info')!;
    expect(dir).toContain('volumes/kubernetes.io~downward-api/info');
    expect([read(join(dir, 'labels')), read(join(dir, 'mem')), read(join(dir, 'cpu'))]).toEqual([
      'app="web"',
      '256',
      '500',
    ]);
    expect(mode(join(dir, 'cpu'))).toBe(0o600);
    expect(await manager.refresh(p)).toBe(false);
    p.metadata!.labels = { app: 'web', version: 'v2' };
    expect(await manager.refresh(p)).toBe(true);
    expect(read(join(dir, 'labels'))).toBe('app="web"\nversion="v2"');
  });

  it('projected: configMap, secret, downwardAPI and a token, on tmpfs', async () => {
    const p = pod([
      {
        name: 'all',
        projected: {
          sources: [
            { configMap: { name: 'app-config', items: [{ key: 'log.level', path: 'config/level' }] } },
            { secret: { name: 'db', items: [{ key: 'password', path: 'secret/password' }] } },
            { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
            { serviceAccountToken: { path: 'token', audience: 'vault' } },
            { configMap: { name: 'missing', optional: true } },
          ],
        },
      },
    ]);
    const dir = (await manager.setup(p)).get('all')!;
    expect(fsType(dir)).toBe('tmpfs');
    expect(read(join(dir, 'config/level'))).toBe('info');
    expect(read(join(dir, 'secret/password'))).toBe('hunter2');
    expect(read(join(dir, 'name'))).toBe(p.metadata!.name);
    expect(read(join(dir, 'token'))).toBe(`token-for-${p.metadata!.name}-vault`);
  });

  it('projected: the failures of all sources in one message', async () => {
    const err = await setupError(
      pod([
        {
          name: 'all',
          projected: {
            sources: [
              { configMap: { name: 'a' } },
              { secret: { name: 'db', items: [{ key: 'x', path: 'x' }] } },
            ],
          },
        },
      ]),
    );
    expect(err.message).toBe(
      'MountVolume.SetUp failed for volume "all" : [configmap "a" not found, secret db references non-existent secret key: x]',
    );
  });
});

describe('refresh', () => {
  it('an edited ConfigMap reaches the file through the same path; the symlink target moves', async () => {
    const p = pod([{ name: 'cfg', configMap: { name: 'app-config' } }]);
    const dir = (await manager.setup(p)).get('cfg')!;
    const before = readlinkSync(join(dir, '..data'));
    expect(await manager.refresh(p)).toBe(false);
    const old = configMaps.get('ns/app-config')!;
    configMaps.set('ns/app-config', { ...old, data: { ...old.data, 'log.level': 'debug' } });
    try {
      expect(await manager.refresh(p)).toBe(true);
      expect(read(join(dir, 'log.level'))).toBe('debug');
      expect(readlinkSync(join(dir, '..data'))).not.toBe(before);
    } finally {
      configMaps.set('ns/app-config', old);
    }
  });

  it('a source that disappeared keeps the old content and is reported', async () => {
    const p = pod([{ name: 'sec', secret: { secretName: 'db' } }]);
    const dir = (await manager.setup(p)).get('sec')!;
    const saved = secrets.get('ns/db')!;
    secrets.delete('ns/db');
    try {
      await expect(manager.refresh(p)).rejects.toThrow(
        'MountVolume.SetUp failed for volume "sec" : secret "db" not found',
      );
      expect(read(join(dir, 'password'))).toBe('hunter2');
    } finally {
      secrets.set('ns/db', saved);
    }
  });
});

describe('fsGroup', () => {
  it('gives files the group with group read, directories setgid', async () => {
    const p = pod(
      [
        { name: 'cfg', configMap: { name: 'app-config', defaultMode: 0o600 } },
        { name: 'scratch', emptyDir: {} },
      ],
      { securityContext: { fsGroup: 4321 } },
    );
    const paths = await manager.setup(p);
    const file = join(paths.get('cfg')!, 'log.level');
    expect(statSync(file).gid).toBe(4321);
    expect(mode(file)).toBe(0o640);
    const scratch = paths.get('scratch')!;
    expect(statSync(scratch).gid).toBe(4321);
    expect(mode(scratch)).toBe(0o2777);
  });
});

describe('hostPath volumes', () => {
  const host = join(base, 'host');
  const server: { s?: Server } = {};
  afterAll(() => server.s?.close());

  it('type checks as the kubelet', async () => {
    const sock = join(base, 'app.sock');
    server.s = createServer();
    await new Promise<void>((resolve) => server.s!.listen(sock, resolve));
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    const ok: Volume[] = [
      { name: 'a', hostPath: { path: join(host, 'made/by/dir-or-create'), type: 'DirectoryOrCreate' } },
      { name: 'b', hostPath: { path: join(host, 'made/by/dir-or-create'), type: 'Directory' } },
      { name: 'c', hostPath: { path: join(base, 'new-file'), type: 'FileOrCreate' } },
      { name: 'd', hostPath: { path: file, type: 'File' } },
      { name: 'e', hostPath: { path: sock, type: 'Socket' } },
      { name: 'f', hostPath: { path: '/dev/null', type: 'CharDevice' } },
      { name: 'g', hostPath: { path: join(host, 'untyped') } },
    ];
    const paths = await manager.setup(pod(ok));
    expect(paths.get('a')).toBe(join(host, 'made/by/dir-or-create'));
    expect(statSync(join(host, 'made/by/dir-or-create')).isDirectory()).toBe(true);
    expect(statSync(join(base, 'new-file')).isFile()).toBe(true);
    expect(statSync(join(host, 'untyped')).isDirectory()).toBe(true);

    const bad: Array<[Volume, string]> = [
      [
        { name: 'h', hostPath: { path: '/nope', type: 'Directory' } },
        'hostPath type check failed: /nope is not a directory',
      ],
      [
        { name: 'i', hostPath: { path: file, type: 'Directory' } },
        `hostPath type check failed: ${file} is not a directory`,
      ],
      [
        { name: 'j', hostPath: { path: file, type: 'DirectoryOrCreate' } },
        `hostPath type check failed: ${file} is not a directory`,
      ],
      [
        { name: 'k', hostPath: { path: host, type: 'File' } },
        `hostPath type check failed: ${host} is not a file`,
      ],
      [
        { name: 'l', hostPath: { path: file, type: 'Socket' } },
        `hostPath type check failed: ${file} is not a socket file`,
      ],
      [
        { name: 'm', hostPath: { path: file, type: 'CharDevice' } },
        `hostPath type check failed: ${file} is not a character device`,
      ],
      [
        { name: 'n', hostPath: { path: '/dev/null', type: 'BlockDevice' } },
        'hostPath type check failed: /dev/null is not a block device',
      ],
      [
        { name: 'o', hostPath: { path: '/tmp/../etc', type: 'Directory' } },
        "invalid HostPath `/tmp/../etc`: must not contain '..'",
      ],
      [{ name: 'p', hostPath: { path: host, type: 'Weird' } }, 'Weird is an invalid volume type'],
    ];
    const err = await setupError(pod(bad.map(([v]) => v)));
    expect(err.failures).toEqual(
      bad.map(([v, why]) => ({
        volume: v.name,
        message: `MountVolume.SetUp failed for volume "${v.name}" : ${why}`,
      })),
    );
  });
});

describe('teardown', () => {
  it('unmounts and removes everything, idempotently, also from a new manager', async () => {
    const p = pod([
      { name: 'sec', secret: { secretName: 'db' } },
      { name: 'cache', emptyDir: { medium: 'Memory' } },
      { name: 'cfg', configMap: { name: 'app-config' } },
    ]);
    await manager.setup(p);
    const podDir = join(root, p.metadata!.uid!);
    expect(mountPointsUnder(podDir)).toHaveLength(2);
    const restarted = new VolumeManager({
      root,
      nodeName: 'node-a',
      getConfigMap: () => undefined,
      getSecret: () => undefined,
    });
    await restarted.teardown(p.metadata!.uid!);
    expect(mountPointsUnder(podDir)).toEqual([]);
    expect(restarted.leftovers().some((l) => l.includes(p.metadata!.uid!))).toBe(false);
    await restarted.teardown(p.metadata!.uid!);
  });

  it('leaves nothing once every pod is torn down', async () => {
    for (const uid of await manager.podUIDs()) await manager.teardown(uid);
    expect(manager.leftovers()).toEqual([]);
  });
});
