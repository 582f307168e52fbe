// Bundles the CLI into one ESM file so `skiff` starts without resolving hundreds of modules.
// Native and proto-loading packages stay external: they load files from their own folders.
import { cpSync, existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

// Build beside dist/ and swap it in at the end, so a running skiff (or a parallel build) never
// sees a half-written or missing bundle.
const out = `dist.build-${process.pid}`;
rmSync(out, { recursive: true, force: true });

await build({
  // The sqlite store commits on a worker thread, which needs a file of its own to run
  // (src/storage/sqlite/worker-script.ts finds it next to the bundle).
  entryPoints: { skiff: 'src/cli/main.ts', 'sqlite-writer': 'src/storage/sqlite/writer-worker.ts' },
  outdir: out,
  outExtension: { '.js': '.mjs' },
  // Code that only some runs need (certificate generation, YAML, protobuf) goes in chunks
  // loaded on first use, so a warm start compiles only what serving needs.
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  external: ['better-sqlite3', 'etcd3'],
  define: { SKIFF_VERSION: JSON.stringify(pkg.version) },
  // Some bundled CommonJS dependencies call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __skiffRequire } from 'node:module'; const require = __skiffRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

// Data files the bundle reads at run time, at the same relative path as in the sources.
cpSync('src/api/schema/generated/definitions.json', `${out}/generated/definitions.json`);

const old = `dist.old-${process.pid}`;
if (existsSync('dist')) renameSync('dist', old);
renameSync(out, 'dist');
rmSync(old, { recursive: true, force: true });
