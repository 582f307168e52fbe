import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreFiles } from './store-files.js';

let work: string;
/** A pid that surely belongs to no process any more. */
let deadPid: number;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), `skiff-store-files-${process.pid}-`));
  deadPid = spawnSync('true').pid!;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('StoreFiles', () => {
  it('removes staging and leases of dead processes, keeps those of live ones and foreign names', async () => {
    const files = new StoreFiles(join(work, 'a'));
    await files.init();
    mkdirSync(join(files.tmpDir, `${deadPid}-half-layer`, 'fs'), { recursive: true });
    mkdirSync(join(files.tmpDir, `${process.pid}-mine`));
    mkdirSync(join(files.tmpDir, 'not-ours'));
    writeFileSync(join(files.leasesDir, `${deadPid}-x.json`), JSON.stringify({ layers: ['sha256:dead'] }));
    const live = await files.lease(['sha256:live']);
    await files.cleanStaleTmp();
    expect(readdirSync(files.tmpDir).sort()).toEqual([`${process.pid}-mine`, 'not-ours']);
    expect([...(await files.leasedLayers())]).toEqual(['sha256:live']);
    await live.release();
    expect(readdirSync(files.leasesDir)).toEqual([]);
  });

  it('sees a ref written by another instance at once', async () => {
    const root = join(work, 'b');
    const a = new StoreFiles(root);
    const b = new StoreFiles(root);
    await a.init();
    const id = `sha256:${'1'.repeat(64)}`;
    expect((await b.readRefs()).size).toBe(0);
    await a.setRef('docker.io/library/x:1', id);
    expect((await b.readRefs()).get('docker.io/library/x:1')).toBe(id);
    await a.deleteRef('docker.io/library/x:1');
    expect((await b.readRefs()).size).toBe(0);
  });

  it('removes a layer whole and forgets its blobs', async () => {
    const files = new StoreFiles(join(work, 'c'));
    await files.init();
    const diffID = `sha256:${'2'.repeat(64)}`;
    const blob = `sha256:${'3'.repeat(64)}`;
    mkdirSync(join(files.layerFs(diffID), 'etc'), { recursive: true });
    await files.setBlob(blob, diffID);
    expect(await files.blobDiffID(blob)).toBe(diffID);
    await files.removeLayer({ diffID, blobs: [blob] });
    expect(existsSync(files.layerDir(diffID))).toBe(false);
    expect(await files.blobDiffID(blob)).toBeUndefined();
    expect(readdirSync(files.tmpDir)).toEqual([]);
  });

  it('refuses digests that are not sha256 (they become paths)', () => {
    const files = new StoreFiles(join(work, 'd'));
    expect(() => files.layerDir('sha256:../../etc')).toThrow(/unsupported digest/);
  });
});
