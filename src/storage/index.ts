/**
 * The storage entry point: picks a Store implementation from configuration. The API server and
 * the CLI call openStore; everything else depends only on the Store interface.
 */
import { openEtcdStore } from './etcd/etcd-store.js';
import { openSqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

export * from './store.js';

/** Which store to open: the embedded sqlite file (default) or an etcd cluster (HA). */
export type StoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'etcd'; endpoints: string[]; prefix?: string };

/** Opens the configured store; for etcd, fails with StoreError 'Unavailable' if etcd does not answer. */
export async function openStore(config: StoreConfig): Promise<Store> {
  if (config.kind === 'sqlite') return openSqliteStore(config.path);
  const store = openEtcdStore({ endpoints: config.endpoints, prefix: config.prefix });
  try {
    await store.currentRevision();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
