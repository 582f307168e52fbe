/**
 * apps/v1 ControllerRevision: the immutable snapshots DaemonSets and StatefulSets keep of their
 * templates. `data` never changes after creation; `revision` may, because the history controllers
 * renumber an existing snapshot when a rollback makes it current again.
 */
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { required, validateNonnegative } from '../common/validation.js';
import type { ResourceStrategy } from '../types.js';
import { validateImmutable } from './workload.js';

/** "daemonset.apps/web" for the controlling owner, as kubectl's formatResourceName prints it. */
function controllerName(obj: KObject): string {
  const ref = obj.metadata.ownerReferences?.find((r: OwnerReference) => r.controller);
  if (!ref) return '<none>';
  const slash = ref.apiVersion.indexOf('/');
  const group = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  const kind = group ? `${ref.kind}.${group}` : ref.kind;
  return `${kind.toLowerCase()}/${ref.name}`;
}

/** apps/v1 controllerrevisions. */
export const controllerRevisionStrategy: ResourceStrategy = {
  group: 'apps',
  version: 'v1',
  kind: 'ControllerRevision',
  resource: 'controllerrevisions',
  singularName: 'controllerrevision',
  namespaced: true,
  validate: (obj) => {
    const cr = obj as unknown as ControllerRevision;
    const errs = [...validateObjectMeta(obj), ...validateNonnegative(cr.revision, 'revision')];
    if (cr.data === undefined || cr.data === null) errs.push(required('data', 'data is mandatory'));
    if (typeof cr.revision !== 'number') errs.push(required('revision'));
    return errs;
  },
  validateUpdate: (obj, old) => validateImmutable(obj.data, old.data, 'data'),
  columns: [
    NAME_COLUMN,
    column('Controller', 'Controller of the object'),
    column('Revision', 'Revision indicates the revision of the state represented by Data.'),
    AGE_COLUMN,
  ],
  row: (obj, now) => [
    obj.metadata.name,
    controllerName(obj),
    (obj as unknown as ControllerRevision).revision ?? 0,
    humanAge(obj.metadata.creationTimestamp, now),
  ],
};
