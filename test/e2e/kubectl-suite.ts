/**
 * The kubectl end-to-end suite of issue #2, as a function so one body of tests proves the same
 * behaviour against every store: kubectl-basics.test.ts runs it on SQLite, etcd.test.ts on etcd.
 * Each section lives in test/e2e/kubectl/ and works in its own namespace, so sections do not see
 * each other's objects.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { applyTests } from './kubectl/apply.js';
import type { SuiteContext, SuiteTarget } from './kubectl/context.js';
import { discoveryTests } from './kubectl/discovery.js';
import { errorTests } from './kubectl/errors.js';
import { getTests } from './kubectl/get.js';
import { mutateTests } from './kubectl/mutate.js';

export type { SuiteTarget } from './kubectl/context.js';

/**
 * Declares the kubectl suite. `start` runs in beforeAll and returns the server kubectl talks to;
 * its stop() runs in afterAll, also when tests fail.
 */
export function describeKubectlSuite(name: string, start: () => Promise<SuiteTarget>): void {
  describe(`real kubectl against ${name}`, () => {
    let target: SuiteTarget | undefined;
    let dir = '';
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'skiff-e2e-kubectl-'));
      target = await start();
    });
    afterAll(async () => {
      await target?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });
    const ctx: SuiteContext = {
      target: () => {
        if (!target) throw new Error('the suite server did not start');
        return target;
      },
      dir: () => dir,
    };
    discoveryTests(ctx);
    applyTests(ctx);
    getTests(ctx);
    mutateTests(ctx);
    errorTests(ctx);
  });
}
