/**
 * The node's image store: pulls (registry, via skopeo) and imports (docker/oci archives) images,
 * keeps each layer once, unpacked, shared by every image that has it, and mounts container root
 * filesystems as overlays of those layers. The runc runtime calls ensure() then mountRootfs();
 * `skiff image` uses import/list/remove on the same directory, also while an agent runs.
 *
 * Cross-process safety: files appear by rename only (store-files.ts); a pull leases the layers
 * it relies on before looking at them, and layer pruning reads leases before images, so a layer
 * is never deleted under a pull that is about to reference it; a pull that still loses a race
 * (the layer vanished between its check and its image record) sees it and fetches again.
 */
import { mkdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, realpath, rename, rm, stat, statfs, symlink } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ContainerStartError } from '../runtime/runtime.js';
import { archiveImages } from './archive.js';
import type { RegistryAuth } from './credentials.js';
import { planImageGC } from './gc.js';
import { unpackLayer } from './layer.js';
import {
  asImageManifest,
  type ImageConfig,
  type ImageIndex,
  nodePlatform,
  type Platform,
  parseImageConfig,
} from './manifest.js';
import { isOverlayMounted, mountOverlay, mountPoints, unmount } from './mounts.js';
import { type ImageReference, isLoopbackRegistry, parseImageReference } from './reference.js';
import { copyToLayout, withRemote } from './remote.js';
import { SkopeoError, type SkopeoRun } from './skopeo.js';
import { digestHex, type ImageRecord, StoreFiles } from './store-files.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** An image ready to run. */
export interface LocalImage {
  /** `sha256:<config digest>`. */
  id: string;
  /** `name@sha256:…` of the registries it came from. */
  repoDigests: string[];
  /** Normalized `name:tag` names. */
  refs: string[];
  /** Absolute directories of the unpacked layers, bottom first. */
  layers: string[];
  config: ImageConfig;
  /** Bytes of its layers, uncompressed. */
  size: number;
  lastUsed: number;
}

export interface DiskUsage {
  capacity: number;
  available: number;
}

export interface ImageStoreOptions {
  root: string;
  /** Registries (host[:port]) reached over plain HTTP or unverified TLS. Loopback ones always are. */
  insecureRegistries?: string[];
  log?: (line: string) => void;
  platform?: Platform;
  /** Reads the disk holding `path` (tests inject one); default fs.statfs. */
  diskUsage?: (path: string) => Promise<DiskUsage>;
  /** Limit for one skopeo call (default 10 minutes). */
  timeoutMs?: number;
  now?: () => number;
}

export interface GCOptions {
  highThresholdPercent?: number;
  lowThresholdPercent?: number;
  /** Image ids or names containers use (mounted rootfs are added by the store). */
  inUse?: Set<string>;
  /** Images used more recently are kept (default 2 minutes, as the kubelet's minimum age). */
  minAgeMs?: number;
}

export interface GCResult {
  usagePercent: number;
  removed: string[];
  bytesFreed: number;
}

/** A mount record younger than this counts as in use even before the mount shows up. */
const MOUNT_SETTLE_MS = 60_000;
/** Unpacking runs this many layers at a time. */
const UNPACK_CONCURRENCY = 3;

async function statfsUsage(path: string): Promise<DiskUsage> {
  const s = await statfs(path);
  return { capacity: s.blocks * s.bsize, available: s.bavail * s.bsize };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function errorText(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

export class ImageStore {
  readonly root: string;
  private readonly files: StoreFiles;
  private readonly insecure: Set<string>;
  private readonly log: (line: string) => void;
  private readonly platform: Platform;
  private readonly diskUsage: (path: string) => Promise<DiskUsage>;
  private readonly run: SkopeoRun;
  private readonly now: () => number;
  private readonly ready: Promise<void>;
  private readonly pulls = new Map<string, Promise<LocalImage>>();
  private readonly unpacking = new Map<string, Promise<boolean>>();

  constructor(opts: ImageStoreOptions) {
    this.root = resolve(opts.root);
    this.files = new StoreFiles(this.root);
    this.insecure = new Set(opts.insecureRegistries ?? []);
    this.log = opts.log ?? (() => {});
    this.platform = opts.platform ?? nodePlatform();
    this.diskUsage = opts.diskUsage ?? statfsUsage;
    this.now = opts.now ?? Date.now;
    this.run = { tmpDir: this.files.tmpDir, timeoutMs: opts.timeoutMs ?? 600_000 };
    this.ready = this.files.init().then(() => this.files.cleanStaleTmp());
    // An unhandled rejection here would crash the agent; callers see it on their first call.
    this.ready.catch(() => {});
  }

  // --- reading

  /** An image by name (normalized like a pull), id (`sha256:…`) or unique id prefix. */
  async get(refOrId: string): Promise<LocalImage | undefined> {
    await this.ready;
    const refs = await this.files.readRefs();
    const id = await this.resolveId(refOrId, refs);
    const record = id ? await this.files.readImage(id) : undefined;
    return record ? this.toLocal(record, refs) : undefined;
  }

  /** Every stored image. */
  async list(): Promise<LocalImage[]> {
    await this.ready;
    const refs = await this.files.readRefs();
    return (await this.files.listImages()).map((r) => this.toLocal(r, refs));
  }

  private async resolveId(refOrId: string, refs: Map<string, string>): Promise<string | undefined> {
    try {
      const id = refs.get(parseImageReference(refOrId).ref);
      if (id) return id;
    } catch {
      // Not a name: maybe an id.
    }
    const m = /^(?:sha256:)?([a-f0-9]{1,64})$/.exec(refOrId);
    if (!m) return undefined;
    const matches = (await this.files.listImages()).filter((r) => digestHex(r.id).startsWith(m[1]));
    return matches.length === 1 ? matches[0].id : undefined;
  }

  private toLocal(record: ImageRecord, refs: Map<string, string>): LocalImage {
    const names = [...refs].filter(([, id]) => id === record.id).map(([ref]) => ref);
    return {
      id: record.id,
      repoDigests: names.filter((n) => n.includes('@')).sort(),
      refs: names.filter((n) => !n.includes('@')).sort(),
      layers: record.layers.map((l) => this.files.layerFs(l)),
      config: record.config,
      size: record.size,
      lastUsed: record.lastUsed,
    };
  }

  private async layersPresent(record: ImageRecord): Promise<boolean> {
    const present = await Promise.all(
      record.layers.map((l) => exists(join(this.files.layerDir(l), 'layer.json'))),
    );
    return present.every(Boolean);
  }

  private async touch(id: string): Promise<void> {
    const record = await this.files.readImage(id);
    if (!record) return;
    const now = this.now();
    if (now - record.lastUsed < 1000) return;
    await this.files.writeImage({ ...record, lastUsed: now });
  }

  // --- pulling

  /**
   * Makes `image` present as the pull policy says and returns it. Throws ContainerStartError:
   * InvalidImageName, ErrImageNeverPull, or ErrImagePull carrying the registry's own words.
   * Concurrent calls for the same image and credentials share one pull.
   */
  async ensure(image: string, policy: PullPolicy, auths: RegistryAuth[] = []): Promise<LocalImage> {
    await this.ready;
    let ref: ImageReference;
    try {
      ref = parseImageReference(image);
    } catch (err) {
      throw new ContainerStartError(
        'InvalidImageName',
        `Failed to apply default image tag "${image}": couldn't parse image name "${image}": ${errorText(err)}`,
      );
    }
    if (policy !== 'Always') {
      const refs = await this.files.readRefs();
      const id = refs.get(ref.ref);
      const record = id ? await this.files.readImage(id) : undefined;
      if (record && (await this.layersPresent(record))) {
        await this.touch(record.id);
        return this.toLocal({ ...record, lastUsed: this.now() }, refs);
      }
      if (policy === 'Never') {
        throw new ContainerStartError(
          'ErrImageNeverPull',
          `Container image "${image}" is not present with pull policy of Never`,
        );
      }
    }
    const key = `${ref.ref}\0${JSON.stringify(auths)}`;
    let pull = this.pulls.get(key);
    if (!pull) {
      pull = this.pull(ref, auths).finally(() => this.pulls.delete(key));
      this.pulls.set(key, pull);
    }
    return pull;
  }

  private async pull(ref: ImageReference, auths: RegistryAuth[]): Promise<LocalImage> {
    const started = this.now();
    const tlsVerify = !(isLoopbackRegistry(ref.domain) || this.insecure.has(ref.domain));
    const errors: SkopeoError[] = [];
    try {
      // Each credential in turn, then none; a failure that is not about credentials ends it.
      for (const auth of [...auths, undefined]) {
        try {
          const image = await this.pullWith(ref, auth, tlsVerify);
          this.log(`pulled ${ref.ref} (${image.id}) in ${this.now() - started} ms`);
          return image;
        } catch (err) {
          if (!(err instanceof SkopeoError)) throw err;
          errors.push(err);
          if (!err.unauthorized) break;
        }
      }
      throw errors.find((e) => !e.unauthorized) ?? errors[0];
    } catch (err) {
      throw new ContainerStartError(
        'ErrImagePull',
        `failed to pull and unpack image "${ref.ref}": ${errorText(err)}`,
      );
    }
  }

  private pullWith(
    ref: ImageReference,
    auth: RegistryAuth | undefined,
    tlsVerify: boolean,
  ): Promise<LocalImage> {
    const opts = { run: this.run, platform: this.platform, tlsVerify };
    return withRemote(ref, auth, opts, async (resolved, srcFlags) => {
      const repoDigest = `${ref.name}@${resolved.digest}`;
      const names = ref.digest ? [repoDigest] : [ref.ref, repoDigest];
      const id = `sha256:${digestHex(resolved.manifest.config.digest)}`;
      // Same content already here (an earlier pull, another tag, an import): only name it.
      const existing = await this.files.readImage(id);
      if (existing && (await this.layersPresent(existing))) {
        for (const n of names) await this.files.setRef(n, id);
        await this.touch(id);
        return (await this.get(id))!;
      }
      const lease = await this.files.lease([]);
      try {
        for (let round = 0; round < 3; round++) {
          // Blobs whose layer is here are not fetched; leased first, so pruning keeps them.
          const known = new Map<string, string>();
          if (round === 0) {
            for (const layer of resolved.manifest.layers) {
              const diffID = await this.files.blobDiffID(layer.digest);
              if (diffID) known.set(layer.digest, diffID);
            }
            await lease.update([...known.values()]);
            for (const [blob, diffID] of known) if (!(await this.files.readLayer(diffID))) known.delete(blob);
          }
          const staging = await this.files.stagingDir();
          try {
            const layout = join(staging, 'layout');
            const source = `docker://${ref.name}@${resolved.manifestDigest}`;
            await copyToLayout(source, layout, srcFlags, [...known.keys()], opts);
            const image = await this.storeLayout(layout, names, lease.update, new Set(known.keys()));
            if (image) return image;
          } finally {
            await rm(staging, { recursive: true, force: true });
          }
          this.log(`a layer of ${ref.ref} was removed while pulling it; fetching again`);
        }
        throw new Error('layers kept disappearing while pulling (is another process pruning this store?)');
      } finally {
        await lease.release();
      }
    });
  }

  /**
   * Stores the one image of an OCI layout under `names`. Returns undefined when a layer it
   * counted on (a blob not fetched) has meanwhile disappeared: the caller fetches again.
   */
  private async storeLayout(
    layout: string,
    names: string[],
    leaseLayers: (layers: string[]) => Promise<void>,
    notFetched: Set<string>,
  ): Promise<LocalImage | undefined> {
    const blob = (digest: string) => join(layout, 'blobs', 'sha256', digestHex(digest));
    const index = await this.files.readJSON<ImageIndex>(join(layout, 'index.json'));
    if (!index?.manifests?.length) throw new Error('the copied image has no manifest');
    const manifest = asImageManifest(await this.files.readJSON(blob(index.manifests[0].digest)));
    const configDoc = await this.files.readJSON(blob(manifest.config.digest));
    if (!configDoc) throw new Error(`the image config ${manifest.config.digest} is not JSON`);
    const { config, diffIDs } = parseImageConfig(configDoc);
    if (diffIDs.length !== manifest.layers.length) {
      throw new Error(
        `the image config lists ${diffIDs.length} layers, the manifest ${manifest.layers.length}`,
      );
    }
    diffIDs.forEach(digestHex);
    await leaseLayers(diffIDs);
    const results: boolean[] = new Array(diffIDs.length);
    for (let i = 0; i < diffIDs.length; i += UNPACK_CONCURRENCY) {
      const batch = diffIDs.slice(i, i + UNPACK_CONCURRENCY).map((diffID, j) => {
        const layer = manifest.layers[i + j];
        return this.ensureLayer(diffID, blob(layer.digest), layer.digest, notFetched.has(layer.digest));
      });
      (await Promise.all(batch)).forEach((ok, j) => {
        results[i + j] = ok;
      });
    }
    if (!results.every(Boolean)) return undefined;
    const id = `sha256:${digestHex(manifest.config.digest)}`;
    let size = 0;
    for (const l of diffIDs) size += (await this.files.readLayer(l))?.size ?? 0;
    const previous = await this.files.readImage(id);
    const now = this.now();
    const record: ImageRecord = {
      id,
      layers: diffIDs,
      config,
      size,
      created: previous?.created ?? now,
      lastUsed: now,
    };
    await this.files.writeImage(record);
    for (const n of names) await this.files.setRef(n, id);
    if (!(await this.layersPresent(record))) return undefined;
    return this.toLocal(record, await this.files.readRefs());
  }

  /**
   * Makes the layer `diffID` present, unpacking `blobPath` unless it is already stored. False
   * when it is not stored and the blob was not fetched (`placeholder`). One unpack per layer
   * at a time in this process; another process racing is settled by the final rename.
   */
  private ensureLayer(
    diffID: string,
    blobPath: string,
    blobDigest: string,
    placeholder: boolean,
  ): Promise<boolean> {
    const inflight = this.unpacking.get(diffID);
    if (inflight) return inflight;
    const work = (async () => {
      const record = await this.files.readLayer(diffID);
      if (record) {
        if (!record.blobs.includes(blobDigest)) {
          const updated = { ...record, blobs: [...record.blobs, blobDigest] };
          await this.files.writeJSON(join(this.files.layerDir(diffID), 'layer.json'), updated);
        }
        await this.files.setBlob(blobDigest, diffID);
        return true;
      }
      if (placeholder) return false;
      const staging = await this.files.stagingDir();
      try {
        await mkdir(join(staging, 'fs'));
        const unpacked = await unpackLayer(blobPath, join(staging, 'fs'));
        if (unpacked.diffID !== diffID) {
          throw new Error(
            `layer ${blobDigest} unpacks to ${unpacked.diffID}, but the image config says ${diffID}`,
          );
        }
        const now = this.now();
        await this.files.writeJSON(join(staging, 'layer.json'), {
          diffID,
          size: unpacked.size,
          blobs: [blobDigest],
          created: now,
        });
        try {
          await rename(staging, this.files.layerDir(diffID));
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        }
        await this.files.setBlob(blobDigest, diffID);
        return true;
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
    })().finally(() => this.unpacking.delete(diffID));
    this.unpacking.set(diffID, work);
    return work;
  }

  // --- archives

  /** Imports every image of a docker-archive or oci-archive tarball; returns them. */
  async importArchive(file: string): Promise<LocalImage[]> {
    await this.ready;
    const path = resolve(file);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) throw new Error(`${file}: no such file`);
    const images = await archiveImages(path);
    const out: LocalImage[] = [];
    const staging = await this.files.stagingDir();
    const lease = await this.files.lease([]);
    try {
      // skopeo splits its archive references at ':'; a link gives the archive a plain name.
      const link = join(staging, 'archive.tar');
      await symlink(path, link);
      for (const [i, image] of images.entries()) {
        let stored: LocalImage | undefined;
        for (let round = 0; round < 3 && !stored; round++) {
          const layout = join(staging, `layout-${i}-${round}`);
          try {
            await copyToLayout(image.source(link), layout, [], [], {
              run: this.run,
              platform: this.platform,
            });
          } catch (err) {
            throw new Error(`importing ${image.label} from ${file}: ${errorText(err)}`);
          }
          stored = await this.storeLayout(layout, image.refs, lease.update, new Set());
          await rm(layout, { recursive: true, force: true });
        }
        if (!stored) throw new Error(`importing ${image.label} from ${file}: layers kept disappearing`);
        this.log(`imported ${image.label} (${stored.id}) from ${file}`);
        out.push(stored);
      }
      return out;
    } finally {
      await lease.release();
      await rm(staging, { recursive: true, force: true });
    }
  }

  // --- removing

  /** Image ids whose rootfs is mounted (or is being mounted right now). */
  private async mountedImageIds(): Promise<Set<string>> {
    const points = await mountPoints();
    const out = new Set<string>();
    for (const r of await this.files.listMountRecords()) {
      if (points.has(r.rootfs) || this.now() - r.created < MOUNT_SETTLE_MS) out.add(r.imageId);
      else await rm(r.file, { force: true });
    }
    return out;
  }

  /** Ids of images named in `inUse` (by id, name or repo digest) plus mounted ones. */
  private async inUseIds(inUse: Set<string> | undefined): Promise<Set<string>> {
    const ids = await this.mountedImageIds();
    const refs = await this.files.readRefs();
    for (const x of inUse ?? []) {
      if (x.startsWith('sha256:')) ids.add(x);
      const id = await this.resolveId(x, refs).catch(() => undefined);
      if (id) ids.add(id);
    }
    return ids;
  }

  /**
   * Removes an image (all its names, as CRI RemoveImage does) and the layers no other image
   * uses. Refuses when a container uses it: mounted, or named in `inUse`.
   */
  async remove(refOrId: string, inUse?: Set<string>): Promise<LocalImage> {
    await this.ready;
    const image = await this.get(refOrId);
    if (!image) throw new Error(`image "${refOrId}" not found`);
    if ((await this.inUseIds(inUse)).has(image.id)) {
      throw new Error(`image "${refOrId}" (${image.id}) is in use by a container`);
    }
    await this.dropImage(image.id);
    await this.pruneLayers();
    this.log(`removed image ${image.refs[0] ?? image.id}`);
    return image;
  }

  private async dropImage(id: string): Promise<void> {
    for (const [ref, target] of await this.files.readRefs())
      if (target === id) await this.files.deleteRef(ref);
    await this.files.deleteImage(id);
  }

  /** Deletes layers no image references (nor a pull in progress); returns the bytes freed. */
  async pruneLayers(): Promise<number> {
    await this.ready;
    // Leases before images: see the module comment.
    const keep = await this.files.leasedLayers();
    for (const img of await this.files.listImages()) for (const l of img.layers) keep.add(l);
    for (const l of this.unpacking.keys()) keep.add(l);
    let freed = 0;
    for (const diffID of await this.files.listLayers()) {
      if (keep.has(diffID)) continue;
      const record = await this.files.readLayer(diffID);
      await this.files.removeLayer(record ?? { diffID, blobs: [] });
      freed += record?.size ?? 0;
    }
    await this.files.cleanStaleTmp();
    return freed;
  }

  /**
   * The kubelet's image GC: when the disk holding the store is at or above the high threshold,
   * removes unused images, least recently used first, down to the low threshold, then the
   * layers nothing references.
   */
  async gc(opts: GCOptions = {}): Promise<GCResult> {
    await this.ready;
    const usage = await this.diskUsage(this.root);
    const records = await this.files.listImages();
    const layerSizes = new Map<string, number>();
    for (const r of records) {
      for (const l of r.layers) {
        if (!layerSizes.has(l)) layerSizes.set(l, (await this.files.readLayer(l))?.size ?? 0);
      }
    }
    const plan = planImageGC({
      images: records,
      layerSizes,
      capacity: usage.capacity,
      available: usage.available,
      highThresholdPercent: opts.highThresholdPercent ?? 85,
      lowThresholdPercent: opts.lowThresholdPercent ?? 80,
      inUse: await this.inUseIds(opts.inUse),
      now: this.now(),
      minAgeMs: opts.minAgeMs ?? 120_000,
    });
    for (const id of plan.remove) await this.dropImage(id);
    const bytesFreed = plan.remove.length ? await this.pruneLayers() : 0;
    if (plan.bytesToFree > 0) {
      this.log(
        `image GC: disk ${plan.usagePercent.toFixed(1)}% used; removed ${plan.remove.length} image(s), freed ${bytesFreed} of ${plan.bytesToFree} bytes wanted`,
      );
    }
    return { usagePercent: plan.usagePercent, removed: plan.remove, bytesFreed };
  }

  // --- root filesystems

  /**
   * Mounts the image as an overlay at `<containerDir>/rootfs` (writes go to
   * `<containerDir>/upper`) and returns that path. Idempotent: an existing mount is kept.
   */
  async mountRootfs(image: LocalImage, containerDir: string): Promise<string> {
    await this.ready;
    // Synchronous file calls: each is microseconds, while a trip through libuv's thread pool
    // can cost milliseconds on a busy node, and this is on every container start's path.
    const dir = resolve(containerDir);
    const target = join(dir, 'rootfs');
    const upper = join(dir, 'upper');
    const work = join(dir, 'work');
    for (const d of [target, upper, work]) mkdirSync(d, { recursive: true });
    if (isOverlayMounted(target)) return target;
    // Recorded first: an image counts as in use from here, even if the mount is not yet visible.
    const record = this.files.mountRecordPath(dir);
    const tmp = this.files.tmpName('.json');
    writeFileSync(
      tmp,
      JSON.stringify({
        containerDir: dir,
        rootfs: realpathSync(target),
        imageId: image.id,
        created: this.now(),
      }),
    );
    renameSync(tmp, record);
    const layersDir = this.files.layersDir;
    const lower = image.layers.length
      ? [...image.layers].reverse().map((l) => (l.startsWith(`${layersDir}/`) ? relative(layersDir, l) : l))
      : [this.files.emptyDir];
    try {
      await mountOverlay({ lower, upper, work, target, cwd: layersDir });
    } catch (err) {
      rmSync(record, { force: true });
      throw err;
    }
    this.touch(image.id).catch(() => {});
    return target;
  }

  /** Unmounts `<containerDir>/rootfs` if mounted (also one mounted by an earlier process). */
  async unmountRootfs(containerDir: string): Promise<void> {
    await this.ready;
    const dir = resolve(containerDir);
    const target = join(dir, 'rootfs');
    const rootfs = await realpath(target).catch(() => target);
    await unmount(rootfs, this.log);
    await rm(this.files.mountRecordPath(dir), { force: true });
  }
}
