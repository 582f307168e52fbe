/**
 * The downward API: pod fields (fieldRef) and container resources (resourceFieldRef) as strings,
 * for env vars (env.ts) and downwardAPI/projected volume files (src/agent/volumes). The set of
 * fields, their formatting (sorted `key="value"` lines with Go quoting for whole label and
 * annotation maps) and the error texts follow the kubelet's fieldpath and resource helpers.
 */
import type { Container, ObjectFieldSelector, Pod, ResourceFieldSelector } from 'kubernetes-types/core/v1.js';
import { divideCeil, isZero } from './quantity.js';

/** What the node knows of a pod beyond its object: addresses and the node's allocatable. */
export interface DownwardContext {
  hostIP: string;
  hostIPs?: string[];
  podIP: string;
  podIPs?: string[];
  nodeAllocatable: Readonly<Record<string, string>>;
}

/** Go's strconv.Quote, as fmt's %q renders label and annotation values. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) {
      out +=
        cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
    } else out += ch;
  }
  return `${out}"`;
}

/** A label or annotation map as the downward API writes it: sorted `key="value"` lines. */
export function formatMap(m: Readonly<Record<string, string>> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m![k])}`)
    .join('\n');
}

/** `metadata.labels['k']` → ['metadata.labels', 'k']; undefined when not subscripted. */
function splitSubscript(path: string): [string, string] | undefined {
  if (!path.endsWith("']")) return undefined;
  const body = path.slice(0, -2);
  const at = body.indexOf("['");
  if (at <= 0) return undefined;
  return [body.slice(0, at), body.slice(at + 2)];
}

const NAME_RE = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** apimachinery's IsQualifiedName, reduced to a yes/no. */
function isQualifiedName(key: string): boolean {
  const parts = key.split('/');
  if (parts.length > 2) return false;
  const name = parts[parts.length - 1];
  if (name.length === 0 || name.length > 63 || !NAME_RE.test(name)) return false;
  if (parts.length === 2) {
    const prefix = parts[0];
    if (prefix.length === 0 || prefix.length > 253 || !SUBDOMAIN_RE.test(prefix)) return false;
  }
  return true;
}

/**
 * A metadata field of the pod (fieldpath.ExtractFieldPathAsString): what downwardAPI volumes
 * may project, and the fallback for env vars.
 */
export function metadataField(pod: Pod, fieldPath: string): string {
  const meta = pod.metadata ?? {};
  const sub = splitSubscript(fieldPath);
  if (sub) {
    const [path, key] = sub;
    if (path !== 'metadata.annotations' && path !== 'metadata.labels') {
      throw new Error(`fieldPath "${fieldPath}" does not support subscript`);
    }
    const checked = path === 'metadata.annotations' ? key.toLowerCase() : key;
    if (!isQualifiedName(checked)) {
      throw new Error(`invalid key subscript in ${fieldPath}: must be a valid qualified name`);
    }
    return (path === 'metadata.annotations' ? meta.annotations : meta.labels)?.[key] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.annotations':
      return formatMap(meta.annotations);
    case 'metadata.labels':
      return formatMap(meta.labels);
    case 'metadata.name':
      return meta.name ?? '';
    case 'metadata.namespace':
      return meta.namespace ?? '';
    case 'metadata.uid':
      return meta.uid ?? '';
  }
  throw new Error(`unsupported fieldPath: ${fieldPath}`);
}

/** The labels a downward API fieldRef accepts (ConvertDownwardAPIFieldLabel). */
const SUPPORTED_FIELDS = new Set([
  'metadata.annotations',
  'metadata.labels',
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.serviceAccountName',
  'spec.schedulerName',
  'status.phase',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
]);

/** The value of an env var's fieldRef (the kubelet's podFieldSelectorRuntimeValue). */
export function envFieldValue(pod: Pod, ref: ObjectFieldSelector, ctx: DownwardContext): string {
  const version = ref.apiVersion || 'v1';
  if (version !== 'v1') throw new Error(`unsupported pod version: ${version}`);
  let path = ref.fieldPath;
  const sub = splitSubscript(path);
  if (sub && sub[0] !== 'metadata.annotations' && sub[0] !== 'metadata.labels') {
    throw new Error(`field label does not support subscript: ${path}`);
  }
  if (!sub) {
    if (path === 'spec.host') path = 'spec.nodeName';
    else if (!SUPPORTED_FIELDS.has(path)) throw new Error(`field label not supported: ${path}`);
  }
  const podIPs = ctx.podIPs?.length ? ctx.podIPs : ctx.podIP ? [ctx.podIP] : [];
  const hostIPs = ctx.hostIPs?.length ? ctx.hostIPs : ctx.hostIP ? [ctx.hostIP] : [];
  switch (path) {
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      if (hostIPs.length === 0) throw new Error('failed to get host IP: no host IP known');
      return hostIPs[0];
    case 'status.hostIPs':
      if (hostIPs.length === 0) throw new Error('failed to get host IPs: no host IP known');
      return hostIPs.join(',');
    case 'status.podIP':
      return podIPs[0] ?? '';
    case 'status.podIPs':
      return podIPs.join(',');
  }
  return metadataField(pod, path);
}

/** Built-in resources whose missing or zero limit the node's allocatable stands for. */
const ALLOCATABLE_DEFAULTED = ['cpu', 'memory', 'ephemeral-storage'];

function findContainer(pod: Pod, name: string): Container {
  const c =
    pod.spec?.containers?.find((x) => x.name === name) ??
    pod.spec?.initContainers?.find((x) => x.name === name);
  if (!c) throw new Error(`container ${name} not found`);
  return c;
}

/**
 * The value of a resourceFieldRef: ceil(quantity / divisor). `container` is the default for env
 * vars (their refs may omit containerName); volume refs name theirs. Limits not set (or zero)
 * fall back to the node's allocatable, as the kubelet's MergeContainerResourceLimits does;
 * requests not set fall back to the container's own limits, as API defaulting does.
 */
export function resourceFieldValue(
  pod: Pod,
  container: Container | undefined,
  ref: ResourceFieldSelector,
  nodeAllocatable: Readonly<Record<string, string>>,
): string {
  const target = ref.containerName ? findContainer(pod, ref.containerName) : container;
  if (!target) throw new Error('resourceFieldRef needs a containerName');
  const limits: Record<string, string | number> = { ...(target.resources?.limits ?? {}) };
  const requests: Record<string, string | number> = { ...(target.resources?.requests ?? {}) };
  for (const name of Object.keys(limits)) if (!(name in requests)) requests[name] = limits[name];
  for (const name of ALLOCATABLE_DEFAULTED) {
    const current = limits[name];
    if ((current === undefined || isZero(current)) && nodeAllocatable[name] !== undefined) {
      limits[name] = nodeAllocatable[name];
    }
  }
  const dot = ref.resource.indexOf('.');
  const kind = ref.resource.slice(0, dot);
  const name = ref.resource.slice(dot + 1);
  const builtin = ALLOCATABLE_DEFAULTED.includes(name);
  if (dot < 0 || (kind !== 'limits' && kind !== 'requests') || (!builtin && !name.startsWith('hugepages-'))) {
    throw new Error(`unsupported container resource : ${ref.resource}`);
  }
  const list = kind === 'limits' ? limits : requests;
  return divideCeil(list[name], ref.divisor as string | number | undefined);
}
