import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGroup, parsePasswd, readAccounts, resolveUser, type UserInput } from './user.js';

const passwd = parsePasswd(
  'root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001:app:/home/app:/bin/sh\nbroken\nnobody:x:65534:65534::/:/bin/false\n',
);
const groups = parseGroup('root:x:0:\napp:x:1001:\nextra:x:2000:app,other\nwheel:x:10:root\n');
const base: UserInput = { imageUser: '', passwd, groups };

describe('resolveUser', () => {
  const cases: Array<{
    name: string;
    input: Partial<UserInput>;
    want: { uid: number; gid: number; additionalGids: number[] };
  }> = [
    {
      name: 'no user anywhere is root with root’s groups',
      input: {},
      want: { uid: 0, gid: 0, additionalGids: [0, 10] },
    },
    {
      name: 'an image user name is looked up in passwd, with its groups from /etc/group',
      input: { imageUser: 'app' },
      want: { uid: 1000, gid: 1001, additionalGids: [1001, 2000] },
    },
    {
      name: 'a numeric image user known to passwd gets its primary group',
      input: { imageUser: '1000' },
      want: { uid: 1000, gid: 1001, additionalGids: [1001, 2000] },
    },
    {
      name: 'an unknown numeric user gets gid 0',
      input: { imageUser: '4242' },
      want: { uid: 4242, gid: 0, additionalGids: [0] },
    },
    {
      name: 'user:group with names',
      input: { imageUser: 'app:extra' },
      want: { uid: 1000, gid: 2000, additionalGids: [2000] },
    },
    {
      name: 'runAsUser wins over the image user; runAsGroup over the primary group',
      input: { imageUser: 'app', runAsUser: 65534, runAsGroup: 7 },
      want: { uid: 65534, gid: 7, additionalGids: [7] },
    },
    {
      name: 'supplementalGroups and fsGroup are added',
      input: { runAsUser: 1000, supplementalGroups: [3000, 2000], fsGroup: 4000 },
      want: { uid: 1000, gid: 1001, additionalGids: [1001, 2000, 3000, 4000] },
    },
  ];
  for (const c of cases) it(c.name, () => expect(resolveUser({ ...base, ...c.input })).toEqual(c.want));

  it('fails for a user name the image does not know', () => {
    expect(() => resolveUser({ ...base, imageUser: 'ghost' })).toThrow(
      'unable to find user ghost: no matching entries in passwd file',
    );
  });

  it('enforces runAsNonRoot as the kubelet does', () => {
    expect(() => resolveUser({ ...base, runAsNonRoot: true })).toThrow(
      'container has runAsNonRoot and image will run as root',
    );
    expect(() => resolveUser({ ...base, imageUser: 'app', runAsNonRoot: true })).toThrow(
      /non-numeric user \(app\)/,
    );
    expect(resolveUser({ ...base, imageUser: 'app', runAsUser: 1000, runAsNonRoot: true }).uid).toBe(1000);
  });
});

describe('readAccounts', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('reads passwd through symlinks inside the rootfs, never the host’s', async () => {
    const root = await mkdtemp(join(tmpdir(), 'skiff-user-'));
    dirs.push(root);
    await mkdir(join(root, 'etc'));
    await mkdir(join(root, 'real'));
    await writeFile(join(root, 'real/passwd'), 'svc:x:77:77::/:/bin/sh\n');
    // An absolute link means /real/passwd in the image, not on the host.
    await symlink('/real/passwd', join(root, 'etc/passwd'));
    const accounts = await readAccounts(root);
    expect(accounts.passwd).toEqual([{ name: 'svc', uid: 77, gid: 77, home: '/' }]);
    expect(accounts.groups).toEqual([]);
  });
});
