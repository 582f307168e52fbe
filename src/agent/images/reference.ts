/**
 * Image names as Docker and Kubernetes read them (github.com/distribution/reference,
 * ParseNormalizedNamed): `busybox` is `docker.io/library/busybox:latest`, the first path component
 * is a registry host only when it looks like one (a dot, a port, `localhost`, or upper case), and a
 * digest pins the content (the tag beside it is then dropped, as containerd does).
 */

/** A parsed, normalized image reference. */
export interface ImageReference {
  /** Registry host, e.g. `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  domain: string;
  /** Repository path inside the registry, e.g. `library/busybox`. */
  path: string;
  /** `domain/path`. */
  name: string;
  /** Undefined when a digest pins the image. */
  tag?: string;
  /** e.g. `sha256:…`. */
  digest?: string;
  /** `name:tag` or `name@digest`: the form stored and shown. */
  ref: string;
}

/** An image name that cannot be parsed (Kubernetes' InvalidImageName). */
export class InvalidReferenceError extends Error {}

const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domain = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const referenceRe = new RegExp(
  `^((?:${domain})/${pathComponent}(?:/${pathComponent})*)(?::(${tag}))?(?:@(${digest}))?$`,
);
const digestLengths: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DEFAULT_DOMAIN = 'docker.io';
const NAME_MAX = 255;

/** Where the registry host ends, by Docker's rule (splitDockerDomain). */
function splitDomain(name: string): [string, string] {
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  if (slash === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return [DEFAULT_DOMAIN, name];
  }
  return [first === 'index.docker.io' ? DEFAULT_DOMAIN : first, name.slice(slash + 1)];
}

/** Parses and normalizes an image name; throws InvalidReferenceError with Docker's wording. */
export function parseImageReference(input: string): ImageReference {
  const s = input.trim();
  if (!s) throw new InvalidReferenceError('invalid reference format: empty image name');
  if (/^[a-f0-9]{64}$/.test(s)) {
    throw new InvalidReferenceError(
      `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
    );
  }
  let [host, remainder] = splitDomain(s);
  if (host === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = `library/${remainder}`;
  const repoPart = remainder.split('@')[0].replace(/:[^/]*$/, '');
  if (repoPart.toLowerCase() !== repoPart) {
    throw new InvalidReferenceError(
      `invalid reference format: repository name (${repoPart}) must be lowercase`,
    );
  }
  const m = referenceRe.exec(`${host}/${remainder}`);
  if (!m) throw new InvalidReferenceError(`invalid reference format: "${input}"`);
  const [, name, tagValue, digestValue] = m;
  if (name.length > NAME_MAX) {
    throw new InvalidReferenceError(
      `invalid reference format: repository name must not be more than ${NAME_MAX} characters`,
    );
  }
  if (digestValue) {
    const [algorithm, hex] = digestValue.split(':');
    const want = digestLengths[algorithm];
    if (!want) throw new InvalidReferenceError(`unsupported digest algorithm "${algorithm}" in "${input}"`);
    if (hex.length !== want || !/^[a-f0-9]+$/.test(hex)) {
      throw new InvalidReferenceError(`invalid checksum digest format in "${input}"`);
    }
  }
  const path = name.slice(host.length + 1);
  if (digestValue) return { domain: host, path, name, digest: digestValue, ref: `${name}@${digestValue}` };
  const t = tagValue ?? 'latest';
  return { domain: host, path, name, tag: t, ref: `${name}:${t}` };
}

/** True for registries Docker talks to over plain HTTP without being told: loopback ones. */
export function isLoopbackRegistry(host: string): boolean {
  const bare = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:[0-9]+$/, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}
