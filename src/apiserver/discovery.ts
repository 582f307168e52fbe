/**
 * Discovery documents: /api, /apis, /api/v1, /apis/<group>/<version>, and /version. kubectl's
 * RESTMapper builds from these (singularName, shortNames, categories for `get all`), and
 * `kubectl drain` looks for pods/eviction here.
 */
import type { ResourceStrategy } from '../registry/types.js';

const allVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** Subresources this server implements, with the kind and verbs discovery advertises for each. */
const subresourceInfo: Record<string, { kind?: string; group?: string; version?: string; verbs: string[] }> =
  {
    status: { verbs: ['get', 'patch', 'update'] },
    scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
    binding: { kind: 'Binding', verbs: ['create'] },
    eviction: { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    finalize: { verbs: ['update'] },
    approval: { verbs: ['get', 'patch', 'update'] },
  };

export interface GroupVersion {
  group: string;
  version: string;
  resources: ResourceStrategy[];
}

/** Groups resources by group/version, in registry order. */
export function groupVersions(strategies: ResourceStrategy[]): GroupVersion[] {
  const map = new Map<string, GroupVersion>();
  for (const s of strategies) {
    const key = `${s.group}/${s.version}`;
    let gv = map.get(key);
    if (!gv) {
      gv = { group: s.group, version: s.version, resources: [] };
      map.set(key, gv);
    }
    gv.resources.push(s);
  }
  return [...map.values()];
}

function subresourcesOf(s: ResourceStrategy): string[] {
  const out: string[] = [];
  if (s.hasStatus) out.push('status');
  if (s.scale) out.push('scale');
  for (const extra of s.extraSubresources ?? []) if (extra in subresourceInfo) out.push(extra);
  return out;
}

/** The APIResourceList of one group-version. */
export function resourceList(gv: GroupVersion): object {
  const groupVersion = gv.group ? `${gv.group}/${gv.version}` : gv.version;
  const resources: object[] = [];
  for (const s of gv.resources) {
    const entry: Record<string, unknown> = {
      name: s.resource,
      singularName: s.singularName,
      namespaced: s.namespaced,
      kind: s.kind,
      verbs: s.verbs ?? allVerbs,
    };
    if (s.shortNames?.length) entry.shortNames = s.shortNames;
    if (s.categories?.length) entry.categories = s.categories;
    resources.push(entry);
    for (const sub of subresourcesOf(s)) {
      const info = subresourceInfo[sub];
      const subEntry: Record<string, unknown> = {
        name: `${s.resource}/${sub}`,
        singularName: '',
        namespaced: s.namespaced,
        kind: info.kind ?? s.kind,
        verbs: info.verbs,
      };
      if (info.group !== undefined) {
        subEntry.group = info.group;
        subEntry.version = info.version;
      }
      resources.push(subEntry);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion, resources };
}

/** /api */
export function coreVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** Preferred version per group: the first listed (registry order puts the stable one first). */
function groupList(gvs: GroupVersion[]): Array<{ name: string; versions: string[] }> {
  const groups = new Map<string, string[]>();
  for (const gv of gvs) {
    if (!gv.group) continue;
    const versions = groups.get(gv.group) ?? [];
    versions.push(gv.version);
    groups.set(gv.group, versions);
  }
  return [...groups].map(([name, versions]) => ({ name, versions }));
}

/** /apis */
export function apiGroupList(gvs: GroupVersion[]): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groupList(gvs).map(({ name, versions }) => apiGroup(name, versions)),
  };
}

function apiGroup(name: string, versions: string[]): object {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** /apis/<group> */
export function apiGroupDocument(gvs: GroupVersion[], group: string): object | undefined {
  const found = groupList(gvs).find((g) => g.name === group);
  if (!found) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found.name, found.versions) };
}

/** /version: kubectl compares the minor version with its own for the skew warning. */
export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-skiff',
    gitCommit: '',
    gitTreeState: 'clean',
    buildDate: '2026-11-27T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}
