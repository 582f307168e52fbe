/**
 * The JSON shape of a CertificateSigningRequest, checked before the strategy reads it: where Go's
 * decoder refuses a value of the wrong type with a 400 ("json: cannot unmarshal string into Go
 * struct field ... of type ..."), so do we, instead of failing deeper with an internal error.
 */
import { errors } from '../../api/errors.js';

/** The JSON kind Go's UnmarshalTypeError names. */
function kindOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'number' : `number ${v}`;
  return typeof v;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

class ShapeError extends Error {}

function mismatch(value: unknown, struct: string, field: string, type: string): never {
  throw new ShapeError(
    `json: cannot unmarshal ${kindOf(value)} into Go struct field ${struct}.${field} of type ${type}`,
  );
}

/** Checks `obj[key]` (absent and null pass) against a predicate. */
function field(
  obj: Record<string, unknown>,
  key: string,
  ok: (v: unknown) => boolean,
  struct: string,
  path: string,
  type: string,
): void {
  const v = obj[key];
  if (v !== undefined && v !== null && !ok(v)) mismatch(v, struct, path, type);
}

const isString = (v: unknown) => typeof v === 'string';
const isStringList = (v: unknown) => Array.isArray(v) && v.every(isString);

/** A list of strings: the list's type when it is no list, the element's when an item is no string. */
function stringList(
  obj: Record<string, unknown>,
  key: string,
  struct: string,
  path: string,
  elem: string,
): void {
  const v = obj[key];
  if (v === undefined || v === null) return;
  if (!Array.isArray(v)) mismatch(v, struct, path, `[]${elem}`);
  for (const item of v) if (typeof item !== 'string') mismatch(item, struct, path, elem);
}

function checkTime(c: Record<string, unknown>, key: string, path: string): void {
  const v = c[key];
  if (v === undefined || v === null) return;
  if (typeof v !== 'string') mismatch(v, 'CertificateSigningRequestCondition', path, 'v1.Time');
  if (!RFC3339.test(v) || Number.isNaN(Date.parse(v)))
    throw new ShapeError(
      `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as RFC 3339`,
    );
}

function checkSpec(spec: unknown): void {
  if (spec === undefined || spec === null) return;
  if (!isObject(spec))
    mismatch(spec, 'CertificateSigningRequest', 'spec', 'v1.CertificateSigningRequestSpec');
  const S = 'CertificateSigningRequestSpec';
  field(spec, 'request', isString, S, 'spec.request', '[]uint8');
  field(spec, 'signerName', isString, S, 'spec.signerName', 'string');
  field(spec, 'username', isString, S, 'spec.username', 'string');
  field(spec, 'uid', isString, S, 'spec.uid', 'string');
  stringList(spec, 'groups', S, 'spec.groups', 'string');
  stringList(spec, 'usages', S, 'spec.usages', 'v1.KeyUsage');
  field(spec, 'expirationSeconds', (v) => Number.isInteger(v), S, 'spec.expirationSeconds', 'int32');
  field(
    spec,
    'extra',
    (v) => isObject(v) && Object.values(v).every((x) => x === null || isStringList(x)),
    S,
    'spec.extra',
    'map[string]v1.ExtraValue',
  );
}

function checkStatus(status: unknown): void {
  if (status === undefined || status === null) return;
  if (!isObject(status))
    mismatch(status, 'CertificateSigningRequest', 'status', 'v1.CertificateSigningRequestStatus');
  const S = 'CertificateSigningRequestStatus';
  field(status, 'certificate', isString, S, 'status.certificate', '[]uint8');
  const conditions = status.conditions;
  if (conditions === undefined || conditions === null) return;
  if (!Array.isArray(conditions))
    mismatch(conditions, S, 'status.conditions', '[]v1.CertificateSigningRequestCondition');
  for (const c of conditions) {
    if (!isObject(c)) mismatch(c, S, 'status.conditions', 'v1.CertificateSigningRequestCondition');
    for (const key of ['type', 'status', 'reason', 'message'])
      field(c, key, isString, 'CertificateSigningRequestCondition', `status.conditions.${key}`, 'string');
    checkTime(c, 'lastUpdateTime', 'status.conditions.lastUpdateTime');
    checkTime(c, 'lastTransitionTime', 'status.conditions.lastTransitionTime');
  }
}

/** Go's standard base64 (as []byte fields decode): the alphabet, padding only at the end. */
function checkBase64(value: unknown, name: string): void {
  if (typeof value !== 'string') return;
  const bad = value.search(/[^A-Za-z0-9+/=]/);
  const pad = value.indexOf('=');
  let problem: string | undefined;
  if (bad >= 0) problem = `illegal base64 data at input byte ${bad}`;
  else if (pad >= 0 && !/^={1,2}$/.test(value.slice(pad)))
    problem = `illegal base64 data at input byte ${pad}`;
  else if (value.length % 4 !== 0)
    problem = `illegal base64 data at input byte ${value.length - (value.length % 4)}`;
  if (problem) throw new ShapeError(`${name}: ${problem}`);
}

/** Throws a 400 BadRequest, worded as kube-apiserver's decoder, for a body of the wrong shape. */
export function checkShape(obj: { spec?: unknown; status?: unknown }): void {
  try {
    checkSpec(obj.spec);
    checkStatus(obj.status);
    checkBase64((obj.spec as { request?: unknown } | undefined)?.request, 'spec.request');
    checkBase64((obj.status as { certificate?: unknown } | undefined)?.certificate, 'status.certificate');
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    throw errors.badRequest(
      `CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: ${err.message}`,
    );
  }
}
