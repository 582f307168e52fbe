/**
 * Registry credentials from a pod's imagePullSecrets, matched to an image the way the kubelet's
 * keyring does (pkg/credentialprovider): each `auths` key may carry a scheme, a path (`/v1/` and
 * `/v2/` mean the bare host) and globs in host labels; more specific keys come first; Docker Hub
 * images fall back to an `index.docker.io` key.
 */
import type { Secret } from 'kubernetes-types/core/v1.js';
import { parseImageReference } from './reference.js';

export interface RegistryAuth {
  username: string;
  password: string;
}

const DEFAULT_REGISTRY_HOST = 'index.docker.io';

interface ConfigEntry {
  username?: string;
  password?: string;
  auth?: string;
}

/** The registry → entry map of one pull secret, or undefined when the secret is not one or is malformed. */
function secretEntries(secret: Secret): Record<string, ConfigEntry> | undefined {
  try {
    if (secret.type === 'kubernetes.io/dockerconfigjson' && secret.data?.['.dockerconfigjson']) {
      const parsed = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString('utf8'));
      return parsed && typeof parsed.auths === 'object' ? parsed.auths : undefined;
    }
    if (secret.type === 'kubernetes.io/dockercfg' && secret.data?.['.dockercfg']) {
      const parsed = JSON.parse(Buffer.from(secret.data['.dockercfg'], 'base64').toString('utf8'));
      return parsed && typeof parsed === 'object' ? parsed : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/** `auth` (base64 "user:pass") wins over username/password, as in Kubernetes' DockerConfigEntry. */
function entryAuth(entry: ConfigEntry): RegistryAuth | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (entry.username === undefined && entry.password === undefined) return undefined;
  return { username: entry.username ?? '', password: entry.password ?? '' };
}

/** The keyring key of an `auths` entry: host plus any path beyond /v1/ or /v2/. */
export function keyringKey(location: string): string | undefined {
  const withScheme = /^https?:\/\//.test(location) ? location : `https://${location}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  let path = decodeURIComponent(url.pathname);
  if (path.startsWith('/v2/') || path.startsWith('/v1/')) path = path.slice(3);
  // URL lower-cases and drops default ports; the keyring compares what the user wrote.
  const hostMatch = /^https?:\/\/([^/]+)/.exec(withScheme);
  const host = hostMatch ? hostMatch[1] : url.host;
  return path && path !== '/' ? host + path : host;
}

function splitHostPort(hostPort: string): [string, string] {
  const m = /^(.*?)(?::(\d+))?$/.exec(hostPort)!;
  return [m[1], m[2] ?? ''];
}

/** filepath.Match for one host label: `*`, `?` and `[...]`. */
function globMatch(glob: string, text: string): boolean {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end < 0) return false;
      let body = glob.slice(i + 1, end);
      if (body.startsWith('^')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(text);
}

/** URLsMatch: same port, same number of host labels each matching as a glob, path prefix. */
export function keyMatches(key: string, target: string): boolean {
  const split = (s: string): [string, string] => {
    const slash = s.indexOf('/');
    return slash < 0 ? [s, ''] : [s.slice(0, slash), s.slice(slash)];
  };
  const [keyHost, keyPath] = split(key);
  const [targetHost, targetPath] = split(target);
  const [kh, kp] = splitHostPort(keyHost);
  const [th, tp] = splitHostPort(targetHost);
  if (kp !== tp) return false;
  const kParts = kh.split('.');
  const tParts = th.split('.');
  if (kParts.length !== tParts.length) return false;
  if (!kParts.every((part, i) => globMatch(part, tParts[i]))) return false;
  return targetPath.startsWith(keyPath);
}

function isDefaultRegistryMatch(repo: string): boolean {
  const [first, ...rest] = repo.split('/');
  if (!first) return false;
  if (rest.length === 0) return true;
  if (first === 'docker.io' || first === 'index.docker.io') return true;
  return !/[.:]/.test(first);
}

/**
 * The credentials to try, in order, for pulling `image` with these pull secrets (any other
 * secret types and malformed secrets are ignored). Empty when none match: pull anonymously.
 */
export function credentialsFor(image: string, secrets: Secret[]): RegistryAuth[] {
  let repo: string;
  try {
    repo = parseImageReference(image).name;
  } catch {
    return [];
  }
  const creds = new Map<string, RegistryAuth[]>();
  for (const secret of secrets) {
    const entries = secretEntries(secret);
    if (!entries) continue;
    for (const [location, entry] of Object.entries(entries)) {
      const key = keyringKey(location);
      const auth = entryAuth(entry);
      if (!key || !auth) continue;
      const list = creds.get(key) ?? [];
      list.push(auth);
      creds.set(key, list);
    }
  }
  // Reverse-sorted so that "quay.io/coreos" is tried before "quay.io".
  const keys = [...creds.keys()].sort().reverse();
  const out: RegistryAuth[] = [];
  for (const key of keys) if (keyMatches(key, repo)) out.push(...creds.get(key)!);
  if (out.length === 0 && isDefaultRegistryMatch(repo)) out.push(...(creds.get(DEFAULT_REGISTRY_HOST) ?? []));
  return out;
}
