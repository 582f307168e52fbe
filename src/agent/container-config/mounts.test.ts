/** subPath and subPathExpr on real directories: created when missing, never escaping the volume. */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, VolumeMount } from 'kubernetes-types/core/v1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { makeMounts } from './mounts.js';

const root = mkdtempSync(join(tmpdir(), `skiff-mounts-${process.pid}-`));
const volume = join(root, 'vol');
const outside = join(root, 'outside');
mkdirSync(volume);
chmodSync(volume, 0o777);
mkdirSync(outside);
writeFileSync(join(volume, 'config.yaml'), 'a: 1\n');
symlinkSync('../outside', join(volume, 'evil'));
symlinkSync('config.yaml', join(volume, 'alias'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mountsOf = (m: VolumeMount, env: Record<string, string> = {}) => {
  const container: Container = { name: 'app', volumeMounts: [m] };
  return makeMounts(container, new Map(Object.entries(env)), { volumePaths: new Map([['v', volume]]) });
};

describe('subPath', () => {
  it('a file inside the volume', () => {
    expect(mountsOf({ name: 'v', mountPath: '/etc/app.yaml', subPath: 'config.yaml' })[0].hostPath).toBe(
      join(volume, 'config.yaml'),
    );
  });

  it('a symlink inside the volume resolves to its target', () => {
    expect(mountsOf({ name: 'v', mountPath: '/x', subPath: 'alias' })[0].hostPath).toBe(
      join(volume, 'config.yaml'),
    );
  });

  it('a missing directory is created with the volume mode', () => {
    const got = mountsOf({ name: 'v', mountPath: '/data', subPath: 'a/b' })[0].hostPath;
    expect(got).toBe(join(volume, 'a/b'));
    expect(statSync(got).mode & 0o777).toBe(0o777);
  });

  it('subPathExpr expands the env', () => {
    const got = mountsOf(
      { name: 'v', mountPath: '/logs', subPathExpr: 'logs/$(POD_NAME)' },
      { POD_NAME: 'web-0' },
    );
    expect(got[0].hostPath).toBe(join(volume, 'logs/web-0'));
  });

  const errors: Array<[string, VolumeMount, string]> = [
    [
      'absolute',
      { name: 'v', mountPath: '/x', subPath: '/etc' },
      'error SubPath `/etc` must not be an absolute path',
    ],
    [
      'backsteps',
      { name: 'v', mountPath: '/x', subPath: 'a/../../x' },
      "unable to provision SubPath `a/../../x`: must not contain '..'",
    ],
    [
      'a symlink out of the volume',
      { name: 'v', mountPath: '/x', subPath: 'evil' },
      'failed to prepare subPath for volumeMount "v" of container "app"',
    ],
    [
      'creating through a symlink out of the volume',
      { name: 'v', mountPath: '/x', subPath: 'evil/newdir' },
      'failed to prepare subPath for volumeMount "v" of container "app"',
    ],
    [
      'subPathExpr with a missing var',
      { name: 'v', mountPath: '/x', subPathExpr: '$(NOPE)/$(ALSO)' },
      'missing value for ALSO, NOPE',
    ],
  ];
  it.each(errors)('rejects %s', (_name, m, message) => {
    expect(() => mountsOf(m)).toThrow(message);
  });

  it('creating through an escaping symlink made nothing outside', () => {
    expect(existsSync(join(outside, 'newdir'))).toBe(false);
  });
});
