/**
 * Which user a container's process runs as, as containerd decides it for the CRI: the
 * securityContext's runAsUser/runAsGroup win over the image's USER; names are looked up in the
 * image's /etc/passwd and /etc/group; the user's groups in /etc/group, the pod's
 * supplementalGroups and fsGroup become additional gids. The lookup of the files in a rootfs is
 * the only effect; resolveUser itself is pure.
 */
import { readFile, readlink } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface UserInput {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  /** The image config's User: "", "uid", "name", "uid:gid", "name:group". */
  imageUser: string;
  supplementalGroups?: number[];
  fsGroup?: number;
  passwd: PasswdEntry[];
  groups: GroupEntry[];
}

/** Thrown for a user that cannot be resolved; the message is Kubernetes' wording where it has one. */
export class UserError extends Error {
  constructor(
    message: string,
    /** CreateContainerConfigError for runAsNonRoot violations, CreateContainerError otherwise. */
    readonly reason: 'CreateContainerConfigError' | 'CreateContainerError',
  ) {
    super(message);
  }
}

export function parsePasswd(text: string): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 4) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isInteger(uid) || !Number.isInteger(gid)) continue;
    out.push({ name: f[0], uid, gid, home: f[5] ?? '/' });
  }
  return out;
}

export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const f = line.split(':');
    if (f.length < 3) continue;
    const gid = Number(f[2]);
    if (!Number.isInteger(gid)) continue;
    out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').filter(Boolean) });
  }
  return out;
}

const numeric = (s: string) => /^[0-9]+$/.test(s);

function lookupGroup(spec: string, groups: GroupEntry[]): number {
  if (numeric(spec)) return Number(spec);
  const g = groups.find((x) => x.name === spec);
  if (!g)
    throw new UserError(
      `unable to find group ${spec}: no matching entries in group file`,
      'CreateContainerError',
    );
  return g.gid;
}

/** The process's uid, gid and additional gids, or a UserError. */
export function resolveUser(input: UserInput): ResolvedUser {
  const { passwd, groups } = input;
  let uid: number;
  let gid: number | undefined;
  let name: string | undefined;
  if (input.runAsUser !== undefined) {
    uid = input.runAsUser;
    const entry = passwd.find((p) => p.uid === uid);
    name = entry?.name;
    gid = entry?.gid ?? 0;
  } else {
    const [userPart, groupPart] = input.imageUser.split(':', 2);
    if (!userPart) {
      uid = 0;
      const entry = passwd.find((p) => p.uid === 0);
      name = entry?.name;
      gid = entry?.gid ?? 0;
    } else if (numeric(userPart)) {
      uid = Number(userPart);
      const entry = passwd.find((p) => p.uid === uid);
      name = entry?.name;
      gid = entry?.gid ?? 0;
    } else {
      if (input.runAsNonRoot) {
        throw new UserError(
          `container has runAsNonRoot and image has non-numeric user (${userPart}), cannot verify user is non-root`,
          'CreateContainerConfigError',
        );
      }
      const entry = passwd.find((p) => p.name === userPart);
      if (!entry) {
        throw new UserError(
          `unable to find user ${userPart}: no matching entries in passwd file`,
          'CreateContainerError',
        );
      }
      uid = entry.uid;
      gid = entry.gid;
      name = entry.name;
    }
    if (groupPart) gid = lookupGroup(groupPart, groups);
  }
  if (input.runAsGroup !== undefined) gid = input.runAsGroup;
  if (input.runAsNonRoot && uid === 0) {
    throw new UserError(
      'container has runAsNonRoot and image will run as root',
      'CreateContainerConfigError',
    );
  }
  const additional: number[] = [gid];
  if (name) for (const g of groups) if (g.name !== name && g.members.includes(name)) additional.push(g.gid);
  for (const g of input.supplementalGroups ?? []) additional.push(g);
  if (input.fsGroup !== undefined) additional.push(input.fsGroup);
  return { uid, gid, additionalGids: [...new Set(additional)] };
}

/**
 * Reads a file of the rootfs as the container would see it: symlinks resolve inside the rootfs,
 * never to the host's files. Undefined when it does not exist.
 */
export async function readRootfsFile(rootfs: string, path: string): Promise<string | undefined> {
  let rel = path;
  for (let hops = 0; hops < 16; hops++) {
    const full = join(rootfs, posix.normalize(`/${rel}`));
    try {
      const target = await readlink(full);
      rel = isAbsolute(target) ? target : posix.join(posix.dirname(posix.normalize(`/${rel}`)), target);
      continue;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      if (code !== 'EINVAL') throw err;
    }
    try {
      return await readFile(full, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }
  return undefined;
}

/** The image's passwd and group entries (empty when it has none). */
export async function readAccounts(rootfs: string): Promise<{ passwd: PasswdEntry[]; groups: GroupEntry[] }> {
  const [p, g] = await Promise.all([
    readRootfsFile(rootfs, '/etc/passwd'),
    readRootfsFile(rootfs, '/etc/group'),
  ]);
  return { passwd: p ? parsePasswd(p) : [], groups: g ? parseGroup(g) : [] };
}
