/**
 * Talks to a registry through skopeo: resolves a reference to the manifest for this node's
 * platform (following a manifest list), and copies that one manifest with its blobs into a
 * local OCI layout. Blobs the caller already holds are announced as empty files in the layout,
 * which skopeo's OCI destination takes as present: shared base layers are not downloaded again.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryAuth } from './credentials.js';
import { asImageManifest, type ImageManifest, isIndex, type Platform, selectManifest } from './manifest.js';
import type { ImageReference } from './reference.js';
import { type SkopeoRun, skopeo, withAuthFile } from './skopeo.js';

export interface ResolvedImage {
  /** Digest of what the tag points at (the list's, for a multi-platform image): the repo digest. */
  digest: string;
  /** Digest of this platform's manifest. */
  manifestDigest: string;
  manifest: ImageManifest;
}

export interface RemoteOptions {
  run: SkopeoRun;
  platform: Platform;
  /** False for plain HTTP (or unverified TLS). */
  tlsVerify: boolean;
}

/** The machine's image trust policy; without one, skopeo would refuse every copy. */
const SIGNATURE_POLICY = '/etc/containers/policy.json';

function sha256(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/**
 * Resolves `ref`, then calls `then` with the flags that reuse the same credentials for skopeo's
 * source side (so the copy authenticates as the resolve did).
 */
export async function withRemote<T>(
  ref: ImageReference,
  auth: RegistryAuth | undefined,
  opts: RemoteOptions,
  then: (resolved: ResolvedImage, srcFlags: string[]) => Promise<T>,
): Promise<T> {
  return withAuthFile(opts.run, ref.domain, auth, async (authFile) => {
    const flags = (side: '' | 'src-') => [
      ...(authFile ? [`--${side}authfile`, authFile] : []),
      `--${side}tls-verify=${opts.tlsVerify}`,
    ];
    const inspect = (target: string) =>
      skopeo(['inspect', '--raw', ...flags(''), `docker://${target}`], opts.run);
    const raw = await inspect(ref.ref);
    const digest = sha256(raw);
    if (ref.digest?.startsWith('sha256:') && ref.digest !== digest) {
      throw new Error(`manifest digest mismatch: asked for ${ref.digest}, the registry sent ${digest}`);
    }
    const doc = JSON.parse(raw.toString('utf8'));
    let resolved: ResolvedImage;
    if (isIndex(doc)) {
      const entry = selectManifest(doc, opts.platform);
      const child = await inspect(`${ref.name}@${entry.digest}`);
      resolved = {
        digest,
        manifestDigest: entry.digest,
        manifest: asImageManifest(JSON.parse(child.toString('utf8'))),
      };
    } else {
      resolved = { digest, manifestDigest: digest, manifest: asImageManifest(doc) };
    }
    return then(resolved, flags('src-'));
  });
}

/**
 * Copies one manifest and its blobs into a new OCI layout at `layout`; `present` lists blob
 * digests not to download (see the module comment).
 */
export async function copyToLayout(
  source: string,
  layout: string,
  srcFlags: string[],
  present: string[],
  opts: Pick<RemoteOptions, 'run' | 'platform'>,
): Promise<void> {
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const digest of present) await writeFile(join(blobs, digest.slice('sha256:'.length)), '');
  // skopeo's own scratch space (an oci-archive is unpacked there) stays inside our staging.
  const scratch = `${layout}-scratch`;
  await mkdir(scratch, { recursive: true });
  const global = [
    '--tmpdir',
    scratch,
    '--override-os',
    opts.platform.os,
    '--override-arch',
    opts.platform.arch,
  ];
  if (opts.platform.variant) global.push('--override-variant', opts.platform.variant);
  if (!existsSync(SIGNATURE_POLICY)) global.push('--insecure-policy');
  await skopeo([...global, 'copy', '--quiet', ...srcFlags, source, `oci:${layout}`], opts.run);
}
