/**
 * discovery.k8s.io/v1 EndpointSlice: port defaults, ValidateEndpointSlice (address type, addresses
 * of that type, ports, limits) with an immutable addressType, and kubectl's endpointslice table.
 */
import { isIP } from 'node:net';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import type { KObject } from '../../api/object.js';
import { validateImmutable } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  duplicate,
  invalid,
  invalidEach,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidPortName,
  notSupported,
  required,
  tooMany,
  validatePortNumber,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MAX_ENDPOINTS = 1000;
const MAX_PORTS = 100;
const MAX_ADDRESSES = 100;

function validateAddress(address: string, type: string | undefined, field: string): FieldError[] {
  switch (type) {
    case 'IPv4':
      return isIP(address) === 4 ? [] : [invalid(field, address, 'must be a valid IPv4 address')];
    case 'IPv6':
      return isIP(address) === 6 ? [] : [invalid(field, address, 'must be a valid IPv6 address')];
    case 'FQDN':
      return invalidEach(field, address, isDNS1123Subdomain(address));
    default:
      return [];
  }
}

function validateEndpoints(endpoints: Endpoint[], type: string | undefined): FieldError[] {
  if (endpoints.length > MAX_ENDPOINTS) return [tooMany('endpoints', endpoints.length, MAX_ENDPOINTS)];
  const errs: FieldError[] = [];
  endpoints.forEach((ep, i) => {
    const f = `endpoints[${i}]`;
    const addresses = ep.addresses ?? [];
    if (addresses.length === 0) errs.push(required(`${f}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES)
      errs.push(tooMany(`${f}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      errs.push(...validateAddress(a, type, `${f}.addresses[${j}]`));
    });
    if (ep.hostname) errs.push(...invalidEach(`${f}.hostname`, ep.hostname, isDNS1123Label(ep.hostname)));
    if (ep.nodeName) errs.push(...invalidEach(`${f}.nodeName`, ep.nodeName, isDNS1123Subdomain(ep.nodeName)));
  });
  return errs;
}

function validatePorts(ports: EndpointPort[]): FieldError[] {
  if (ports.length > MAX_PORTS) return [tooMany('ports', ports.length, MAX_PORTS)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const f = `ports[${i}]`;
    const name = p.name ?? '';
    if (name !== '') errs.push(...invalidEach(`${f}.name`, name, isValidPortName(name)));
    if (names.has(name)) errs.push(duplicate(`${f}.name`, name));
    names.add(name);
    if (!p.protocol) errs.push(required(`${f}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol)) errs.push(notSupported(`${f}.protocol`, p.protocol, PROTOCOLS));
    if (p.port !== undefined && p.port !== null) errs.push(...validatePortNumber(p.port, `${f}.port`));
  });
  return errs;
}

function validateEndpointSlice(obj: KObject): FieldError[] {
  const es = obj as unknown as EndpointSlice;
  const errs = [...validateObjectMeta(obj)];
  if (!es.addressType) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(es.addressType)) {
    errs.push(notSupported('addressType', es.addressType, ADDRESS_TYPES));
  }
  errs.push(...validateEndpoints(es.endpoints ?? [], es.addressType), ...validatePorts(es.ports ?? []));
  return errs;
}

/** kubectl's "first three, then + N more..." list, "<unset>" when empty. */
function listWithMore(items: string[]): string {
  const max = 3;
  if (items.length === 0) return '<unset>';
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

function endpointSliceRow(obj: KObject, now: Date): unknown[] {
  const es = obj as unknown as EndpointSlice;
  const ports = (es.ports ?? []).map((p) =>
    p.port != null ? String(p.port) : p.name != null ? p.name : '*',
  );
  const addresses = (es.endpoints ?? []).flatMap((e) => e.addresses ?? []);
  return [
    es.metadata?.name,
    es.addressType,
    listWithMore(ports),
    listWithMore(addresses),
    humanAge(es.metadata?.creationTimestamp, now),
  ];
}

/** discovery.k8s.io/v1 endpointslices. */
export const endpointSliceStrategy: ResourceStrategy = {
  group: 'discovery.k8s.io',
  version: 'v1',
  kind: 'EndpointSlice',
  resource: 'endpointslices',
  singularName: 'endpointslice',
  namespaced: true,
  defaults: (obj) => {
    for (const p of (obj as unknown as EndpointSlice).ports ?? []) {
      p.name ??= '';
      p.protocol ??= 'TCP';
    }
  },
  validate: validateEndpointSlice,
  validateUpdate: (obj, old) => validateImmutable(obj.addressType, old.addressType, 'addressType'),
  columns: [
    NAME_COLUMN,
    column('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.'),
    column('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.'),
    column('Endpoints', 'endpoints is a list of unique endpoints in this slice.'),
    AGE_COLUMN,
  ],
  row: endpointSliceRow,
};
