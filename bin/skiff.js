#!/usr/bin/env node
// Entry point: the bundled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/skiff.mjs', import.meta.url);
if (!existsSync(bundle)) {
  process.stderr.write("skiff: dist/skiff.mjs is missing; run 'npm run build' in the skiff checkout\n");
  process.exit(1);
}
await import(bundle.href);
