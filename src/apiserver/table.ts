/**
 * Server-side printing: meta.k8s.io/v1 Table responses, which `kubectl get` asks for with
 * `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Columns and cells come from the
 * resource's strategy; kinds without columns get NAME and AGE, as Kubernetes' default printer.
 */
import type { KObject } from '../api/object.js';
import { humanAge } from '../registry/common/format.js';
import type { ResourceStrategy, TableColumn } from '../registry/types.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** What the client asked the response to be. */
export type ResponseShape = 'object' | 'table' | 'partial-metadata';

const defaultColumns: TableColumn[] = [
  {
    name: 'Name',
    type: 'string',
    format: 'name',
    description: 'Name must be unique within a namespace.',
    priority: 0,
  },
  {
    name: 'Age',
    type: 'string',
    format: '',
    description:
      'CreationTimestamp is a timestamp representing the server time when this object was created.',
    priority: 0,
  },
];

/** Picks the response shape from an Accept header; undefined when nothing acceptable is offered. */
export function negotiate(accept: string | undefined): ResponseShape | undefined {
  if (!accept) return 'object';
  let fallback: ResponseShape | undefined;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim())));
    const jsonish =
      type === 'application/json' ||
      type === 'application/yaml' ||
      type === '*/*' ||
      type === 'application/*';
    if (!jsonish) continue;
    if (p.as === 'Table' && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) return 'table';
    if ((p.as === 'PartialObjectMetadata' || p.as === 'PartialObjectMetadataList') && p.g === 'meta.k8s.io') {
      return 'partial-metadata';
    }
    if (!p.as) fallback ??= 'object';
  }
  return fallback;
}

export function columnsOf(strategy: ResourceStrategy): TableColumn[] {
  return strategy.columns ?? defaultColumns;
}

function cellsOf(strategy: ResourceStrategy, obj: KObject, now: Date): unknown[] {
  if (strategy.row) return strategy.row(obj, now);
  return [obj.metadata.name, humanAge(obj.metadata.creationTimestamp, now)];
}

/** The metadata-only form of an object (PartialObjectMetadata). */
export function partialMetadata(obj: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

/** A Table row for one object, embedding the object as asked. */
export function tableRow(
  strategy: ResourceStrategy,
  obj: KObject,
  include: IncludeObject,
  now: Date,
): object {
  const row: Record<string, unknown> = { cells: cellsOf(strategy, obj, now) };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = partialMetadata(obj);
  return row;
}

/** A whole Table for a list of objects. */
export function toTable(
  strategy: ResourceStrategy,
  objects: KObject[],
  listMeta: Record<string, unknown>,
  include: IncludeObject,
  now: Date,
): object {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: columnsOf(strategy).map((c) => ({ format: '', ...c })),
    rows: objects.map((o) => tableRow(strategy, o, include, now)),
  };
}

export function parseIncludeObject(value: string | null): IncludeObject {
  return value === 'None' || value === 'Object' ? value : 'Metadata';
}
