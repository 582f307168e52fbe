/**
 * networking.k8s.io/v1 NetworkPolicy: policyTypes and port-protocol defaults, ValidateNetworkPolicy
 * (peers, ports and port ranges, IP blocks), and kubectl's POD-SELECTOR table.
 */
import { isIP } from 'node:net';
import type {
  IPBlock,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicySpec,
} from 'kubernetes-types/networking/v1.js';
import type { KObject } from '../../api/object.js';
import { specOf } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge, labelSelectorString } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  forbidden,
  invalid,
  invalidEach,
  isValidPortName,
  notSupported,
  required,
  validateLabelSelector,
  validatePortNumber,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const POLICY_TYPES = ['Egress', 'Ingress'];

/** A CIDR's address family (4 or 6), or 0 when it is not a CIDR. */
export function cidrFamily(cidr: string): 4 | 6 | 0 {
  const [addr, bits, extra] = cidr.split('/');
  if (extra !== undefined || bits === undefined || !/^[0-9]+$/.test(bits)) return 0;
  const family = isIP(addr);
  if (family === 0) return 0;
  return Number(bits) <= (family === 4 ? 32 : 128) ? (family as 4 | 6) : 0;
}

function validatePort(p: NetworkPolicyPort, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.protocol && !PROTOCOLS.includes(p.protocol))
    errs.push(notSupported(`${field}.protocol`, p.protocol, PROTOCOLS));
  if (typeof p.port === 'number') errs.push(...validatePortNumber(p.port, `${field}.port`));
  else if (typeof p.port === 'string')
    errs.push(...invalidEach(`${field}.port`, p.port, isValidPortName(p.port)));
  if (p.endPort !== undefined) {
    if (typeof p.port !== 'number') {
      errs.push(required(`${field}.port`, 'when endPort is specified'));
    } else if (p.endPort < p.port) {
      errs.push(invalid(`${field}.endPort`, p.endPort, 'must be greater than or equal to `port`'));
    } else {
      errs.push(...validatePortNumber(p.endPort, `${field}.endPort`));
    }
  }
  return errs;
}

function validateIPBlock(b: IPBlock, field: string): FieldError[] {
  if (!b.cidr) return [required(`${field}.cidr`)];
  const family = cidrFamily(b.cidr);
  if (family === 0)
    return [
      invalid(`${field}.cidr`, b.cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'),
    ];
  const errs: FieldError[] = [];
  (b.except ?? []).forEach((e, i) => {
    if (cidrFamily(e) === 0) {
      errs.push(
        invalid(
          `${field}.except[${i}]`,
          e,
          'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
        ),
      );
    } else if (Number(e.split('/')[1]) <= Number(b.cidr.split('/')[1]) || cidrFamily(e) !== family) {
      errs.push(invalid(`${field}.except[${i}]`, e, 'must be a strict subset of `cidr`'));
    }
  });
  return errs;
}

function validatePeer(peer: NetworkPolicyPeer, field: string): FieldError[] {
  const count = [peer.podSelector, peer.namespaceSelector, peer.ipBlock].filter(
    (x) => x !== undefined,
  ).length;
  if (count === 0) return [required(field, 'must specify a peer')];
  if (count > 1 && peer.ipBlock) return [forbidden(field, 'may not specify both ipBlock and another peer')];
  return [
    ...validateLabelSelector(peer.podSelector, `${field}.podSelector`),
    ...validateLabelSelector(peer.namespaceSelector, `${field}.namespaceSelector`),
    ...(peer.ipBlock ? validateIPBlock(peer.ipBlock, `${field}.ipBlock`) : []),
  ];
}

function validateRules(
  rules: Array<{ ports?: NetworkPolicyPort[]; peers?: NetworkPolicyPeer[] }>,
  field: string,
  peersKey: string,
): FieldError[] {
  const errs: FieldError[] = [];
  rules.forEach((r, i) => {
    (r.ports ?? []).forEach((p, j) => {
      errs.push(...validatePort(p, `${field}[${i}].ports[${j}]`));
    });
    (r.peers ?? []).forEach((p, j) => {
      errs.push(...validatePeer(p, `${field}[${i}].${peersKey}[${j}]`));
    });
  });
  return errs;
}

function validateNetworkPolicy(obj: KObject): FieldError[] {
  const spec = specOf<NetworkPolicySpec>(obj);
  const errs = [...validateObjectMeta(obj), ...validateLabelSelector(spec.podSelector, 'spec.podSelector')];
  const ingress = (spec.ingress ?? []).map((r) => ({ ports: r.ports, peers: r.from }));
  const egress = (spec.egress ?? []).map((r) => ({ ports: r.ports, peers: r.to }));
  errs.push(...validateRules(ingress, 'spec.ingress', 'from'), ...validateRules(egress, 'spec.egress', 'to'));
  const types = spec.policyTypes ?? [];
  types.forEach((t, i) => {
    if (!POLICY_TYPES.includes(t)) errs.push(notSupported(`spec.policyTypes[${i}]`, t, POLICY_TYPES));
  });
  if (types.length > 2) errs.push(forbidden('spec.policyTypes', 'may not specify more than two policyTypes'));
  return errs;
}

function defaultNetworkPolicy(obj: KObject): void {
  const spec = specOf<NetworkPolicySpec>(obj);
  spec.podSelector ??= {};
  if ((spec.policyTypes ?? []).length === 0) {
    spec.policyTypes = (spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
    for (const p of rule.ports ?? []) p.protocol ??= 'TCP';
  }
}

/** networking.k8s.io/v1 networkpolicies. */
export const networkPolicyStrategy: ResourceStrategy = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'NetworkPolicy',
  resource: 'networkpolicies',
  singularName: 'networkpolicy',
  namespaced: true,
  shortNames: ['netpol'],
  defaults: defaultNetworkPolicy,
  validate: validateNetworkPolicy,
  columns: [
    NAME_COLUMN,
    column('Pod-Selector', 'podSelector selects the pods to which this NetworkPolicy object applies.'),
    AGE_COLUMN,
  ],
  row: (obj, now) => {
    const np = obj as NetworkPolicy;
    return [
      np.metadata?.name,
      labelSelectorString(np.spec?.podSelector),
      humanAge(np.metadata?.creationTimestamp, now),
    ];
  },
};
