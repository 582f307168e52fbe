/**
 * core/v1 nodes: cluster-scoped, status subresource, taint validation, podCIDR/providerID
 * immutability, and kubectl's node columns (STATUS from the Ready condition, ROLES from labels).
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  forbidden,
  invalidEach,
  isQualifiedName,
  isValidLabelValue,
  notSupported,
  required,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const ROLE_PREFIX = 'node-role.kubernetes.io/';
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function asNode(obj: KObject): Node {
  return obj as unknown as Node;
}

/** Roles from node-role.kubernetes.io/<role> keys and the legacy kubernetes.io/role label, sorted. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort();
}

/** STATUS cell: Ready / NotReady / Unknown, plus ",SchedulingDisabled" when cordoned. */
export function nodeStatus(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function validateNode(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj);
  (asNode(obj).spec?.taints ?? []).forEach((t, i) => {
    const f = `spec.taints[${i}]`;
    if (!t.key) errs.push(required(`${f}.key`));
    else errs.push(...invalidEach(`${f}.key`, t.key, isQualifiedName(t.key)));
    if (t.value) errs.push(...invalidEach(`${f}.value`, t.value, isValidLabelValue(t.value)));
    if (!t.effect) errs.push(required(`${f}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect))
      errs.push(notSupported(`${f}.effect`, t.effect, TAINT_EFFECTS));
  });
  return errs;
}

function validateNodeUpdate(obj: KObject, old: KObject): FieldError[] {
  const s = asNode(obj).spec ?? {};
  const o = asNode(old).spec ?? {};
  const errs: FieldError[] = [];
  const oldCIDRs = o.podCIDRs ?? (o.podCIDR ? [o.podCIDR] : []);
  const newCIDRs = s.podCIDRs ?? (s.podCIDR ? [s.podCIDR] : []);
  if (oldCIDRs.length && JSON.stringify(oldCIDRs) !== JSON.stringify(newCIDRs)) {
    errs.push(forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (o.providerID && s.providerID !== o.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}

function address(node: Node, type: string): string {
  return (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? '<none>';
}

function nodeRow(obj: KObject, now: Date): unknown[] {
  const node = asNode(obj);
  const info = node.status?.nodeInfo;
  const roles = nodeRoles(node);
  return [
    obj.metadata.name,
    nodeStatus(node),
    roles.length ? roles.join(',') : '<none>',
    humanAge(obj.metadata.creationTimestamp, now),
    info?.kubeletVersion ?? '',
    address(node, 'InternalIP'),
    address(node, 'ExternalIP'),
    info?.osImage || '<unknown>',
    info?.kernelVersion || '<unknown>',
    info?.containerRuntimeVersion || '<unknown>',
  ];
}

/** The nodes resource. */
export const nodesStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'Node',
  resource: 'nodes',
  singularName: 'node',
  namespaced: false,
  shortNames: ['no'],
  hasStatus: true,
  extraSubresources: ['proxy'],
  defaults: (obj) => {
    const node = asNode(obj);
    if (node.spec?.podCIDR && !node.spec.podCIDRs) node.spec.podCIDRs = [node.spec.podCIDR];
    const status = node.status as
      | { capacity?: Record<string, string>; allocatable?: Record<string, string> }
      | undefined;
    // SetDefaults_NodeStatus: allocatable defaults to capacity.
    if (status?.capacity && !status.allocatable) status.allocatable = { ...status.capacity };
  },
  validate: validateNode,
  validateUpdate: validateNodeUpdate,
  columns: [
    NAME_COLUMN,
    column('Status', 'The status of the node'),
    column('Roles', 'The roles of the node'),
    AGE_COLUMN,
    column('Version', 'Kubelet Version reported by the node.'),
    column('Internal-IP', 'List of addresses reachable to the node.', { wide: true }),
    column('External-IP', 'List of addresses reachable to the node.', { wide: true }),
    column(
      'OS-Image',
      'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      { wide: true },
    ),
    column(
      'Kernel-Version',
      "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      { wide: true },
    ),
    column(
      'Container-Runtime',
      'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      { wide: true },
    ),
  ],
  row: nodeRow,
  fieldSelectors: { 'spec.unschedulable': (o) => String(asNode(o).spec?.unschedulable ?? false) },
};
