/**
 * What the API server needs to know about one resource: its names (for routing and discovery),
 * its defaulting and validation, its table columns and field selectors, its subresources.
 * One module per resource under registry/<group>/ exports a ResourceStrategy; registry/index.ts
 * lists them all. Generic behaviour (uid, resourceVersion, generation, finalizers, status
 * subresource semantics) lives in the API server, not here.
 */
import type { KObject } from '../api/object.js';

/** Kinds of field errors, as apimachinery's field.ErrorType reasons. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany';

/** One validation failure, reported as a StatusCause in a 422 Invalid. */
export interface FieldError {
  type: FieldErrorType;
  /** JSON path as Kubernetes prints it: "spec.template.spec.containers[0].image". */
  field: string;
  /** Kubernetes' wording, e.g. `Required value` or `Invalid value: "x": must be ...`. */
  message: string;
}

/** A column of a meta.k8s.io/v1 Table. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** "name" for the NAME column. */
  format?: string;
  description: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority: number;
}

/** The authenticated user a request is served for (apiserver's user.Info). */
export interface RequestUser {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** Read-only view of the cluster a strategy may consult (served from the watch cache). */
export interface StrategyContext {
  now(): Date;
  /**
   * The user whose request is being served, on creates that came over HTTP (unset for the
   * server's own writes). CertificateSigningRequests record it as their requestor.
   */
  user?: RequestUser;
  /** On updates, the subresource written ("status", "approval", ...); unset for the object itself. */
  subresource?: string;
  /** All objects of a resource, by "resource" (core) or "group/resource", e.g. "services", "apps/deployments". */
  list(resource: string): KObject[];
  /** Server configuration a strategy may need (service CIDR, NodePort range). */
  config: {
    serviceCIDR: string;
    nodePortRange: [number, number];
    /** tolerationSeconds of the default not-ready/unreachable tolerations (Kubernetes: 300). */
    defaultNotReadyTolerationSeconds?: number;
    defaultUnreachableTolerationSeconds?: number;
  };
}

/** How a resource maps to autoscaling/v1 Scale for its `scale` subresource. */
export interface ScaleAdapter {
  specReplicas(obj: KObject): number;
  setSpecReplicas(obj: KObject, replicas: number): void;
  statusReplicas(obj: KObject): number;
  /** Label selector as a string, e.g. "app=web", for Scale.status.selector. */
  selector(obj: KObject): string;
}

export interface ResourceStrategy {
  /** "" for the core group. */
  group: string;
  version: string;
  kind: string;
  /** Plural resource name used in paths: "deployments". */
  resource: string;
  singularName: string;
  namespaced: boolean;
  shortNames?: string[];
  /** e.g. ["all"] so `kubectl get all` includes it. */
  categories?: string[];
  /** Verbs served for the main resource; default all eight. */
  verbs?: string[];
  /** Has a `status` subresource: main updates keep the old status, status updates keep the rest. */
  hasStatus?: boolean;
  /** Has a `scale` subresource. */
  scale?: ScaleAdapter;
  /** Names of other subresources served (e.g. "binding", "eviction", "log"); routing is the API server's. */
  extraSubresources?: string[];

  /** Fill defaults as Kubernetes does (on create and on update). Mutates obj. */
  defaults?(obj: KObject): void;
  /** Create-only preparation: clear status, allocate (ClusterIP, NodePort), merge stringData. */
  prepareForCreate?(obj: KObject, ctx: StrategyContext): void;
  /** Update-only preparation (old is the stored object). */
  prepareForUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): void;
  /** Validation of the whole object (name format is checked generically). */
  validate?(obj: KObject, ctx: StrategyContext): FieldError[];
  /** Extra checks on update, such as immutable fields. */
  validateUpdate?(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[];
  /**
   * Name validation; default DNS-1123 subdomain. Return error messages (empty when valid).
   * Namespaces and services use DNS-1123 labels.
   */
  validateName?(name: string): string[];

  /** Table columns including the first "Name" column; defaults to Name and Age. */
  columns?: TableColumn[];
  /** Cells for one object, same order as columns. */
  row?(obj: KObject, now: Date): unknown[];
  /**
   * Field selectors beyond metadata.name and metadata.namespace (which are generic):
   * field path -> value extractor. e.g. {"spec.nodeName": (p) => p.spec?.nodeName ?? ""}.
   */
  fieldSelectors?: Record<string, (obj: KObject) => string>;
}
