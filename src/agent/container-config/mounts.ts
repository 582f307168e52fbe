/**
 * The container's bind mounts (the kubelet's makeMounts): each volumeMount's host directory from
 * the volume manager, narrowed by subPath (or subPathExpr expanded with the container's env),
 * which may not be absolute, contain '..', or lead outside the volume through a symlink; then the
 * managed /etc/hosts (unless the container mounts its own) and /etc/resolv.conf (the runtime adds
 * the termination-message file, one per attempt). A missing subPath is created as a directory with the volume's permissions, as the kubelet
 * does, so that the runtime does not create it with other ownership.
 */
import { chmodSync, existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { Container, VolumeMount } from 'kubernetes-types/core/v1.js';
import type { ContainerRunConfig } from '../runtime/runtime.js';
import { expand } from './expand.js';

export interface MountContext {
  /** Volume name → host path, from the volume manager. */
  volumePaths: ReadonlyMap<string, string>;
  /** The pod's managed hosts file (podHostsFile); '' or undefined: no /etc/hosts mount. */
  etcHostsPath?: string;
  /** The pod's resolv.conf (podResolvConf); '' or undefined: none. */
  resolvConfPath?: string;
  /** The pod's /etc/hostname file; undefined: not mounted. */
  hostnamePath?: string;
}

type Mount = ContainerRunConfig['mounts'][number];

/** The subPath of a mount, with subPathExpr expanded (ExpandContainerVolumeMounts). */
function subPathOf(mount: VolumeMount, env: ReadonlyMap<string, string>): string {
  if (!mount.subPathExpr) return mount.subPath ?? '';
  const missing = new Set<string>();
  const expanded = expand(mount.subPathExpr, (name) => {
    const value = env.get(name);
    if (!value) missing.add(name);
    return value ?? '';
  });
  if (missing.size > 0) throw new Error(`missing value for ${[...missing].sort().join(', ')}`);
  return expanded;
}

/**
 * The host path of a subPath inside a volume, never outside it. Walked one component at a time
 * so that a symlink inside the volume cannot make us create directories elsewhere; missing
 * components are created with the volume's mode.
 */
function safeSubPath(volumePath: string, subPath: string, mount: VolumeMount, container: Container): string {
  if (isAbsolute(subPath)) throw new Error(`error SubPath \`${subPath}\` must not be an absolute path`);
  if (subPath.split('/').includes('..')) {
    throw new Error(`unable to provision SubPath \`${subPath}\`: must not contain '..'`);
  }
  try {
    const root = realpathSync(volumePath);
    const mode = statSync(root).mode & 0o7777;
    let current = root;
    for (const part of subPath.split('/')) {
      if (part === '' || part === '.') continue;
      const next = join(current, part);
      if (!existsSync(next)) {
        mkdirSync(next);
        chmodSync(next, mode);
        current = next;
        continue;
      }
      const real = realpathSync(next);
      const rel = relative(root, real);
      if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel))
        throw new Error('escapes the volume');
      current = real;
    }
    return current;
  } catch {
    throw new Error(
      `failed to prepare subPath for volumeMount "${mount.name}" of container "${container.name}"`,
    );
  }
}

/** The container's mounts; throws Error with the kubelet's message when one cannot be made. */
export function makeMounts(
  container: Container,
  env: ReadonlyMap<string, string>,
  ctx: MountContext,
): Mount[] {
  const mounts: Mount[] = [];
  let mountHosts = Boolean(ctx.etcHostsPath);
  for (const m of container.volumeMounts ?? []) {
    if (m.mountPath === '/etc/hosts') mountHosts = false;
    const volumePath = ctx.volumePaths.get(m.name);
    if (volumePath === undefined) {
      throw new Error(`cannot find volume "${m.name}" to mount into container "${container.name}"`);
    }
    const subPath = subPathOf(m, env);
    const hostPath = subPath ? safeSubPath(volumePath, subPath, m, container) : volumePath;
    const containerPath = m.mountPath.startsWith('/') ? m.mountPath : `/${m.mountPath}`;
    mounts.push({ containerPath, hostPath, readOnly: m.readOnly === true });
  }
  const has = (path: string) => mounts.some((m) => m.containerPath === path);
  if (mountHosts && ctx.etcHostsPath) {
    mounts.push({ containerPath: '/etc/hosts', hostPath: ctx.etcHostsPath, readOnly: false });
  }
  if (ctx.resolvConfPath && !has('/etc/resolv.conf')) {
    const readOnly = container.securityContext?.readOnlyRootFilesystem === true;
    mounts.push({ containerPath: '/etc/resolv.conf', hostPath: ctx.resolvConfPath, readOnly });
  }
  if (ctx.hostnamePath && !has('/etc/hostname')) {
    const readOnly = container.securityContext?.readOnlyRootFilesystem === true;
    mounts.push({ containerPath: '/etc/hostname', hostPath: ctx.hostnamePath, readOnly });
  }
  return mounts;
}
