/**
 * Runs skopeo, the registry and archive transfer tool (auth, token flows, TLS, blob
 * verification). Credentials go through a private auth file, never the command line (which
 * every user of the machine can read in /proc). Failures keep the registry's own words.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RegistryAuth } from './credentials.js';

/** A skopeo failure; `message` is skopeo's own error text, less the wrapping it adds. */
export class SkopeoError extends Error {
  /** The registry refused the credentials (or wants some): the next ones may work. */
  get unauthorized(): boolean {
    return /\bunauthorized\b|authentication required|\bdenied\b|\b40[13]\b|forbidden/i.test(this.message);
  }
}

/** skopeo's logrus line `level=fatal msg="..."` → the message, unquoted. */
export function skopeoMessage(stderr: string): string {
  const m = /level=fatal msg="((?:[^"\\]|\\.)*)"/.exec(stderr);
  let text = m
    ? (JSON.parse(`"${m[1]}"`) as string)
    : (stderr.trim().split('\n').filter(Boolean).pop() ?? '');
  // "Error parsing image name ..." is how skopeo wraps any failure of its first registry call.
  text = text.replace(/^Error parsing image name "[^"]*": /, '').replace(/^initializing source [^ ]+: /, '');
  return text || 'skopeo failed';
}

export interface SkopeoRun {
  /** Directory for the short-lived auth file. */
  tmpDir: string;
  timeoutMs: number;
}

/** Runs `skopeo args…`; resolves with stdout, rejects with a SkopeoError. */
export function skopeo(args: string[], run: Pick<SkopeoRun, 'timeoutMs'>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('skopeo', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => {
      if (err.length < 16384) err += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
      reject(new SkopeoError(missing ? 'skopeo is not installed (Debian package "skopeo")' : e.message));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(Buffer.concat(out));
      if (signal === 'SIGKILL') return reject(new SkopeoError(`timed out after ${run.timeoutMs} ms`));
      reject(new SkopeoError(skopeoMessage(err)));
    });
  });
}

/**
 * Calls `fn` with the flags that select credentials for `registry` (`--authfile FILE`, or
 * none: skopeo then uses the node's own auth files, as anonymous pulls in the kubelet do).
 */
export async function withAuthFile<T>(
  run: SkopeoRun,
  registry: string,
  auth: RegistryAuth | undefined,
  fn: (authFile: string | undefined) => Promise<T>,
): Promise<T> {
  if (!auth) return fn(undefined);
  // Named "<pid>-…" like all staging, so a store cleaning up after dead processes keeps it.
  const file = join(run.tmpDir, `${process.pid}-auth-${randomBytes(6).toString('hex')}.json`);
  const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
  await writeFile(file, JSON.stringify({ auths: { [registry]: { auth: encoded } } }), { mode: 0o600 });
  try {
    return await fn(file);
  } finally {
    await rm(file, { force: true });
  }
}
