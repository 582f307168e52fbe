/**
 * core/v1 namespaces: cluster-scoped, DNS-1123 label names, the "kubernetes" finalizer and
 * Active phase on create, and the kubernetes.io/metadata.name label every namespace carries.
 */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalidEach, isDNS1123Label, isQualifiedName } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

/** The label the API server stamps on every namespace (immutable, equals the name). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function defaultNamespace(obj: KObject): void {
  if (!obj.metadata.name) return;
  obj.metadata.labels = { ...(obj.metadata.labels ?? {}), [NAMESPACE_NAME_LABEL]: obj.metadata.name };
}

function prepareForCreate(obj: KObject): void {
  const holder = obj as { spec?: Namespace['spec'] };
  holder.spec ??= {};
  const spec = holder.spec;
  const finalizers = spec.finalizers ?? [];
  if (!finalizers.includes('kubernetes')) finalizers.push('kubernetes');
  spec.finalizers = finalizers;
  (obj as { status?: unknown }).status = { phase: 'Active' };
}

function validateNamespace(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj);
  const finalizers = (obj as unknown as Namespace).spec?.finalizers ?? [];
  finalizers.forEach((f, i) => {
    errs.push(...invalidEach(`spec.finalizers[${i}]`, f, isQualifiedName(f)));
  });
  return errs;
}

/** The namespaces resource. */
export const namespacesStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'Namespace',
  resource: 'namespaces',
  singularName: 'namespace',
  namespaced: false,
  shortNames: ['ns'],
  hasStatus: true,
  extraSubresources: ['finalize'],
  defaults: defaultNamespace,
  prepareForCreate,
  validate: validateNamespace,
  validateName: isDNS1123Label,
  columns: [NAME_COLUMN, column('Status', 'The status of the namespace'), AGE_COLUMN],
  row: (obj, now) => [
    obj.metadata.name,
    (obj as unknown as Namespace).status?.phase ?? '',
    humanAge(obj.metadata.creationTimestamp, now),
  ],
  fieldSelectors: { 'status.phase': (o) => (o as unknown as Namespace).status?.phase ?? '' },
};
