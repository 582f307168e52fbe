/**
 * core/v1 endpoints: address and port validation, and the ENDPOINTS cell kubectl prints
 * ("10.42.0.5:80,10.42.0.6:80 + 1 more...").
 */
import type { Endpoints } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  invalid,
  invalidEach,
  isDNS1123Label,
  isIPv4,
  notSupported,
  required,
  validatePortNumber,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const SHOWN = 3;

/** kubectl's formatEndpoints: up to three ip:port pairs, then "+ N more...". */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let count = 0;
  const add = (s: string) => {
    if (list.length < SHOWN) list.push(s);
  };
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports?.length) {
      count += addrs.length;
      for (const a of addrs) add(a.ip);
      continue;
    }
    for (const p of ss.ports) {
      count += addrs.length;
      for (const a of addrs) add(`${a.ip}:${p.port}`);
    }
  }
  const joined = list.join(',');
  return count > SHOWN ? `${joined} + ${count - SHOWN} more...` : joined;
}

function validateEndpoints(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj);
  ((obj as unknown as Endpoints).subsets ?? []).forEach((ss, i) => {
    const f = `subsets[${i}]`;
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      (ss[key] ?? []).forEach((a, j) => {
        if (!a.ip) errs.push(required(`${f}.${key}[${j}].ip`));
        else if (!isIPv4(a.ip))
          errs.push(invalid(`${f}.${key}[${j}].ip`, a.ip, 'must be a valid IP address'));
      });
    }
    (ss.ports ?? []).forEach((p, j) => {
      const pf = `${f}.ports[${j}]`;
      if (p.name) errs.push(...invalidEach(`${pf}.name`, p.name, isDNS1123Label(p.name)));
      errs.push(...validatePortNumber(p.port, `${pf}.port`));
      if (p.protocol && !['SCTP', 'TCP', 'UDP'].includes(p.protocol)) {
        errs.push(notSupported(`${pf}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
      }
    });
  });
  return errs;
}

/** The endpoints resource. */
export const endpointsStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'Endpoints',
  resource: 'endpoints',
  singularName: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  defaults: (obj) => {
    for (const ss of (obj as unknown as Endpoints).subsets ?? [])
      for (const p of ss.ports ?? []) p.protocol ??= 'TCP';
  },
  validate: validateEndpoints,
  columns: [
    NAME_COLUMN,
    column('Endpoints', 'The set of all endpoints is the union of all subsets.'),
    AGE_COLUMN,
  ],
  row: (obj, now) => [
    obj.metadata.name,
    formatEndpoints(obj as unknown as Endpoints),
    humanAge(obj.metadata.creationTimestamp, now),
  ],
};
