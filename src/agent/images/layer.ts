/**
 * Unpacks one image layer (a tar, plain, gzip or zstd) into a directory in overlayfs form. GNU tar
 * does the extraction because it restores what Node cannot (owners, devices, xattrs, hard links)
 * and refuses `..` members and writes through symlinks. The uncompressed stream is hashed on the
 * way, so a layer is stored only under the diffID its content really has.
 *
 * OCI/AUFS whiteouts become what overlayfs reads: `.wh.NAME` a 0:0 character device NAME, and
 * `.wh..wh..opq` the xattr trusted.overlay.opaque=y on its directory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, open, rm } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { buildTar, type TarEntry } from './tar-writer.js';

/** Flags that make GNU tar restore a layer exactly, as root. */
const TAR_EXTRACT = [
  '-x',
  '-f',
  '-',
  '--numeric-owner',
  '--same-owner',
  '--same-permissions',
  '--xattrs',
  '--xattrs-include=*',
];

export type Compression = 'gzip' | 'zstd' | 'none';

/** Detects compression from the first bytes, as containerd does (media types lie). */
export async function detectCompression(file: string): Promise<Compression> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    if (bytesRead >= 2 && buffer[0] === 0x1f && buffer[1] === 0x8b) return 'gzip';
    if (bytesRead === 4 && buffer.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
    return 'none';
  } finally {
    await fh.close();
  }
}

const NOT_THE_CAUSE =
  /Removing leading|lone zero block|Ignoring unknown extended header|in the future|Exiting with failure status|Error is not recoverable/;

/** Waits for a child to exit; rejects with the cause from its stderr on a non-zero exit. */
function exited(child: ChildProcess, what: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 8192) stderr += d.toString('utf8');
  });
  return new Promise((resolve, reject) => {
    child.once('error', (err) =>
      reject(
        new Error(
          (err as NodeJS.ErrnoException).code === 'ENOENT'
            ? `${what} is not installed`
            : `${what}: ${err.message}`,
        ),
      ),
    );
    child.once('close', (code, signal) => {
      if (code === 0) return resolve();
      // The first real complaint is the cause: not a warning, nor the "exiting" summary lines.
      const lines = stderr.trim().split('\n').filter(Boolean);
      const cause = lines.find((l) => !NOT_THE_CAUSE.test(l)) ?? lines[0];
      reject(new Error(`${what}: ${cause?.replace(/^[\w-]+: /, '') ?? `exited with ${signal ?? code}`}`));
    });
  });
}

function decompressed(file: string, compression: Compression): { stream: Readable; done: Promise<void> } {
  if (compression === 'zstd') {
    const child = spawn('zstd', ['-dc', '--', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { stream: child.stdout!, done: exited(child, 'zstd (needed for zstd-compressed layers)') };
  }
  const raw = createReadStream(file);
  if (compression === 'none') return { stream: raw, done: Promise.resolve() };
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return { stream: raw.pipe(gunzip), done: Promise.resolve() };
}

/**
 * Extracts `blob` into the (empty, existing) directory `dest` and converts its whiteouts.
 * Returns the digest and byte count of the uncompressed tar stream (the layer's diffID and size).
 */
export async function unpackLayer(blob: string, dest: string): Promise<{ diffID: string; size: number }> {
  const { stream, done } = decompressed(blob, await detectCompression(blob));
  const tar = spawn('tar', [...TAR_EXTRACT, '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
  const tarDone = exited(tar, 'tar');
  // Awaited below; until then a failure must not count as an unhandled rejection.
  tarDone.catch(() => {});
  done.catch(() => {});
  let tarOpen = true;
  // tar may stop reading after the end-of-archive blocks; the hash still needs every byte.
  tar.stdin!.on('error', () => {
    tarOpen = false;
  });
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (tarOpen && !tar.stdin!.write(chunk)) {
        await new Promise<void>((resolve) => {
          const finish = () => {
            tar.stdin!.off('drain', finish);
            tar.stdin!.off('close', finish);
            resolve();
          };
          tar.stdin!.once('drain', finish);
          tar.stdin!.once('close', finish);
        });
      }
    }
  } catch (err) {
    tar.kill('SIGKILL');
    await tarDone.catch(() => {});
    throw new Error(`reading layer ${basename(blob)}: ${(err as Error).message}`);
  } finally {
    // Some writers (umoci, Go's archive/tar without Close) leave out the last record's padding
    // and the end-of-archive blocks, which GNU tar calls an unexpected EOF. Zeros complete
    // them; the digest above covers only the real bytes, so no corruption can hide behind it.
    if (tarOpen) tar.stdin!.end(Buffer.alloc(((512 - (size % 512)) % 512) + 1024));
  }
  await Promise.all([done, tarDone]);
  await convertWhiteouts(dest);
  return { diffID: `sha256:${hash.digest('hex')}`, size };
}

/** Every path under `root` whose name starts with `.wh.` (find is far faster than a JS walk). */
async function findWhiteouts(root: string): Promise<string[]> {
  const find = spawn('find', [root, '-name', '.wh.*', '-print0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: Buffer[] = [];
  find.stdout!.on('data', (d: Buffer) => chunks.push(d));
  await exited(find, 'find');
  return Buffer.concat(chunks).toString('utf8').split('\0').filter(Boolean);
}

/** Rewrites the OCI whiteouts under `root` into overlayfs whiteouts. */
export async function convertWhiteouts(root: string): Promise<void> {
  const found = await findWhiteouts(root);
  if (found.length === 0) return;
  // Parents keep their own metadata: removing markers would otherwise bump their mtime.
  const dirs = new Map<string, TarEntry>();
  const devices: TarEntry[] = [];
  const parentEntry = async (dir: string) => {
    let entry = dirs.get(dir);
    if (!entry) {
      const st = await lstat(dir);
      entry = {
        path: relative(root, dir) || '.',
        type: 'directory',
        mode: st.mode,
        uid: st.uid,
        gid: st.gid,
        mtime: st.mtimeMs / 1000,
      };
      dirs.set(dir, entry);
    }
    return entry;
  };
  for (const path of found) {
    const dir = dirname(path);
    const name = basename(path);
    const entry = await parentEntry(dir);
    const st = await lstat(path);
    if (name === '.wh..wh..opq') {
      entry.xattrs = { 'trusted.overlay.opaque': 'y' };
    } else if (!name.startsWith('.wh..wh.')) {
      const target = name.slice(4);
      if (target && target !== '.' && target !== '..') {
        devices.push({
          path: relative(root, join(dir, target)),
          type: 'char',
          mode: 0,
          uid: st.uid,
          gid: st.gid,
          mtime: st.mtimeMs / 1000,
        });
      }
    }
    // Other `.wh..wh.*` names are AUFS bookkeeping (plnk, aufs): dropped, as Docker does.
    await rm(path, { recursive: true, force: true });
  }
  // Directories after the devices made in them, so their restored times stick.
  const dirEntries = [...dirs.values()];
  const tar = spawn('tar', [...TAR_EXTRACT, '-C', root], { stdio: ['pipe', 'ignore', 'pipe'] });
  const done = exited(tar, 'tar (whiteouts)');
  tar.stdin!.on('error', () => {});
  tar.stdin!.end(buildTar([...devices, ...dirEntries]));
  await done;
}
