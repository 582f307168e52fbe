/**
 * networking.k8s.io/v1 IngressClass (cluster-scoped): which controller implements a class of
 * Ingresses, with optional parameters. The controller is fixed once set.
 */
import type { IngressClass, IngressClassSpec } from 'kubernetes-types/networking/v1.js';
import type { KObject } from '../../api/object.js';
import { specOf, validateImmutable } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  forbidden,
  invalid,
  invalidEach,
  isDNS1123Subdomain,
  notSupported,
  required,
  tooLong,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

const MAX_CONTROLLER_LENGTH = 250;
const SCOPES = ['Cluster', 'Namespace'];

/** IsDomainPrefixedPath: "example.com/ingress-controller". */
function validateController(controller: string | undefined): FieldError[] {
  const f = 'spec.controller';
  if (!controller) return [required(f)];
  if (controller.length > MAX_CONTROLLER_LENGTH) return [tooLong(f, MAX_CONTROLLER_LENGTH)];
  const slash = controller.indexOf('/');
  if (slash < 0) return [invalid(f, controller, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const errs = invalidEach(f, controller.slice(0, slash), isDNS1123Subdomain(controller.slice(0, slash)));
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(controller.slice(slash))) {
    errs.push(invalid(f, controller, 'must be a valid path'));
  }
  return errs;
}

function validateParameters(spec: IngressClassSpec): FieldError[] {
  const p = spec.parameters;
  if (!p) return [];
  const f = 'spec.parameters';
  const errs: FieldError[] = [];
  if (!p.kind) errs.push(required(`${f}.kind`));
  if (!p.name) errs.push(required(`${f}.name`));
  if (p.scope && !SCOPES.includes(p.scope)) errs.push(notSupported(`${f}.scope`, p.scope, SCOPES));
  if (p.scope === 'Namespace' && !p.namespace) {
    errs.push(required(`${f}.namespace`, '`parameters.scope` is set to Namespace'));
  }
  if (p.scope === 'Cluster' && p.namespace) {
    errs.push(forbidden(`${f}.namespace`, '`parameters.scope` is set to Cluster'));
  }
  return errs;
}

function parametersCell(c: IngressClass): string {
  const p = c.spec?.parameters;
  if (!p) return '<none>';
  return `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}`;
}

/** networking.k8s.io/v1 ingressclasses. */
export const ingressClassStrategy: ResourceStrategy = {
  group: 'networking.k8s.io',
  version: 'v1',
  kind: 'IngressClass',
  resource: 'ingressclasses',
  singularName: 'ingressclass',
  namespaced: false,
  defaults: (obj) => {
    const p = specOf<IngressClassSpec>(obj).parameters;
    if (p) p.scope ??= 'Cluster';
  },
  validate: (obj: KObject) => {
    const spec = specOf<IngressClassSpec>(obj);
    return [...validateObjectMeta(obj), ...validateController(spec.controller), ...validateParameters(spec)];
  },
  validateUpdate: (obj, old) =>
    validateImmutable(
      specOf<IngressClassSpec>(obj).controller,
      specOf<IngressClassSpec>(old).controller,
      'spec.controller',
    ),
  columns: [
    NAME_COLUMN,
    column('Controller', 'Controller that is responsible for handling this class'),
    column('Parameters', 'A reference to a resource with additional parameters'),
    AGE_COLUMN,
  ],
  row: (obj, now) => {
    const c = obj as IngressClass;
    return [
      c.metadata?.name,
      c.spec?.controller ?? '',
      parametersCell(c),
      humanAge(c.metadata?.creationTimestamp, now),
    ];
  },
};
