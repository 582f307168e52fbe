/**
 * The generic write path every resource shares (apiserver's genericregistry.Store): metadata
 * semantics (uid, resourceVersion, generation, creationTimestamp, generateName), the status
 * subresource split, optimistic concurrency, finalizers and graceful deletion. Kind-specific
 * rules come from the resource's strategy.
 */
import { randomUUID } from 'node:crypto';
import { cloneJSON } from '../api/clone.js';
import { deepEqual } from '../api/deep-equal.js';
import { type ApiError, errors, type StatusCause } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type { FieldError, RequestUser, StrategyContext } from '../registry/types.js';
import { type KV, type Store, StoreError } from '../storage/store.js';
import { dns1123SubdomainErrors, generateName, pathSegmentErrors } from './names.js';
import { objectKey, type ServedResource } from './served-resource.js';
import { type CachedObject, decodeKV } from './watch-cache.js';

export interface WriteOptions {
  dryRun?: boolean;
  /** Who asked (HTTP creates): strategies see it as ctx.user (a CSR's requestor). */
  user?: RequestUser;
}

export interface UpdateOptions extends WriteOptions {
  /** Which subresource is written: status, finalize, binding (or the object itself). */
  subresource?: string;
  /** A patch: re-applied on write conflicts instead of failing (see update()). */
  patch?: boolean;
}

export interface DeleteOptions extends WriteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  gracePeriodSeconds?: number;
  propagationPolicy?: string;
  /** The deprecated form of propagationPolicy=Orphan. */
  orphanDependents?: boolean;
}

export interface DeleteResult {
  object: CachedObject;
  /** False when deletion waits (finalizers or a graceful period). */
  deleted: boolean;
}

/** Checks namespaces exist and are not terminating before anything is created in them. */
export type NamespaceGuard = (namespace: string) => void;

const conflictMessage =
  'the object has been modified; please apply your changes to the latest version and try again';

function toCauses(errs: FieldError[]): StatusCause[] {
  return errs.map((e) => ({ reason: e.type, message: e.message, field: e.field }));
}

/** Metadata collections Go's omitempty drops when empty; clients expect them absent. */
const omitWhenEmpty = ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields'] as const;

/** Strips what never goes to the store: the resourceVersion is the store's modRevision. */
function encode(obj: KObject): string {
  for (const field of omitWhenEmpty) {
    const value = obj.metadata[field] as object | undefined;
    if (value && Object.keys(value).length === 0) delete obj.metadata[field];
  }
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  const { metadata: _m, ...body } = obj;
  // metadata goes last, so the watch cache can splice the resourceVersion in as text
  // (WatchCache.prime) instead of parsing and re-serializing what this server just wrote.
  return JSON.stringify({ ...body, metadata });
}

/** The parts of an object that count as its spec for generation tracking. */
function specPart(obj: KObject, hasStatus: boolean): Record<string, unknown> {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return hasStatus ? rest : { ...rest, status };
}

export class ResourceStore {
  constructor(
    private readonly store: Store,
    readonly res: ServedResource,
    private readonly ctx: StrategyContext,
    private readonly namespaceGuard: NamespaceGuard,
  ) {}

  private get strategy() {
    return this.res.strategy;
  }

  key(namespace: string, name: string): string {
    return objectKey(this.res, namespace, name);
  }

  /**
   * The object a write starts from: the watch cache's copy on a first attempt (it holds every
   * write this server made), the store's after a conflict (another server may be ahead).
   */
  private async startingPoint(namespace: string, name: string, attempt: number): Promise<CachedObject> {
    if (attempt === 0) {
      const cached = this.res.cache.get(this.key(namespace, name));
      if (cached) return cached;
    }
    return this.getLatest(namespace, name);
  }

  /** Reads the latest stored object from the store itself. */
  async getLatest(namespace: string, name: string): Promise<CachedObject> {
    const kv = await this.store.get(this.key(namespace, name));
    if (!kv) throw errors.notFound(this.res.gr, name);
    return decodeKV(kv);
  }

  private invalid(name: string, errs: FieldError[]): ApiError {
    return errors.invalid(this.strategy.kind, this.strategy.group, name, toCauses(errs));
  }

  private checkName(name: string): FieldError[] {
    const messages = this.strategy.validateName
      ? this.strategy.validateName(name)
      : dns1123SubdomainErrors(name);
    const all = [...pathSegmentErrors(name), ...messages];
    return all.map((m) => ({
      type: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "${name}": ${m}`,
    }));
  }

  /** Sets apiVersion/kind and checks the body addresses this resource. */
  private stampType(obj: KObject): void {
    if (obj.apiVersion !== undefined && obj.apiVersion !== this.res.apiVersion) {
      throw errors.badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${this.res.apiVersion})`,
      );
    }
    if (obj.kind !== undefined && obj.kind !== this.strategy.kind) {
      throw errors.badRequest(
        `the kind in the data (${obj.kind}) does not match the expected kind (${this.strategy.kind})`,
      );
    }
    obj.apiVersion = this.res.apiVersion;
    obj.kind = this.strategy.kind;
  }

  private stampNamespace(obj: KObject, namespace: string): void {
    if (!this.strategy.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    if (obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw errors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    obj.metadata.namespace = namespace;
  }

  /** Tail of the write chain for resources whose strategy allocates from shared state. */
  private writeChain: Promise<unknown> = Promise.resolve();

  /**
   * Services allocate ClusterIPs and NodePorts by reading what exists; two concurrent creates
   * would pick the same address. Their writes run one at a time (per server process).
   */
  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    if (this.strategy.resource !== 'services') return fn();
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  create(namespace: string, input: unknown, opts: WriteOptions = {}): Promise<CachedObject> {
    return this.serialized(() => this.createNow(namespace, input, opts));
  }

  private async createNow(namespace: string, input: unknown, opts: WriteOptions): Promise<CachedObject> {
    const obj = asObject(input);
    this.stampType(obj);
    this.stampNamespace(obj, namespace);
    if (this.strategy.namespaced) this.namespaceGuard(namespace);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = generateName(meta.generateName);
    if (!meta.name) {
      throw this.invalid('', [
        {
          type: 'FieldValueRequired',
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
        },
      ]);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = new Date(Math.floor(this.ctx.now().getTime() / 1000) * 1000)
      .toISOString()
      .replace('.000Z', 'Z');
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.resourceVersion;
    delete meta.selfLink;
    if ('spec' in obj) meta.generation = 1;
    const ctx = opts.user ? { ...this.ctx, user: opts.user } : this.ctx;
    this.strategy.defaults?.(obj);
    this.strategy.prepareForCreate?.(obj, ctx);
    const errs = [...this.checkName(meta.name), ...(this.strategy.validate?.(obj, ctx) ?? [])];
    if (errs.length) throw this.invalid(meta.name, errs);
    if (opts.dryRun) {
      const existing = await this.store.get(this.key(namespace, meta.name));
      if (existing) throw errors.alreadyExists(this.res.gr, meta.name);
      return { key: this.key(namespace, meta.name), obj, json: JSON.stringify(obj), revision: 0 };
    }
    try {
      const kv = await this.store.create(
        this.key(namespace, meta.name),
        this.prime(this.key(namespace, meta.name), obj),
      );
      return this.written(kv, obj);
    } catch (err) {
      throw this.storeError(err, meta.name);
    }
  }

  /** Turns a write's result into a cached object without re-parsing, and waits for our cache. */
  /** Encodes an object for the store and hands it to the cache, which then needs no parse. */
  private prime(key: string, obj: KObject): string {
    const value = encode(obj);
    this.res.cache.prime(key, value, obj);
    return value;
  }

  private async written(kv: KV, obj: KObject): Promise<CachedObject> {
    await this.res.cache.waitFor(kv.modRevision);
    const cached = this.res.cache.get(kv.key);
    if (cached && cached.revision === kv.modRevision) return cached;
    obj.metadata.resourceVersion = String(kv.modRevision);
    return { key: kv.key, obj, json: JSON.stringify(obj), revision: kv.modRevision };
  }

  private storeError(err: unknown, name: string): unknown {
    if (!(err instanceof StoreError)) return err;
    switch (err.code) {
      case 'AlreadyExists':
        return errors.alreadyExists(this.res.gr, name);
      case 'NotFound':
        return errors.notFound(this.res.gr, name);
      case 'Conflict':
        return errors.conflict(this.res.gr, name, conflictMessage);
      case 'Gone':
        return errors.gone(err.message);
      default:
        return errors.unavailable(err.message);
    }
  }

  /**
   * Writes an object (or a subresource of it). `mutate` receives the current object and returns
   * the desired one. A replace (PUT) whose body names a resourceVersion is conditional on it; a
   * patch is applied to whatever is current and re-run on a write conflict, unless the patch
   * itself changed metadata.resourceVersion (then that is its precondition), as in Kubernetes.
   */
  update(
    namespace: string,
    name: string,
    mutate: (current: KObject) => KObject,
    opts: UpdateOptions = {},
  ): Promise<CachedObject> {
    return this.serialized(() => this.updateNow(namespace, name, mutate, opts));
  }

  private async updateNow(
    namespace: string,
    name: string,
    mutate: (current: KObject) => KObject,
    opts: UpdateOptions,
  ): Promise<CachedObject> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.startingPoint(namespace, name, attempt);
      const desired = mutate(cloneJSON(current.obj));
      const wanted = desired.metadata?.resourceVersion;
      if (wanted && wanted !== current.obj.metadata.resourceVersion) {
        // The cache may lag a write made through another server: ask the store before refusing.
        if (attempt === 0 && Number(wanted) > current.revision) continue;
        throw errors.conflict(this.res.gr, name, conflictMessage);
      }
      const pinned = opts.patch ? undefined : wanted;
      const wantedUid = desired.metadata?.uid;
      if (opts.patch && wantedUid && wantedUid !== current.obj.metadata.uid) {
        // A patch naming a uid applies only to that incarnation of the name.
        throw errors.conflict(
          this.res.gr,
          name,
          `Precondition failed: UID in precondition: ${wantedUid}, UID in object meta: ${current.obj.metadata.uid}`,
        );
      }
      const next = this.prepareUpdate(namespace, name, desired, current.obj, opts.subresource);
      if (deepEqual(next, current.obj)) return current;
      if (opts.dryRun)
        return { key: current.key, obj: next, json: JSON.stringify(next), revision: current.revision };
      try {
        if (next.metadata.deletionTimestamp && !holdsDeletion(next)) {
          // The last finalizer is gone from an object being deleted: finish the deletion.
          const kv = await this.store.delete(current.key, current.revision);
          await this.res.cache.waitFor(kv.modRevision);
          return { ...current, obj: next, json: JSON.stringify(next) };
        }
        const kv = await this.store.update(current.key, this.prime(current.key, next), current.revision);
        return await this.written(kv, next);
      } catch (err) {
        if (
          err instanceof StoreError &&
          err.code === 'Conflict' &&
          (!pinned || attempt === 0) &&
          attempt < 10
        )
          continue;
        throw this.storeError(err, name);
      }
    }
  }

  /** Applies the generic update rules and the strategy to `desired` (mutated and returned). */
  private prepareUpdate(
    namespace: string,
    name: string,
    input: KObject,
    old: KObject,
    subresource?: string,
  ): KObject {
    let obj = asObject(input);
    this.stampType(obj);
    this.stampNamespace(obj, namespace);
    if (obj.metadata.name && obj.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    obj.metadata.name = name;
    if (subresource === 'status' || subresource === 'approval') {
      // Status writes change only status (and never the spec or metadata the owner manages);
      // a CSR's approval is a status write limited further by its strategy.
      obj = { ...cloneJSON(old), status: obj.status };
    } else if (subresource === 'finalize') {
      // namespaces/finalize changes only spec.finalizers: the namespace controller's handshake.
      const finalizers = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers;
      obj = cloneJSON(old);
      obj.spec = { ...(obj.spec as object), finalizers };
    } else if (this.strategy.hasStatus) {
      obj.status = cloneJSON(old.status);
    }
    const meta = obj.metadata;
    const oldMeta = old.metadata;
    // System-owned metadata cannot be changed by clients.
    meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    meta.deletionTimestamp = oldMeta.deletionTimestamp;
    meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    meta.resourceVersion = oldMeta.resourceVersion;
    if (meta.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f: string) => !(oldMeta.finalizers ?? []).includes(f));
      if (added.length) {
        throw this.invalid(name, [
          {
            type: 'FieldValueForbidden',
            field: 'metadata.finalizers',
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
          },
        ]);
      }
    }
    for (const k of Object.keys(meta) as Array<keyof typeof meta>) if (meta[k] === undefined) delete meta[k];
    const ctx = subresource ? { ...this.ctx, subresource } : this.ctx;
    this.strategy.defaults?.(obj);
    this.strategy.prepareForUpdate?.(obj, old, ctx);
    if (oldMeta.generation !== undefined || 'spec' in obj) {
      const changed = !deepEqual(
        specPart(obj, !!this.strategy.hasStatus),
        specPart(old, !!this.strategy.hasStatus),
      );
      meta.generation = (oldMeta.generation ?? 0) + (changed ? 1 : 0) || 1;
    }
    const errs = [
      ...(this.strategy.validate?.(obj, ctx) ?? []),
      // A binding is the scheduler's one sanctioned change to an otherwise immutable pod spec.
      ...(subresource === 'binding' ? [] : (this.strategy.validateUpdate?.(obj, old, ctx) ?? [])),
    ];
    if (errs.length) throw this.invalid(name, errs);
    return obj;
  }

  async delete(namespace: string, name: string, opts: DeleteOptions = {}): Promise<DeleteResult> {
    for (let attempt = 0; ; attempt++) {
      // Preconditions are checked against the store, never against a possibly lagging cache.
      const current = await this.startingPoint(namespace, name, opts.preconditions ? 1 : attempt);
      const meta = current.obj.metadata;
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== meta.uid) {
        throw errors.conflict(
          this.res.gr,
          name,
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
        throw errors.conflict(
          this.res.gr,
          name,
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
        );
      }
      const pending = this.pendingDeletion(current.obj, opts);
      if (opts.dryRun) return { object: current, deleted: !pending };
      try {
        if (pending) {
          if (deepEqual(pending, current.obj)) return { object: current, deleted: false };
          const kv = await this.store.update(current.key, this.prime(current.key, pending), current.revision);
          return { object: await this.written(kv, pending), deleted: false };
        }
        const kv = await this.store.delete(current.key, current.revision);
        await this.res.cache.waitFor(kv.modRevision);
        return { object: current, deleted: true };
      } catch (err) {
        if (err instanceof StoreError && err.code === 'Conflict' && !pre?.resourceVersion && attempt < 10)
          continue;
        throw this.storeError(err, name);
      }
    }
  }

  /**
   * When deletion cannot be immediate, the object marked for deletion; otherwise undefined.
   * Finalizers hold an object; a pod bound to a node gets a grace period for its agent to stop it.
   */
  private pendingDeletion(obj: KObject, opts: DeleteOptions): KObject | undefined {
    const grace = this.gracePeriod(obj, opts);
    const propagation = propagationFinalizer(opts);
    const hasFinalizers = holdsDeletion(obj) || propagation !== undefined;
    if (!hasFinalizers && grace === 0) return undefined;
    const next = cloneJSON(obj);
    if (propagation && !next.metadata.finalizers?.includes(propagation)) {
      // Foreground and orphan deletion are the garbage collector's work: these finalizers hold
      // the owner until its dependents are deleted (foreground) or released (orphan).
      next.metadata.finalizers = [...(next.metadata.finalizers ?? []), propagation];
    }
    const now = this.ctx.now();
    if (!next.metadata.deletionTimestamp) {
      next.metadata.deletionTimestamp = new Date(Math.floor(now.getTime() / 1000) * 1000 + grace * 1000)
        .toISOString()
        .replace('.000Z', 'Z');
      next.metadata.deletionGracePeriodSeconds = grace;
    } else if (grace < (next.metadata.deletionGracePeriodSeconds ?? 0)) {
      // A shorter grace period (e.g. --force) moves the deadline closer, never further.
      next.metadata.deletionGracePeriodSeconds = grace;
    }
    if (this.strategy.kind === 'Namespace') {
      next.status = { ...(next.status as object), phase: 'Terminating' };
    }
    return next;
  }

  /** Graceful deletion applies to pods running on a node, as the kubelet must stop them first. */
  private gracePeriod(obj: KObject, opts: DeleteOptions): number {
    if (this.strategy.kind !== 'Pod') return 0;
    const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    const status = obj.status as { phase?: string } | undefined;
    if (!spec?.nodeName) return 0;
    if (status?.phase === 'Succeeded' || status?.phase === 'Failed') return 0;
    const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return Math.max(0, grace);
  }
}

/** The finalizer a propagation policy asks for; Background (the default) needs none. */
function propagationFinalizer(opts: DeleteOptions): string | undefined {
  if (opts.propagationPolicy === 'Foreground') return 'foregroundDeletion';
  if (opts.propagationPolicy === 'Orphan' || opts.orphanDependents === true) return 'orphan';
  return undefined;
}

/**
 * True while something must finish before an object marked for deletion may go: metadata
 * finalizers, and for namespaces also spec.finalizers (the namespace controller's "kubernetes").
 */
function holdsDeletion(obj: KObject): boolean {
  if ((obj.metadata.finalizers?.length ?? 0) > 0) return true;
  if (obj.kind !== 'Namespace') return false;
  return ((obj.spec as { finalizers?: string[] } | undefined)?.finalizers?.length ?? 0) > 0;
}

/** Requires a JSON object with metadata, as every API object is. */
export function asObject(input: unknown): KObject {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw errors.badRequest('the request body must be a JSON object');
  }
  const obj = input as KObject;
  if (obj.metadata === undefined) obj.metadata = {};
  if (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata)) {
    throw errors.badRequest('metadata must be an object');
  }
  return obj;
}
