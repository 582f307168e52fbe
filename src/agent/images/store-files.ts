/**
 * The image store's on-disk layout. Every write is a rename of a finished file or directory, so
 * a crash, or another process (`skiff image import` beside a running agent), never sees half of
 * anything. Names that several processes may create carry the creator's pid, so leftovers of
 * dead processes can be told apart and removed.
 *
 *   layers/<hex>/fs/         a layer unpacked in overlayfs form (hex: of its diffID)
 *   layers/<hex>/layer.json  { diffID, size, blobs, created }
 *   blobs/<hex>              the diffID of a compressed blob already unpacked (skip its download)
 *   images/<hex>.json        one image (hex: of its config digest, the image id)
 *   refs/<sha256(ref)>.json  { ref, id }: a tag or repo digest naming an image
 *   mounts/<sha256(dir)>.json{ containerDir, rootfs, imageId, created }: rootfs mounts
 *   leases/<pid>-<rand>.json { pid, layers }: layers a pull in progress relies on
 *   tmp/<pid>-<rand>…        staging
 *   empty/                   the lower layer of an image without layers
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageConfig } from './manifest.js';

/** One stored image. */
export interface ImageRecord {
  /** `sha256:<config digest>`. */
  id: string;
  /** diffIDs, bottom first. */
  layers: string[];
  config: ImageConfig;
  /** Bytes of its layers, uncompressed. */
  size: number;
  created: number;
  lastUsed: number;
}

/** One unpacked layer. */
export interface LayerRecord {
  diffID: string;
  size: number;
  /** Compressed blob digests known to unpack to this layer. */
  blobs: string[];
  created: number;
}

/** A rootfs mount: which image, where (rootfs: the real path, as mountinfo shows it). */
export interface MountRecord {
  containerDir: string;
  rootfs: string;
  imageId: string;
  created: number;
}

/** The hex part of a sha256 digest; throws on anything else (it becomes a path). */
export function digestHex(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new Error(`unsupported digest "${digest}" (only sha256 is supported)`);
  return m[1];
}

function hashName(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** True while a process with this pid exists. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** False only for names made by a process that is gone (names not made here are kept). */
function ownerAlive(name: string): boolean {
  const pid = Number(name.split('-')[0]);
  return !(Number.isInteger(pid) && pid > 0) || pidAlive(pid);
}

export class StoreFiles {
  readonly layersDir: string;
  readonly imagesDir: string;
  readonly refsDir: string;
  readonly blobsDir: string;
  readonly mountsDir: string;
  readonly leasesDir: string;
  readonly tmpDir: string;
  readonly emptyDir: string;
  private refsCache?: { mtimeMs: number; refs: Map<string, string> };

  constructor(readonly root: string) {
    this.layersDir = join(root, 'layers');
    this.imagesDir = join(root, 'images');
    this.refsDir = join(root, 'refs');
    this.blobsDir = join(root, 'blobs');
    this.mountsDir = join(root, 'mounts');
    this.leasesDir = join(root, 'leases');
    this.tmpDir = join(root, 'tmp');
    this.emptyDir = join(root, 'empty');
  }

  async init(): Promise<void> {
    for (const dir of [
      this.layersDir,
      this.imagesDir,
      this.refsDir,
      this.blobsDir,
      this.mountsDir,
      this.leasesDir,
      this.tmpDir,
      this.emptyDir,
    ]) {
      await mkdir(dir, { recursive: true });
    }
  }

  /** A unique name inside tmp/, owned by this process. */
  tmpName(suffix = ''): string {
    return join(this.tmpDir, `${process.pid}-${randomBytes(8).toString('hex')}${suffix}`);
  }

  /** A fresh staging directory inside tmp/. */
  async stagingDir(): Promise<string> {
    const dir = this.tmpName();
    await mkdir(dir, { recursive: true });
    return dir;
  }

  async writeJSON(path: string, value: unknown): Promise<void> {
    const tmp = this.tmpName('.json');
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  }

  async readJSON<T>(path: string): Promise<T | undefined> {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as T;
    } catch {
      return undefined;
    }
  }

  // --- layers

  layerDir(diffID: string): string {
    return join(this.layersDir, digestHex(diffID));
  }

  /** The unpacked content of a layer. */
  layerFs(diffID: string): string {
    return join(this.layerDir(diffID), 'fs');
  }

  async readLayer(diffID: string): Promise<LayerRecord | undefined> {
    return this.readJSON<LayerRecord>(join(this.layerDir(diffID), 'layer.json'));
  }

  /** diffIDs of every stored layer. */
  async listLayers(): Promise<string[]> {
    const names = await readdir(this.layersDir).catch(() => [] as string[]);
    return names.filter((n) => /^[a-f0-9]{64}$/.test(n)).map((n) => `sha256:${n}`);
  }

  /** Moves a layer away atomically, then deletes it (a reader sees all of it or nothing). */
  async removeLayer(record: Pick<LayerRecord, 'diffID' | 'blobs'>): Promise<void> {
    const trash = this.tmpName('-trash');
    try {
      await rename(this.layerDir(record.diffID), trash);
    } catch {
      return;
    }
    for (const blob of record.blobs) await rm(join(this.blobsDir, digestHex(blob)), { force: true });
    await rm(trash, { recursive: true, force: true });
  }

  async blobDiffID(blobDigest: string): Promise<string | undefined> {
    try {
      return (await readFile(join(this.blobsDir, digestHex(blobDigest)), 'utf8')).trim();
    } catch {
      return undefined;
    }
  }

  async setBlob(blobDigest: string, diffID: string): Promise<void> {
    const tmp = this.tmpName();
    await writeFile(tmp, diffID);
    await rename(tmp, join(this.blobsDir, digestHex(blobDigest)));
  }

  // --- images

  imagePath(id: string): string {
    return join(this.imagesDir, `${digestHex(id)}.json`);
  }

  readImage(id: string): Promise<ImageRecord | undefined> {
    return this.readJSON<ImageRecord>(this.imagePath(id));
  }

  writeImage(record: ImageRecord): Promise<void> {
    return this.writeJSON(this.imagePath(record.id), record);
  }

  async deleteImage(id: string): Promise<void> {
    await rm(this.imagePath(id), { force: true });
  }

  async listImages(): Promise<ImageRecord[]> {
    const names = await readdir(this.imagesDir).catch(() => [] as string[]);
    const out: ImageRecord[] = [];
    for (const n of names) {
      if (!/^[a-f0-9]{64}\.json$/.test(n)) continue;
      const rec = await this.readJSON<ImageRecord>(join(this.imagesDir, n));
      if (rec) out.push(rec);
    }
    return out;
  }

  // --- refs

  /** ref → image id. Re-read only when the directory changed (a rename into it bumps its mtime). */
  async readRefs(): Promise<Map<string, string>> {
    const st = await stat(this.refsDir);
    if (this.refsCache && this.refsCache.mtimeMs === st.mtimeMs) return this.refsCache.refs;
    const refs = new Map<string, string>();
    for (const n of await readdir(this.refsDir)) {
      if (!n.endsWith('.json')) continue;
      const r = await this.readJSON<{ ref: string; id: string }>(join(this.refsDir, n));
      if (r) refs.set(r.ref, r.id);
    }
    // Directory times are coarse (a jiffy): a change in the same tick as this read could hide
    // behind an unchanged mtime, so a just-changed directory is not cached.
    this.refsCache = Date.now() - st.mtimeMs > 100 ? { mtimeMs: st.mtimeMs, refs } : undefined;
    return refs;
  }

  async setRef(ref: string, id: string): Promise<void> {
    await this.writeJSON(join(this.refsDir, `${hashName(ref)}.json`), { ref, id });
    this.refsCache = undefined;
  }

  async deleteRef(ref: string): Promise<void> {
    await rm(join(this.refsDir, `${hashName(ref)}.json`), { force: true });
    this.refsCache = undefined;
  }

  // --- mounts

  mountRecordPath(containerDir: string): string {
    return join(this.mountsDir, `${hashName(containerDir)}.json`);
  }

  async listMountRecords(): Promise<Array<MountRecord & { file: string }>> {
    const names = await readdir(this.mountsDir).catch(() => [] as string[]);
    const out: Array<MountRecord & { file: string }> = [];
    for (const n of names) {
      const file = join(this.mountsDir, n);
      const r = await this.readJSON<MountRecord>(file);
      if (r) out.push({ ...r, file });
    }
    return out;
  }

  // --- leases

  /** Records that a pull relies on these layers until `release()`; `update` widens the set. */
  async lease(
    layers: string[],
  ): Promise<{ update(layers: string[]): Promise<void>; release(): Promise<void> }> {
    const file = join(this.leasesDir, `${process.pid}-${randomBytes(8).toString('hex')}.json`);
    await this.writeJSON(file, { pid: process.pid, layers });
    return {
      update: (more) => this.writeJSON(file, { pid: process.pid, layers: more }),
      release: () => rm(file, { force: true }),
    };
  }

  /** Layers named by leases of live processes; leases of dead ones are removed. */
  async leasedLayers(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const n of await readdir(this.leasesDir).catch(() => [] as string[])) {
      const file = join(this.leasesDir, n);
      if (!ownerAlive(n)) {
        await rm(file, { force: true });
        continue;
      }
      const lease = await this.readJSON<{ layers: string[] }>(file);
      for (const l of lease?.layers ?? []) out.add(l);
    }
    return out;
  }

  /** Removes staging left by processes that died mid-write. */
  async cleanStaleTmp(): Promise<void> {
    for (const n of await readdir(this.tmpDir).catch(() => [] as string[])) {
      if (!ownerAlive(n)) await rm(join(this.tmpDir, n), { recursive: true, force: true });
    }
  }
}
