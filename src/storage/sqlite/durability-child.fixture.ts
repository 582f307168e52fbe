/**
 * Child process for the sqlite durability test: writes keys through the store from many
 * concurrent callers forever and prints each key once its create was acknowledged. The test kills
 * it with SIGKILL mid-stream and checks every printed key survived. Bundled by the test with esbuild.
 */
import { openSqliteStore } from './sqlite-store.js';

const store = openSqliteStore(process.argv[2]);
const value = JSON.stringify({ kind: 'Pod', spec: { padding: 'x'.repeat(1200) } });
let next = 0;

async function writer(): Promise<void> {
  for (;;) {
    const key = `/registry/pods/default/p${next++}`;
    await store.create(key, value);
    process.stdout.write(`${key}\n`);
  }
}

for (let i = 0; i < 16; i++) void writer();
