/**
 * What the agent remembers about each pod's network, one JSON file per pod under
 * <stateDir>/pods/. The record is written before the first plugin runs (so a crash mid-setup
 * can still be undone) and again with the result; teardown reads the exact configuration
 * the ADD used, as the CNI spec asks of DEL, even in a new agent process.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CniResult, NetworkConfigList, PluginConfig } from './cni.js';

export interface PodNetworkRecord {
  uid: string;
  namespace: string;
  name: string;
  /** The namespace's name under /run/netns. */
  netnsName: string;
  netnsPath: string;
  ifName: string;
  /** The pod network's plugin chain as the ADD ran it (runtimeConfig included). */
  network: NetworkConfigList;
  /** The loopback network, run beside the chain. */
  loopback: PluginConfig;
  /** CNI_ARGS given to every plugin. */
  args: Record<string, string>;
  /** The chain's final result; absent until the ADD finished. */
  result?: CniResult;
  ip?: string;
}

export class RecordStore {
  private readonly dir: string;
  private made = false;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'pods');
  }

  private file(uid: string): string {
    return join(this.dir, `${uid}.json`);
  }

  async read(uid: string): Promise<PodNetworkRecord | undefined> {
    try {
      return JSON.parse(await readFile(this.file(uid), 'utf8')) as PodNetworkRecord;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      // A torn or hand-edited file: treated as absent, teardown still removes what it can by name.
      if (err instanceof SyntaxError) return undefined;
      throw err;
    }
  }

  /** Atomic replace (write + rename): a crash leaves the old record or the new, never half. */
  async write(record: PodNetworkRecord): Promise<void> {
    if (!this.made) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.made = true;
    }
    const tmp = `${this.file(record.uid)}.tmp`;
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, this.file(record.uid));
  }

  async remove(uid: string): Promise<void> {
    await rm(this.file(uid), { force: true });
  }

  /** Every uid with a record. */
  async uids(): Promise<string[]> {
    try {
      const names = await readdir(this.dir);
      return names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }
}
