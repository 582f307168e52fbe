/**
 * Finds the JavaScript file the writer worker runs (a worker thread needs a file, and cannot load
 * TypeScript).
 *
 * - In the bundle (scripts/build.mjs), `dist/sqlite-writer.mjs` is an entry point of its own; this
 *   module lands in `dist/skiff.mjs` or in a chunk under `dist/chunks/`, so both the same folder
 *   and the parent folder are looked at.
 * - From TypeScript sources (vitest), the worker is bundled once per process with esbuild into
 *   `node_modules/.cache/skiff/sqlite-writer-<hash>.mjs`, where `better-sqlite3` still resolves.
 *   esbuild is loaded with require so the production bundle never includes it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';

/** The bundled worker's file name, next to the CLI bundle. */
export const WORKER_BUNDLE_NAME = 'sqlite-writer.mjs';

let builtFromSources: URL | undefined;

/** The worker script for this process: the bundled file, or one built from the sources. */
export function writerScript(): URL {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return buildFromSources(here);
  for (const folder of ['./', '../']) {
    const candidate = new URL(`${folder}${WORKER_BUNDLE_NAME}`, here);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`sqlite writer worker ${WORKER_BUNDLE_NAME} not found next to ${fileURLToPath(here)}`);
}

function buildFromSources(here: string): URL {
  if (builtFromSources) return builtFromSources;
  const { buildSync } = createRequire(here)('esbuild') as typeof import('esbuild');
  const { outputFiles } = buildSync({
    entryPoints: [fileURLToPath(new URL('./writer-worker.ts', here))],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['better-sqlite3'],
    write: false,
    logLevel: 'error',
  });
  const code = outputFiles[0].text;
  const dir = fileURLToPath(new URL('../../../node_modules/.cache/skiff/', here));
  const file = join(dir, `sqlite-writer-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    // Written aside and renamed: test workers building at the same time never see half a file.
    const partial = `${file}.${process.pid}-${threadId}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  builtFromSources = pathToFileURL(file);
  return builtFromSources;
}
