/**
 * The parts of OCI and Docker v2 manifests, indexes and image configs the store reads, and the
 * choice of one manifest from a list for this node's platform (as containerd's default matcher:
 * same OS and architecture, the node's variant or none; arm64's variant v8 is the same as none).
 */
import { goArch } from '../node/node-object.js';

export interface Platform {
  os: string;
  arch: string;
  variant?: string;
}

export interface Descriptor {
  mediaType?: string;
  digest: string;
  size?: number;
  platform?: { os?: string; architecture?: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
}

export interface ImageIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

/** What a container takes from its image (the fields the runtime reads). */
export interface ImageConfig {
  env: string[];
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  user: string;
  /** The image's STOPSIGNAL (e.g. "SIGQUIT"), sent instead of SIGTERM to stop its containers. */
  stopSignal?: string;
}

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** True when the JSON is a manifest list / OCI index rather than one image's manifest. */
export function isIndex(doc: { mediaType?: string; manifests?: unknown }): doc is ImageIndex {
  return (doc.mediaType !== undefined && INDEX_TYPES.has(doc.mediaType)) || Array.isArray(doc.manifests);
}

/** Checks the shape of an image manifest; throws a one-line reason when it is not one. */
export function asImageManifest(doc: any): ImageManifest {
  if (doc?.schemaVersion === 1) {
    throw new Error(
      'Docker Image Format v1 / manifest schema 1 is not supported; push the image again with a current client',
    );
  }
  if (!doc || typeof doc.config?.digest !== 'string' || !Array.isArray(doc.layers)) {
    throw new Error(`unsupported manifest type ${JSON.stringify(doc?.mediaType ?? 'unknown')}`);
  }
  return doc as ImageManifest;
}

/** The image config fields a container needs, with Docker's empty defaults. */
export function parseImageConfig(doc: any): { config: ImageConfig; diffIDs: string[] } {
  const c = doc?.config ?? {};
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const diffIDs = list(doc?.rootfs?.diff_ids);
  return {
    config: {
      env: list(c.Env),
      entrypoint: list(c.Entrypoint),
      cmd: list(c.Cmd),
      workingDir: typeof c.WorkingDir === 'string' ? c.WorkingDir : '',
      user: typeof c.User === 'string' ? c.User : '',
      ...(typeof c.StopSignal === 'string' && c.StopSignal ? { stopSignal: c.StopSignal } : {}),
    },
    diffIDs,
  };
}

/** The platform of the machine this process runs on, in OCI terms. */
export function nodePlatform(): Platform {
  const a = goArch();
  if (a === 'arm') {
    const v = (process.config.variables as Record<string, unknown>).arm_version;
    return { os: 'linux', arch: a, variant: v ? `v${v}` : 'v7' };
  }
  return { os: 'linux', arch: a };
}

function normalVariant(architecture: string, variant: string | undefined): string {
  if (architecture === 'arm64' && (variant === 'v8' || !variant)) return '';
  return variant ?? '';
}

/** Picks this platform's manifest from an index; throws Docker's message when there is none. */
export function selectManifest(index: ImageIndex, platform: Platform): Descriptor {
  const want = normalVariant(platform.arch, platform.variant);
  const candidates = index.manifests.filter(
    (m) => (m.platform?.os ?? '') === platform.os && (m.platform?.architecture ?? '') === platform.arch,
  );
  const exact = candidates.find((m) => normalVariant(platform.arch, m.platform?.variant) === want);
  // An arm/v7 node also runs arm/v6 and arm/v5 images, newest first.
  const lower = candidates
    .filter((m) => (m.platform?.variant ?? '') < want || !m.platform?.variant)
    .sort((a, b) => (b.platform?.variant ?? '').localeCompare(a.platform?.variant ?? ''));
  const chosen = exact ?? lower[0];
  if (!chosen) {
    const name = `${platform.os}/${platform.arch}${platform.variant ? `/${platform.variant}` : ''}`;
    throw new Error(`no matching manifest for ${name} in the manifest list entries`);
  }
  return chosen;
}
