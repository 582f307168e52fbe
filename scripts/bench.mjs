// Runs one benchmark: `npm run bench -- NAME` (bench/NAME.ts); with no NAME, lists them.
// It builds the CLI (benchmarks spawn the real bin/skiff.js), bundles bench/NAME.ts with a small
// entry that prints run()'s result as the LAST line of stdout (JSON), runs it, and forwards its output.
// The bundle lives under node_modules/.cache so the external native packages still resolve.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const benchDir = join(repo, 'bench');
const names = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const name = process.argv[2];
if (!name || name === '-h' || name === '--help') {
  process.stdout.write(
    `Usage: npm run bench -- NAME\n\nBenchmarks:\n${names.map((n) => `  ${n}`).join('\n')}\n`,
  );
  process.exit(0);
}
if (!names.includes(name)) {
  process.stderr.write(`bench: unknown benchmark "${name}"; one of: ${names.join(', ')}\n`);
  process.exit(2);
}

const built = spawnSync(process.execPath, [join(repo, 'scripts', 'build.mjs')], {
  cwd: repo,
  stdio: 'inherit',
});
if (built.status !== 0) {
  process.stderr.write('bench: building the CLI failed\n');
  process.exit(1);
}

const cacheRoot = join(repo, 'node_modules', '.cache');
mkdirSync(cacheRoot, { recursive: true });
const out = mkdtempSync(join(cacheRoot, `skiff-bench-${name}-`));
let code = 1;
try {
  const entry = join(out, 'entry.ts');
  writeFileSync(
    entry,
    [
      `import { run } from ${JSON.stringify(join(benchDir, `${name}.ts`))};`,
      'try {',
      '  const result = await run();',
      "  process.stdout.write(JSON.stringify(result) + '\\n');",
      '  process.exit(0);',
      '} catch (err) {',
      "  process.stderr.write('bench failed: ' + (err instanceof Error ? err.stack : String(err)) + '\\n');",
      '  process.exit(1);',
      '}',
      '',
    ].join('\n'),
  );
  await build({
    entryPoints: { bench: entry, 'bare-https-server': join(benchDir, 'lib', 'bare-https-server.ts') },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['better-sqlite3', 'etcd3'],
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  // Arguments after NAME (e.g. --quick) reach the bench as its own argv.
  const child = spawn(process.execPath, [join(out, 'bench.mjs'), ...process.argv.slice(3)], {
    cwd: repo,
    stdio: 'inherit',
    env: {
      ...process.env,
      SKIFF_BENCH_REPO: repo,
      SKIFF_BENCH_BARE_SERVER: join(out, 'bare-https-server.mjs'),
    },
  });
  // The bench cleans up its own children on SIGTERM/SIGINT; pass ours on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  code = await new Promise((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
} finally {
  if (existsSync(out)) rmSync(out, { recursive: true, force: true });
}
process.exit(code);
