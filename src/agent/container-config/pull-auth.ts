/**
 * Registry credentials for an image from the pod's imagePullSecrets, as the kubelet's keyring
 * finds them: each secret of type kubernetes.io/dockerconfigjson (`.dockerconfigjson`, with an
 * `auths` map) or kubernetes.io/dockercfg (`.dockercfg`, the map itself) contributes the entries
 * whose registry key matches the image — host (with `*` globs per label), port and path prefix —
 * most specific first; Docker Hub images also use an `index.docker.io` entry. Secrets are taken in
 * the pod's order; missing ones are skipped (the pull may then fail with the registry's message).
 */
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';

export interface PullAuth {
  username: string;
  password: string;
}

/** The image's repository with its registry made explicit: `nginx` → `docker.io/library/nginx`. */
export function normalizeImageRepository(image: string): string {
  let name = image;
  const at = name.indexOf('@');
  if (at >= 0) name = name.slice(0, at);
  const lastSlash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  if (colon > lastSlash) name = name.slice(0, colon);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
  if (first === 'index.docker.io') return `docker.io/${name.slice(slash + 1)}`;
  return name;
}

interface ParsedURL {
  host: string;
  port: string;
  path: string;
}

/** Splits a schemeless registry location into host labels, port and path. */
function parseLocation(location: string): ParsedURL {
  const rest = location.replace(/^[a-z]+:\/\//i, '');
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash);
  const colon = authority.lastIndexOf(':');
  return colon < 0
    ? { host: authority, port: '', path }
    : { host: authority.slice(0, colon), port: authority.slice(colon + 1), path };
}

/** A credential key as the keyring stores it: host[/path], with /v1/ and /v2/ dropped. */
function keyOf(location: string): string {
  const withScheme = /^https?:\/\//.test(location) ? location : `https://${location}`;
  const parsed = parseLocation(withScheme);
  let path = parsed.path;
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  const host = parsed.port ? `${parsed.host}:${parsed.port}` : parsed.host;
  return path.length > 0 && path !== '/' ? host + path : host;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|\\]/g, '\\$&')
    .replace(/\*/g, '[^.]*')
    .replace(/\?/g, '[^.]');
  return new RegExp(`^${body}$`);
}

/** URLsMatchStr: every host label matches its glob, ports are equal, the path is a prefix. */
function keyMatches(key: string, image: string): boolean {
  const glob = parseLocation(key);
  const target = parseLocation(image);
  const globLabels = glob.host.split('.');
  const targetLabels = target.host.split('.');
  if (globLabels.length !== targetLabels.length) return false;
  if (!globLabels.every((g, i) => globToRegExp(g).test(targetLabels[i]))) return false;
  if (glob.port !== target.port) return false;
  return target.path.startsWith(glob.path);
}

/** The `user:password` of one config entry (its `auth` field wins over username/password). */
function entryAuth(entry: { username?: string; password?: string; auth?: string }): PullAuth {
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { username: entry.username ?? '', password: entry.password ?? '' };
}

type DockerConfig = Record<string, { username?: string; password?: string; auth?: string }>;

function secretConfig(secret: Secret): DockerConfig | undefined {
  try {
    if (secret.type === 'kubernetes.io/dockerconfigjson' && secret.data?.['.dockerconfigjson']) {
      const json = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
      return (json?.auths ?? {}) as DockerConfig;
    }
    if (secret.type === 'kubernetes.io/dockercfg' && secret.data?.['.dockercfg']) {
      return JSON.parse(Buffer.from(secret.data['.dockercfg'], 'base64').toString('utf8')) as DockerConfig;
    }
  } catch {
    // A malformed config contributes nothing, as the kubelet skips secrets it cannot parse.
  }
  return undefined;
}

/** True when the image pulls from Docker Hub (isDefaultRegistryMatch). */
function isDockerHub(repository: string): boolean {
  const first = repository.split('/')[0];
  return first === 'docker.io' || first === 'index.docker.io';
}

/** The credentials to try for an image, in order. */
export function pullAuthsFor(
  pod: Pod,
  image: string,
  getSecret: (namespace: string, name: string) => Secret | undefined,
): PullAuth[] {
  const repository = normalizeImageRepository(image);
  const namespace = pod.metadata?.namespace ?? 'default';
  const out: PullAuth[] = [];
  for (const ref of pod.spec?.imagePullSecrets ?? []) {
    if (!ref.name) continue;
    const secret = getSecret(namespace, ref.name);
    const config = secret && secretConfig(secret);
    if (!config) continue;
    const keyed = new Map<string, PullAuth[]>();
    for (const [location, entry] of Object.entries(config)) {
      const key = keyOf(location);
      keyed.set(key, [...(keyed.get(key) ?? []), entryAuth(entry ?? {})]);
    }
    // Reverse-sorted keys put the more specific paths first (quay.io/coreos before quay.io).
    const keys = [...keyed.keys()].sort().reverse();
    const matched = keys.filter((k) => keyMatches(k, repository)).flatMap((k) => keyed.get(k)!);
    if (matched.length > 0) out.push(...matched);
    else if (isDockerHub(repository) && keyed.has('index.docker.io'))
      out.push(...keyed.get('index.docker.io')!);
  }
  return out;
}
