/**
 * certificates.k8s.io/v1 CertificateSigningRequest (cluster-scoped), as Kubernetes' registry and
 * validation treat it: the requestor (spec.username/uid/groups/extra) comes from the
 * authenticated user, never the body; the spec is immutable; `approval` writes only conditions,
 * `status` only the certificate and non-approval conditions; the request must be a signed PEM
 * CSR; the signer name is a qualified name; and `kubectl get csr` shows Kubernetes' columns.
 */
import type {
  CertificateSigningRequest,
  CertificateSigningRequestCondition,
  CertificateSigningRequestSpec,
} from 'kubernetes-types/certificates/v1.js';
import { cloneJSON } from '../../api/clone.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge, humanDuration } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import {
  duplicate,
  forbidden,
  invalid,
  isDNS1123Label,
  isDNS1123Subdomain,
  notSupported,
  required,
  tooLong,
} from '../common/validation.js';
import type { FieldError, ResourceStrategy, StrategyContext } from '../types.js';
import { checkSignature, parseCSR } from './csr.js';
import { LEGACY_UNKNOWN_SIGNER, VALID_USAGES } from './helpers.js';
import { checkShape } from './shape.js';

type CSR = CertificateSigningRequest & KObject;

/** Condition types that may only be True, and that updates may never remove. */
const TRUE_ONLY = ['Approved', 'Denied', 'Failed'];

/** Go's %#v of a []byte, the way apimachinery prints a bad bytes value. */
function goBytes(b: Buffer | undefined): string {
  if (!b) return '[]byte(nil)';
  return `[]byte{${[...b].map((x) => `0x${x.toString(16)}`).join(', ')}}`;
}

/** The bytes of a base64 field (JSON's form of Go []byte); undefined when absent. */
function bytesField(value: unknown): Buffer | undefined {
  return typeof value === 'string' ? Buffer.from(value, 'base64') : undefined;
}

/** Kubernetes' ValidateSignerName. */
export function validateSignerName(field: string, name: string | undefined): FieldError[] {
  if (!name) return [required(field)];
  const segments = name.split('/');
  if (segments.length !== 2) {
    return [
      invalid(field, name, "must be a fully qualified domain and path of the form 'example.com/signer-name'"),
    ];
  }
  const [domain, path] = segments;
  const errs: FieldError[] = [];
  if (domain.length > 253) errs.push(tooLong(field, 253));
  const labels = domain.split('.');
  for (const label of labels) {
    const problems = isDNS1123Label(label);
    if (problems.length) {
      for (const p of problems) errs.push(invalid(field, domain, `validating label "${label}": ${p}`));
      break;
    }
  }
  if (labels.length < 2)
    errs.push(invalid(field, domain, 'should be a domain with at least two segments separated by dots'));
  for (const part of path.split('.')) {
    const problems = isDNS1123Subdomain(part);
    if (problems.length) {
      for (const p of problems) errs.push(invalid(field, path, `validating component "${part}": ${p}`));
      break;
    }
  }
  return errs;
}

/** Kubernetes' validateCertificate: status.certificate is empty or only CERTIFICATE blocks. */
function certificateProblem(pem: Buffer | undefined): string | undefined {
  if (!pem || pem.length === 0) return undefined;
  const text = pem.toString('latin1');
  const blocks = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0) return 'must contain at least one CERTIFICATE PEM block';
  for (const b of blocks) {
    if (b[1] !== 'CERTIFICATE') return `only CERTIFICATE PEM blocks are allowed, found "${b[1]}"`;
    if (/^[A-Za-z-]+:/m.test(b[2])) return 'no PEM block headers are permitted';
  }
  return undefined;
}

function validateUsages(usages: string[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (!usages?.length) errs.push(required('spec.usages'));
  const seen = new Set<string>();
  (usages ?? []).forEach((u, i) => {
    if (!VALID_USAGES.includes(u)) errs.push(notSupported(`spec.usages[${i}]`, u, VALID_USAGES));
    if (seen.has(u)) errs.push(duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  return errs;
}

function validateConditions(conditions: CertificateSigningRequestCondition[] | undefined): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  (conditions ?? []).forEach((c, i) => {
    const f = `status.conditions[${i}]`;
    if (!c.type) errs.push(required(`${f}.type`));
    const allowed = TRUE_ONLY.includes(c.type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (!c.status) errs.push(required(`${f}.status`));
    else if (!allowed.includes(c.status)) errs.push(notSupported(`${f}.status`, c.status, allowed));
    if (c.type === 'Approved') {
      approved = true;
      if (denied)
        errs.push(invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    } else if (c.type === 'Denied') {
      denied = true;
      if (approved)
        errs.push(invalid(`${f}.type`, c.type, 'Approved and Denied conditions are mutually exclusive'));
    }
    if (seen.has(c.type)) errs.push(duplicate(`${f}.type`, c.type));
    seen.add(c.type);
  });
  return errs;
}

/** Kubernetes' validateCertificateSigningRequest (create and every update). */
function validateCSR(obj: KObject): FieldError[] {
  const csr = obj as CSR;
  const spec: Partial<CertificateSigningRequestSpec> = csr.spec ?? {};
  const errs = validateObjectMeta(obj);
  const request = bytesField(spec.request);
  try {
    checkSignature(parseCSR(request ?? Buffer.alloc(0)));
  } catch (err) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'spec.request',
      message: `Invalid value: ${goBytes(request)}: ${(err as Error).message}`,
    });
  }
  errs.push(...validateUsages(spec.usages));
  if (spec.signerName === LEGACY_UNKNOWN_SIGNER)
    errs.push(
      invalid(
        'spec.signerName',
        spec.signerName,
        'the legacy signerName is not allowed via this API version',
      ),
    );
  else errs.push(...validateSignerName('spec.signerName', spec.signerName));
  if (
    spec.expirationSeconds !== undefined &&
    spec.expirationSeconds !== null &&
    spec.expirationSeconds < 600
  ) {
    errs.push(
      invalid(
        'spec.expirationSeconds',
        spec.expirationSeconds,
        'may not specify a duration less than 600 seconds (10 minutes)',
      ),
    );
  }
  errs.push(...validateConditions(csr.status?.conditions));
  const problem = certificateProblem(bytesField(csr.status?.certificate));
  if (problem) {
    errs.push({
      type: 'FieldValueInvalid',
      field: 'status.certificate',
      message: `Invalid value: "<certificate data>": ${problem}`,
    });
  }
  return errs;
}

const conditionsOf = (csr: CSR, type: string) =>
  (csr.status?.conditions ?? []).filter((c) => c.type === type);

/** Kubernetes' validateCertificateSigningRequestUpdate; what may change depends on the subresource. */
function validateCSRUpdate(obj: KObject, old: KObject, ctx: StrategyContext): FieldError[] {
  const next = obj as CSR;
  const prev = old as CSR;
  const errs: FieldError[] = [];
  for (const t of TRUE_ONLY) {
    if (conditionsOf(next, t).length < conditionsOf(prev, t).length)
      errs.push(forbidden('status.conditions', `updates may not remove a condition of type "${t}"`));
  }
  if (ctx.subresource !== 'approval') {
    for (const t of ['Approved', 'Denied']) {
      const before = conditionsOf(prev, t);
      const after = conditionsOf(next, t);
      if (after.length > before.length)
        errs.push(forbidden('status.conditions', `updates may not add a condition of type "${t}"`));
      else if (after.length === before.length && JSON.stringify(after) !== JSON.stringify(before))
        errs.push(forbidden('status.conditions', `updates may not modify a condition of type "${t}"`));
    }
  }
  const cert = next.status?.certificate ?? '';
  const oldCert = prev.status?.certificate ?? '';
  if (cert !== oldCert) {
    if (ctx.subresource !== 'status')
      errs.push(forbidden('status.certificate', 'updates may not set certificate content'));
    else if (oldCert)
      errs.push(forbidden('status.certificate', 'updates may not modify existing certificate content'));
  }
  return errs;
}

/** RFC 3339 at whole seconds, as metav1.Time serializes. */
function timestamp(now: Date): string {
  return new Date(Math.floor(now.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Kubernetes' populateConditionTimestamps: fill unset times, keep a transition time that still holds. */
function populateConditionTimestamps(next: CSR, prev: CSR, now: Date): void {
  for (const c of next.status?.conditions ?? []) {
    if (!c.lastUpdateTime) c.lastUpdateTime = timestamp(now);
    if (!c.lastTransitionTime) {
      const same = (prev.status?.conditions ?? []).find(
        (o) => o.type === c.type && o.status === c.status && o.lastTransitionTime,
      );
      c.lastTransitionTime = same?.lastTransitionTime ?? timestamp(now);
    }
  }
}

/** Kubernetes' preserveConditionInstances: status writes keep Approved/Denied as they were. */
function preserveConditions(next: CSR, prev: CSR, type: string): void {
  const conditions = next.status?.conditions ?? [];
  const newIdx = conditions.flatMap((c, i) => (c.type === type ? [i] : []));
  const oldConditions = conditionsOf(prev, type);
  if (newIdx.length !== oldConditions.length) return;
  newIdx.forEach((at, i) => {
    conditions[at] = cloneJSON(oldConditions[i]);
  });
}

function prepareForCreate(obj: KObject, ctx: StrategyContext): void {
  const csr = obj as CSR;
  checkShape(csr);
  const spec = (csr.spec ?? {}) as CertificateSigningRequestSpec;
  csr.spec = spec;
  delete spec.username;
  delete spec.uid;
  delete spec.groups;
  delete spec.extra;
  const user = ctx.user;
  if (user) {
    if (user.name) spec.username = user.name;
    if (user.uid) spec.uid = user.uid;
    if (user.groups.length) spec.groups = [...user.groups];
    if (user.extra && Object.keys(user.extra).length) spec.extra = cloneJSON(user.extra);
  }
  // Users cannot create pre-approved or pre-issued requests.
  csr.status = {};
}

function prepareForUpdate(obj: KObject, old: KObject, ctx: StrategyContext): void {
  const next = obj as CSR;
  const prev = old as CSR;
  checkShape(next);
  next.spec = cloneJSON(prev.spec);
  // Go drops a null time (a zero metav1.Time) on decode; so do we, so it can be filled in.
  for (const c of next.status?.conditions ?? []) {
    if (c.lastUpdateTime === null) delete c.lastUpdateTime;
    if (c.lastTransitionTime === null) delete c.lastTransitionTime;
  }
  if (ctx.subresource === 'status') {
    preserveConditions(next, prev, 'Approved');
    preserveConditions(next, prev, 'Denied');
    populateConditionTimestamps(next, prev, ctx.now());
  } else if (ctx.subresource === 'approval') {
    next.status = { ...next.status, certificate: prev.status?.certificate };
    if (next.status.certificate === undefined) delete next.status.certificate;
    populateConditionTimestamps(next, prev, ctx.now());
  }
}

/** kubectl's extractCSRStatus: Denied over Approved over Pending, then ",Failed" and ",Issued". */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (csr.status?.certificate) status += ',Issued';
  return status;
}

/** certificates.k8s.io/v1 certificatesigningrequests. */
export const certificateSigningRequestStrategy: ResourceStrategy = {
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  resource: 'certificatesigningrequests',
  singularName: 'certificatesigningrequest',
  namespaced: false,
  shortNames: ['csr'],
  hasStatus: true,
  extraSubresources: ['approval'],
  // "We don't care what you call your certificate requests" (ValidateCertificateRequestName).
  validateName: () => [],
  prepareForCreate,
  prepareForUpdate,
  validate: validateCSR,
  validateUpdate: validateCSRUpdate,
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    column(
      'SignerName',
      'Requested signer for the request. It is a qualified name in the form: `scope-hostname.io/name`.',
    ),
    column('Requestor', 'Base64-encoded PKCS#10 CSR data'),
    column(
      'RequestedDuration',
      'expirationSeconds is the requested duration of validity of the issued certificate.',
    ),
    column('Condition', 'Conditions applied to the request, such as approval or denial.'),
  ],
  row: (obj, now) => {
    const csr = obj as CSR;
    const seconds = csr.spec?.expirationSeconds;
    return [
      csr.metadata.name,
      humanAge(csr.metadata.creationTimestamp, now),
      csr.spec?.signerName || '<none>',
      csr.spec?.username ?? '',
      typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
      csrCondition(csr),
    ];
  },
  fieldSelectors: {
    'spec.signerName': (obj) => (obj as CSR).spec?.signerName ?? '',
  },
};
