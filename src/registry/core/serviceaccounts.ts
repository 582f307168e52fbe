/**
 * core/v1 serviceaccounts: a plain namespaced object; the SECRETS column counts listed secrets.
 */
import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalidEach, isDNS1123Subdomain } from '../common/validation.js';
import type { FieldError, ResourceStrategy } from '../types.js';

function validateServiceAccount(obj: KObject): FieldError[] {
  const sa = obj as unknown as ServiceAccount;
  const errs = validateObjectMeta(obj);
  (sa.imagePullSecrets ?? []).forEach((r, i) => {
    errs.push(...invalidEach(`imagePullSecrets[${i}].name`, r.name ?? '', isDNS1123Subdomain(r.name ?? '')));
  });
  return errs;
}

/** The serviceaccounts resource (token subresource served by the API server). */
export const serviceAccountsStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  resource: 'serviceaccounts',
  singularName: 'serviceaccount',
  namespaced: true,
  shortNames: ['sa'],
  extraSubresources: ['token'],
  validate: validateServiceAccount,
  columns: [
    NAME_COLUMN,
    column(
      'Secrets',
      'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.',
    ),
    AGE_COLUMN,
  ],
  row: (obj, now) => [
    obj.metadata.name,
    ((obj as unknown as ServiceAccount).secrets ?? []).length,
    humanAge(obj.metadata.creationTimestamp, now),
  ],
};
