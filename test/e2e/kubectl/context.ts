/**
 * What every kubectl section gets from describeKubectlSuite: the server under test (known only
 * once beforeAll ran, hence getters) and a scratch directory, plus thin kubectl wrappers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KubectlResult, kubectl, kubectlOk } from '../../support/cluster.js';

/** The server a suite runs against; stop() is called in the suite's afterAll. */
export interface SuiteTarget {
  kubeconfig: string;
  stop(): Promise<void>;
}

/** Handed to each section function. */
export interface SuiteContext {
  target(): SuiteTarget;
  /** A scratch directory for manifest files, removed after the suite. */
  dir(): string;
}

/** kubectl with its exit code and output. */
export function run(
  ctx: SuiteContext,
  args: string[],
  input?: string,
  env?: Record<string, string>,
): KubectlResult {
  return kubectl(ctx.target(), args, input, env);
}

/** kubectl that must succeed; returns stdout. */
export function ok(ctx: SuiteContext, args: string[], input?: string, env?: Record<string, string>): string {
  return kubectlOk(ctx.target(), args, input, env);
}

/** `kubectl get ... -o json`, parsed. */
export function getJson(ctx: SuiteContext, args: string[]): any {
  return JSON.parse(ok(ctx, ['get', ...args, '-o', 'json']));
}

/** Writes a file into the scratch directory and returns its path. */
export function writeManifest(ctx: SuiteContext, name: string, text: string): string {
  const path = join(ctx.dir(), name);
  writeFileSync(path, text);
  return path;
}

/** Creates a namespace through the dynamic client (typed `create namespace` is protobuf). */
export function createNamespace(ctx: SuiteContext, name: string): void {
  ok(ctx, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}
