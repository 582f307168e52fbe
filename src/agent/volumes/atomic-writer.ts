/**
 * The kubelet's atomic writer (pkg/volume/util/atomic_writer.go): files of a configMap, secret,
 * downwardAPI or projected volume are written into a fresh hidden directory named after the time
 * (`..2025_01_01_00_00_00.1234567890`), a `..data` symlink is switched to it with one rename, and
 * each top-level name is a symlink through `..data` (`key -> ..data/key`). A process holding the
 * volume sees either the old set of files or the new one, never a mix, and the paths it opened by
 * name (through the symlinks) show the new content after an update.
 */
import { randomInt } from 'node:crypto';
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { dirname, join, normalize } from 'node:path';

/** One file to project: its bytes and permission bits. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

const DATA_DIR = '..data';
const NEW_DATA_DIR = '..data_tmp';
const MAX_FILE_NAME = 255;
const MAX_PATH = 4096;

/** Rejects paths the writer reserves or that would leave the volume (validatePath). */
export function validatePath(path: string): void {
  if (path === '') throw new Error(`invalid path: must not be empty: ""`);
  if (path.startsWith('/')) throw new Error(`invalid path: must be relative path: ${path}`);
  if (path.length > MAX_PATH)
    throw new Error(`invalid path: must be less than or equal to ${MAX_PATH} characters`);
  const items = path.split('/');
  for (const item of items) {
    if (item === '..') throw new Error(`invalid path: must not contain '..': ${path}`);
    if (item.length > MAX_FILE_NAME) {
      throw new Error(`invalid path: filenames must be less than or equal to ${MAX_FILE_NAME} characters`);
    }
  }
  if (items[0].startsWith('..') && items[0].length > 2)
    throw new Error(`invalid path: must not start with '..': ${path}`);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `..2006_01_02_15_04_05.<digits>`, as os.MkdirTemp names the kubelet's directories. */
function timestampName(now: Date): string {
  const t = `${now.getUTCFullYear()}_${pad(now.getUTCMonth() + 1)}_${pad(now.getUTCDate())}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  return `..${t}.${randomInt(1_000_000_000, 2_147_483_647)}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Every path (files and directories) under dir, relative to it. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    out.push(rel);
    if (entry.isDirectory()) out.push(...(await walk(dir, rel)));
  }
  return out;
}

async function differs(oldDir: string, payload: Map<string, FileProjection>): Promise<boolean> {
  for (const [path, file] of payload) {
    try {
      if (!(await readFile(join(oldDir, path))).equals(file.data)) return true;
    } catch {
      return true;
    }
  }
  return false;
}

/**
 * Projects payload into targetDir (which must exist). Returns false when the volume already
 * holds exactly this payload (nothing written), true when it was (re)written.
 */
export async function atomicWrite(targetDir: string, payload: Map<string, FileProjection>, now = new Date()) {
  const clean = new Map<string, FileProjection>();
  for (const [path, file] of payload) {
    validatePath(path);
    clean.set(normalize(path).replace(/\/$/, ''), file);
  }

  const dataDir = join(targetDir, DATA_DIR);
  let oldTs = '';
  try {
    oldTs = await readlink(dataDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const oldTsPath = oldTs ? join(targetDir, oldTs) : '';

  let toRemove: string[] = [];
  if (oldTs && (await exists(oldTsPath))) {
    const current = await walk(oldTsPath);
    const wanted = new Set<string>();
    for (const path of clean.keys()) {
      for (let p = path; p !== '.' && p !== ''; p = dirname(p)) wanted.add(p);
    }
    toRemove = current.filter((p) => !wanted.has(p));
    if (toRemove.length === 0 && !(await differs(oldTsPath, clean))) return false;
  }

  let tsName = '';
  for (;;) {
    tsName = timestampName(now);
    try {
      await mkdir(join(targetDir, tsName));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const tsDir = join(targetDir, tsName);
  // 0755 so that group and others can traverse, whatever the umask.
  await chmod(tsDir, 0o755);
  try {
    for (const [path, file] of clean) {
      const full = join(tsDir, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, file.data, { mode: file.mode });
      await chmod(full, file.mode);
    }
    for (const path of clean.keys()) {
      const top = path.split('/')[0];
      const visible = join(targetDir, top);
      if (!(await exists(visible))) await symlink(join(DATA_DIR, top), visible);
    }
    const tmpLink = join(targetDir, NEW_DATA_DIR);
    await rm(tmpLink, { force: true });
    await symlink(tsName, tmpLink);
    await rename(tmpLink, dataDir);
  } catch (err) {
    await rm(tsDir, { recursive: true, force: true });
    throw err;
  }

  for (const path of toRemove) {
    // Only top-level names are user-visible symlinks; nested ones vanish with the old directory.
    if (!path.includes('/')) await unlink(join(targetDir, path)).catch(() => {});
  }
  if (oldTsPath) await rm(oldTsPath, { recursive: true, force: true });
  return true;
}
