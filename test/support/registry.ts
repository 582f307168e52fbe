/**
 * A private Docker distribution registry (Debian docker-registry) on a free loopback port, plain
 * HTTP, filesystem storage in its own temp dir, optionally behind htpasswd basic auth. `push`
 * copies an OCI layout image into it with skopeo. `stop()` kills it and removes the dir.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const exec = promisify(execFile);
const REGISTRY_BINARY = process.env.SKIFF_REGISTRY_BINARY ?? '/usr/bin/docker-registry';

export interface TestRegistry {
  /** `127.0.0.1:PORT`. */
  host: string;
  /**
   * Copies `oci:<layoutDir>:<ref>` to `<host>/<name>` (`name` may carry a tag; default latest)
   * and returns that full reference.
   */
  push(layoutDir: string, ref: string, name: string): Promise<string>;
  stop(): Promise<void>;
}

function probe(host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port: Number(host.split(':')[1]), path: '/v2/', timeout: 1000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function startRegistry(
  opts: { htpasswd?: { username: string; password: string } } = {},
): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), `skiff-registry-${process.pid}-`));
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await freePort();
    const host = `127.0.0.1:${port}`;
    let auth = '';
    if (opts.htpasswd) {
      const { stdout } = await exec('htpasswd', ['-Bbn', opts.htpasswd.username, opts.htpasswd.password]);
      await writeFile(join(dir, 'htpasswd'), stdout);
      auth = `auth:\n  htpasswd:\n    realm: skiff-test\n    path: ${join(dir, 'htpasswd')}\n`;
    }
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(dir, 'data')}
  delete:
    enabled: true
http:
  addr: ${host}
  secret: skiff-test-${process.pid}
${auth}`,
    );
    let output = '';
    child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const spawned = new Promise<void>((_, reject) =>
      child!.once('error', (err) =>
        reject(new Error(`cannot run ${REGISTRY_BINARY} (Debian package docker-registry): ${err.message}`)),
      ),
    );
    spawned.catch(() => {});
    const deadline = Date.now() + 15_000;
    for (;;) {
      const status = await Promise.race([probe(host), spawned.then(() => 0)]);
      if (status === 200 || status === 401) break;
      if (child.exitCode !== null)
        throw new Error(`docker-registry exited: ${output.trim().split('\n').pop()}`);
      if (Date.now() > deadline)
        throw new Error(`docker-registry did not answer on ${host}: ${output.trim()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return {
      host,
      async push(layoutDir, ref, name) {
        const full = /[:@]/.test(name) ? `${host}/${name}` : `${host}/${name}:latest`;
        const creds = opts.htpasswd
          ? ['--dest-creds', `${opts.htpasswd.username}:${opts.htpasswd.password}`]
          : [];
        await exec('skopeo', [
          '--insecure-policy',
          'copy',
          '--quiet',
          '--dest-tls-verify=false',
          ...creds,
          `oci:${layoutDir}:${ref}`,
          `docker://${full}`,
        ]);
        return full;
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
