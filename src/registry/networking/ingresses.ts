/**
 * networking.k8s.io/v1 Ingress: ValidateIngressSpec (rules, paths and path types, backends, TLS
 * hosts), the DefaultIngressClass admission step (an Ingress without a class gets the cluster's
 * default IngressClass), and kubectl's ingress table.
 */
import { isIP } from 'node:net';
import type {
  HTTPIngressPath,
  Ingress,
  IngressBackend,
  IngressClass,
  IngressSpec,
} from 'kubernetes-types/networking/v1.js';
import type { KObject } from '../../api/object.js';
import { resetStatus, specOf } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  invalid,
  invalidEach,
  isDNS1123Subdomain,
  isValidPortName,
  notSupported,
  regexError,
  required,
  validatePortNumber,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy, StrategyContext } from '../types.js';

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const DNS1035_FMT = '[a-z]([-a-z0-9]*[a-z0-9])?';

/** Annotation marking the IngressClass used for Ingresses that name none. */
export const DEFAULT_INGRESS_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** Service names are DNS-1035 labels (they become DNS names and environment variables). */
export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!new RegExp(`^${DNS1035_FMT}$`).test(v)) {
    const msg =
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
    errs.push(regexError(msg, DNS1035_FMT, 'my-name', 'abc-123'));
  }
  return errs;
}

/** A host: a DNS subdomain, optionally with a leading "*." wildcard, never an IP address. */
function validateHost(host: string, field: string): FieldError[] {
  if (isIP(host)) return [invalid(field, host, 'must be a DNS name, not an IP address')];
  if (host.startsWith('*.')) {
    const rest = isDNS1123Subdomain(host.slice(2));
    if (rest.length === 0) return [];
    const msg =
      "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
    return [
      invalid(
        field,
        host,
        regexError(
          msg,
          '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*',
          '*.example.com',
        ),
      ),
    ];
  }
  return invalidEach(field, host, isDNS1123Subdomain(host));
}

function validateBackend(b: IngressBackend, field: string): FieldError[] {
  if (b.resource && b.service) return [invalid(field, '', 'cannot set both resource and service backends')];
  if (b.resource) {
    const errs: FieldError[] = [];
    if (!b.resource.kind) errs.push(required(`${field}.resource.kind`));
    if (!b.resource.name) errs.push(required(`${field}.resource.name`));
    return errs;
  }
  if (!b.service) return [invalid(field, '', 'resource or service backend is required')];
  const errs: FieldError[] = [];
  const name = b.service.name;
  if (!name) errs.push(required(`${field}.service.name`));
  else errs.push(...invalidEach(`${field}.service.name`, name, isDNS1035Label(name)));
  const port = b.service.port ?? {};
  const hasName = Boolean(port.name);
  const hasNumber = Boolean(port.number);
  if (hasName && hasNumber) errs.push(invalid(field, '', 'cannot set both port name & port number'));
  else if (hasName)
    errs.push(...invalidEach(`${field}.service.port.name`, port.name, isValidPortName(port.name!)));
  else if (hasNumber) errs.push(...validatePortNumber(port.number, `${field}.service.port.number`));
  else errs.push(required(field, 'port name or number is required'));
  return errs;
}

function validatePath(p: HTTPIngressPath, field: string): FieldError[] {
  if (!p.pathType) return [required(`${field}.pathType`, 'pathType must be specified')];
  const errs: FieldError[] = [];
  const path = p.path ?? '';
  if (!PATH_TYPES.includes(p.pathType)) {
    errs.push(notSupported(`${field}.pathType`, p.pathType, PATH_TYPES));
  } else if (p.pathType !== 'ImplementationSpecific' || path !== '') {
    if (!path.startsWith('/')) errs.push(invalid(`${field}.path`, path, 'must be an absolute path'));
  }
  if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    for (const seq of INVALID_PATH_SEQUENCES) {
      if (path.includes(seq)) errs.push(invalid(`${field}.path`, path, `must not contain '${seq}'`));
    }
    for (const suffix of INVALID_PATH_SUFFIXES) {
      if (path.endsWith(suffix)) errs.push(invalid(`${field}.path`, path, `cannot end with '${suffix}'`));
    }
  }
  errs.push(...validateBackend(p.backend ?? {}, `${field}.backend`));
  return errs;
}

function validateRules(spec: IngressSpec): FieldError[] {
  const errs: FieldError[] = [];
  (spec.rules ?? []).forEach((rule, i) => {
    const f = `spec.rules[${i}]`;
    if (rule.host) errs.push(...validateHost(rule.host, `${f}.host`));
    if (!rule.http) return;
    const paths = rule.http.paths ?? [];
    if (paths.length === 0) errs.push(required(`${f}.http.paths`));
    paths.forEach((p, j) => {
      errs.push(...validatePath(p, `${f}.http.paths[${j}]`));
    });
  });
  return errs;
}

function validateIngress(obj: KObject): FieldError[] {
  const spec = specOf<IngressSpec>(obj);
  const errs = [...validateObjectMeta(obj)];
  if ((spec.rules ?? []).length === 0 && !spec.defaultBackend) {
    errs.push(invalid('spec', spec.rules ?? [], 'either `defaultBackend` or `rules` must be specified'));
  }
  if (spec.defaultBackend) errs.push(...validateBackend(spec.defaultBackend, 'spec.defaultBackend'));
  errs.push(...validateRules(spec));
  (spec.tls ?? []).forEach((tls, i) => {
    (tls.hosts ?? []).forEach((h, j) => {
      errs.push(...validateHost(h, `spec.tls[${i}].hosts[${j}]`));
    });
  });
  if (spec.ingressClassName) {
    errs.push(
      ...invalidEach(
        'spec.ingressClassName',
        spec.ingressClassName,
        isDNS1123Subdomain(spec.ingressClassName),
      ),
    );
  }
  return errs;
}

/** The newest IngressClass annotated as the default, as the DefaultIngressClass admission picks it. */
export function defaultIngressClass(classes: KObject[]): IngressClass | undefined {
  const defaults = (classes as unknown as IngressClass[]).filter(
    (c) => c.metadata?.annotations?.[DEFAULT_INGRESS_CLASS_ANNOTATION] === 'true',
  );
  defaults.sort((a, b) =>
    (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? ''),
  );
  return defaults[0];
}

function prepareIngressForCreate(obj: KObject, ctx: StrategyContext): void {
  resetStatus(obj, { loadBalancer: {} });
  const spec = specOf<IngressSpec>(obj);
  // The legacy annotation already picks a controller; the admission plugin leaves those alone.
  if (spec.ingressClassName || obj.metadata.annotations?.['kubernetes.io/ingress.class']) return;
  const name = defaultIngressClass(ctx.list('networking.k8s.io/ingressclasses'))?.metadata?.name;
  if (name) spec.ingressClassName = name;
}

/** "80" or "80, 443" when TLS is configured, as kubectl prints PORTS. */
function portsCell(ing: Ingress): string {
  return (ing.spec?.tls ?? []).length > 0 ? '80, 443' : '80';
}

function hostsCell(ing: Ingress): string {
  const rules = ing.spec?.rules ?? [];
  const max = 3;
  const hosts: string[] = [];
  let more = false;
  for (const r of rules) {
    if (hosts.length === max) more = true;
    if (!more && r.host) hosts.push(r.host);
  }
  if (hosts.length === 0) return '*';
  return more ? `${hosts.join(',')} + ${rules.length - max} more...` : hosts.join(',');
}

/** ADDRESS: distinct IPs (or hostnames) sorted, clipped to 16 characters as kubectl does without -o wide. */
function addressCell(ing: Ingress): string {
  const set = new Set<string>();
  for (const lb of ing.status?.loadBalancer?.ingress ?? []) {
    if (lb.ip) set.add(lb.ip);
    else if (lb.hostname) set.add(lb.hostname);
  }
  const s = [...set].sort().join(',');
  return s.length > 16 ? `${s.slice(0, 13)}...` : s;
}

/** networking.k8s.io/v1 ingresses. */
export const ingressStrategy: ResourceStrategy = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'Ingress',
  resource: 'ingresses',
  singularName: 'ingress',
  namespaced: true,
  shortNames: ['ing'],
  hasStatus: true,
  prepareForCreate: prepareIngressForCreate,
  validate: validateIngress,
  columns: [
    NAME_COLUMN,
    column('Class', 'The name of the IngressClass resource that should be used for additional configuration'),
    column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
    column('Address', 'Address is a list containing ingress points for the load-balancer'),
    column('Ports', 'Ports of TLS configurations that open'),
    AGE_COLUMN,
  ],
  row: (obj, now) => {
    const ing = obj as Ingress;
    return [
      ing.metadata?.name,
      ing.spec?.ingressClassName ?? '<none>',
      hostsCell(ing),
      addressCell(ing),
      portsCell(ing),
      humanAge(ing.metadata?.creationTimestamp, now),
    ];
  },
};
