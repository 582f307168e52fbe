/**
 * Table column builders: every resource's Table starts with the same "Name" column and most end
 * with "Age", with the descriptions the real API server sends.
 */
import type { TableColumn } from '../types.js';

/** The first column of nearly every Table (format "name" tells kubectl it is the object name). */
export const NAME_COLUMN: TableColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

/** The AGE column, whose cells are humanAge(creationTimestamp). */
export const AGE_COLUMN: TableColumn = {
  name: 'Age',
  type: 'string',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
};

/** A column; `wide` ones appear only with `kubectl get -o wide`. */
export function column(
  name: string,
  description: string,
  opts: { type?: TableColumn['type']; wide?: boolean } = {},
): TableColumn {
  return { name, type: opts.type ?? 'string', description, priority: opts.wide ? 1 : 0 };
}
