/**
 * hostPath volumes: the node's own path, checked against the volume's type as the kubelet does
 * (checkTypeInternal): DirectoryOrCreate and FileOrCreate create what is missing; the others
 * require an existing directory, file, socket, character or block device. An unset type is not
 * checked; a missing path is then created as a directory, as container runtimes do for bind
 * mounts, so that the mount does not fail.
 */
import { mkdir, open, stat } from 'node:fs/promises';
import type { HostPathVolumeSource } from 'kubernetes-types/core/v1.js';

async function statOf(path: string) {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** Checks (and for the OrCreate types, creates) the host path; returns it. */
export async function setUpHostPath(source: HostPathVolumeSource): Promise<string> {
  const path = source.path;
  if (path.split('/').includes('..')) throw new Error(`invalid HostPath \`${path}\`: must not contain '..'`);
  const type = source.type ?? '';
  let st = await statOf(path);
  switch (type) {
    case '':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      return path;
    case 'DirectoryOrCreate':
      if (!st) {
        await mkdir(path, { recursive: true, mode: 0o755 });
        return path;
      }
      if (!st.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return path;
    case 'Directory':
      if (!st?.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a directory`);
      return path;
    case 'FileOrCreate':
      if (!st) {
        // Like the kubelet: the file only, never its parent directories.
        await (await open(path, 'a', 0o644)).close();
        st = await statOf(path);
      }
      if (!st || st.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return path;
    case 'File':
      if (!st || st.isDirectory()) throw new Error(`hostPath type check failed: ${path} is not a file`);
      return path;
    case 'Socket':
      if (!st?.isSocket()) throw new Error(`hostPath type check failed: ${path} is not a socket file`);
      return path;
    case 'CharDevice':
      if (!st?.isCharacterDevice())
        throw new Error(`hostPath type check failed: ${path} is not a character device`);
      return path;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) throw new Error(`hostPath type check failed: ${path} is not a block device`);
      return path;
    default:
      throw new Error(`${type} is an invalid volume type`);
  }
}
