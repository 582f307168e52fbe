/**
 * What an image archive holds, read from its index without unpacking it: a docker-archive
 * (`docker save`, `skopeo copy … docker-archive:`) lists images in manifest.json with their
 * RepoTags; an oci-archive (a tarred OCI layout) in index.json, named by the
 * io.containerd.image.name or org.opencontainers.image.ref.name annotation, as `ctr import` reads it.
 */
import { execFile } from 'node:child_process';
import { parseImageReference } from './reference.js';

export interface ArchiveImage {
  /** The skopeo source that copies this one image, given the archive's path. */
  source: (path: string) => string;
  /** Normalized names to give it. */
  refs: string[];
  /** How to name it in messages. */
  label: string;
}

function tar(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('tar', args, { encoding: 'buffer', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const line = String(stderr).trim().split('\n').pop() || err.message;
      reject(new Error(line));
    });
  });
}

/** A name that says which repository it is (not a bare tag like "latest"). */
function asRef(name: string | undefined): string | undefined {
  if (!name || !/[:/@]/.test(name)) return undefined;
  try {
    return parseImageReference(name).ref;
  } catch {
    return undefined;
  }
}

/** Lists the images of a docker-archive or oci-archive; throws a one-line reason otherwise. */
export async function archiveImages(file: string): Promise<ArchiveImage[]> {
  let members: string[];
  try {
    members = (await tar(['-tf', file])).toString('utf8').split('\n').filter(Boolean);
  } catch (err) {
    throw new Error(`${file} is not a tar archive: ${(err as Error).message}`);
  }
  const find = (name: string) => members.find((m) => m === name || m === `./${name}`);
  const dockerManifest = find('manifest.json');
  const ociIndex = find('index.json');
  if (dockerManifest) {
    const entries = JSON.parse((await tar(['-xOf', file, dockerManifest])).toString('utf8'));
    if (!Array.isArray(entries) || entries.length === 0)
      throw new Error(`${file}: manifest.json lists no images`);
    return entries.map((e: { RepoTags?: string[] }, i: number) => {
      const refs = (e.RepoTags ?? []).map(asRef).filter((r): r is string => !!r);
      return { source: (p: string) => `docker-archive:${p}:@${i}`, refs, label: refs[0] ?? `image #${i}` };
    });
  }
  if (ociIndex && find('oci-layout')) {
    const index = JSON.parse((await tar(['-xOf', file, ociIndex])).toString('utf8'));
    const manifests: Array<{ annotations?: Record<string, string> }> = index?.manifests ?? [];
    if (manifests.length === 0) throw new Error(`${file}: index.json lists no images`);
    return manifests.map((m, i) => {
      const refName = m.annotations?.['org.opencontainers.image.ref.name'];
      const ref = asRef(m.annotations?.['io.containerd.image.name']) ?? asRef(refName);
      if (!refName && manifests.length > 1) {
        throw new Error(`${file}: image #${i} of the OCI index has no org.opencontainers.image.ref.name`);
      }
      return {
        source: (p: string) => (refName ? `oci-archive:${p}:${refName}` : `oci-archive:${p}`),
        refs: ref ? [ref] : [],
        label: ref ?? refName ?? `image #${i}`,
      };
    });
  }
  throw new Error(
    `${file} is neither a docker-archive (manifest.json) nor an oci-archive (index.json, oci-layout)`,
  );
}
