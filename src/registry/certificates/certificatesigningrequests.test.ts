import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { copy, create, messages, TEST_NOW, testContext } from '../apps/testkit.js';
import { certificateSigningRequestStrategy as s } from './certificatesigningrequests.js';
import { csrObject, opensslRequest } from './testing.js';

let pem: string;
beforeAll(() => {
  pem = opensslRequest('/CN=alice/O=devs').csr;
});

const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };
const asUser = (user = admin) => ({ ...testContext(), user });

/** An update as the API server makes it: the generic status split, then the strategy. */
function updateVia(subresource: string | undefined, next: KObject, old: KObject) {
  let obj = copy(next);
  if (subresource === 'status' || subresource === 'approval') obj = { ...copy(old), status: obj.status };
  else obj.status = copy(old.status);
  const ctx = { ...testContext(), subresource };
  s.prepareForUpdate?.(obj, old, ctx);
  return { obj, errors: [...(s.validate?.(obj, ctx) ?? []), ...(s.validateUpdate?.(obj, old, ctx) ?? [])] };
}

function stored(): KObject {
  return create(s, csrObject('req', pem), asUser()).obj;
}

const approved = (o: KObject, extra: Record<string, unknown> = {}) => ({
  ...o,
  status: { conditions: [{ type: 'Approved', status: 'True', reason: 'KubectlApprove', ...extra }] },
});

describe('certificatesigningrequests: create', () => {
  it('records the authenticated user as requestor, whatever the body says, and clears status', () => {
    const body = csrObject('req', pem, { username: 'mallory', groups: ['system:masters'], uid: 'x' });
    (body as KObject).status = { certificate: 'AAAA', conditions: [{ type: 'Approved', status: 'True' }] };
    const { obj, errors } = create(s, body, asUser());
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({ username: 'admin', groups: ['system:masters', 'system:authenticated'] });
    expect((obj.spec as { uid?: string }).uid).toBeUndefined();
    expect(obj.status).toEqual({});
  });

  it('leaves the requestor empty for the server’s own writes', () => {
    const { obj } = create(s, csrObject('req', pem, { username: 'mallory' }));
    expect((obj.spec as { username?: string }).username).toBeUndefined();
  });

  const cases: Array<{ name: string; spec: Record<string, unknown>; want: string[] }> = [
    {
      name: 'a request that is not a PEM CSR names the bytes and the reason',
      spec: { request: Buffer.from('hi').toString('base64') },
      want: ['spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST'],
    },
    {
      name: 'a missing request',
      spec: { request: undefined },
      want: ['spec.request: Invalid value: []byte(nil): PEM block type must be CERTIFICATE REQUEST'],
    },
    {
      name: 'a missing signer name',
      spec: { signerName: undefined },
      want: ['spec.signerName: Required value'],
    },
    {
      name: 'a signer name without a path',
      spec: { signerName: 'example.com' },
      want: [
        `spec.signerName: Invalid value: "example.com": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
      ],
    },
    {
      name: 'a signer domain with one segment',
      spec: { signerName: 'example/signer' },
      want: [
        'spec.signerName: Invalid value: "example": should be a domain with at least two segments separated by dots',
      ],
    },
    {
      name: 'the legacy signer',
      spec: { signerName: 'kubernetes.io/legacy-unknown' },
      want: [
        'spec.signerName: Invalid value: "kubernetes.io/legacy-unknown": the legacy signerName is not allowed via this API version',
      ],
    },
    { name: 'no usages', spec: { usages: [] }, want: ['spec.usages: Required value'] },
    {
      name: 'an unknown and a repeated usage',
      spec: { usages: ['client auth', 'flying', 'client auth'] },
      want: [
        expect.stringMatching(
          /^spec\.usages\[1\]: Unsupported value: "flying": supported values: "any", "cert sign", /,
        ),
        'spec.usages[2]: Duplicate value: "client auth"',
      ] as unknown as string[],
    },
    {
      name: 'a duration under ten minutes',
      spec: { expirationSeconds: 599 },
      want: [
        'spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 600 seconds (10 minutes)',
      ],
    },
  ];
  it.each(cases)('refuses $name', ({ spec, want }) => {
    const body = csrObject('req', pem);
    Object.assign(body.spec, spec);
    for (const k of Object.keys(spec))
      if (spec[k] === undefined) delete (body.spec as unknown as Record<string, unknown>)[k];
    expect(messages(create(s, body, asUser()).errors)).toEqual(want);
  });

  it('refuses a request whose signature does not match its content', () => {
    const der = Buffer.from(pem.split('\n').slice(1, -2).join(''), 'base64');
    const at = der.indexOf(Buffer.from('alice'));
    der[at] = 'm'.charCodeAt(0);
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
    const errs = messages(create(s, csrObject('req', forged), asUser()).errors);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(
      /^spec\.request: Invalid value: \[\]byte\{0x2d, .*\}: x509: ECDSA verification failure$/,
    );
  });

  it('answers 400 for a request that is not base64, as Go’s decoder does', () => {
    const body = csrObject('req', pem);
    body.spec.request = 'not base64!';
    try {
      create(s, body, asUser());
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
      expect((err as ApiError).message).toContain('spec.request: illegal base64 data at input byte 3');
    }
  });
});

describe('certificatesigningrequests: updates', () => {
  it('keeps the spec of an update (it is immutable) and refuses approval through it', () => {
    const old = stored();
    const next = copy(old);
    (next.spec as { signerName: string }).signerName = 'example.com/other';
    next.metadata.labels = { team: 'a' };
    const { obj, errors } = updateVia(undefined, next, old);
    expect(errors).toEqual([]);
    expect(obj.spec).toEqual(old.spec);
    expect(obj.metadata.labels).toEqual({ team: 'a' });
    expect(messages(updateVia('status', approved(old), old).errors)).toEqual([
      'status.conditions: Forbidden: updates may not add a condition of type "Approved"',
    ]);
  });

  it('approval adds the condition with timestamps, and cannot issue a certificate', () => {
    const old = stored();
    const next = approved(old);
    (next.status as Record<string, unknown>).certificate = 'AAAA';
    const { obj, errors } = updateVia('approval', next, old);
    expect(errors).toEqual([]);
    expect(obj.status).toEqual({
      conditions: [
        {
          type: 'Approved',
          status: 'True',
          reason: 'KubectlApprove',
          lastUpdateTime: '2024-05-01T12:00:00Z',
          lastTransitionTime: '2024-05-01T12:00:00Z',
        },
      ],
    });
    expect(TEST_NOW.toISOString()).toBe('2024-05-01T12:00:00.000Z');
  });

  it('approved and denied exclude each other, and conditions cannot be removed', () => {
    const old = updateVia('approval', approved(stored()), stored()).obj;
    const both = copy(old);
    (both.status as { conditions: object[] }).conditions.push({ type: 'Denied', status: 'True' });
    expect(messages(updateVia('approval', both, old).errors)).toEqual([
      'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive',
    ]);
    const removed = { ...old, status: { conditions: [] } };
    expect(messages(updateVia('approval', removed, old).errors)).toEqual([
      'status.conditions: Forbidden: updates may not remove a condition of type "Approved"',
    ]);
    const bad = copy(old);
    (bad.status as { conditions: Array<{ status: string }> }).conditions[0].status = 'False';
    expect(messages(updateVia('approval', bad, old).errors)).toEqual([
      'status.conditions[0].status: Unsupported value: "False": supported values: "True"',
    ]);
  });

  it('the status subresource sets the certificate once, and keeps approval conditions as they were', () => {
    const old = updateVia('approval', approved(stored()), stored()).obj;
    const certPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const next = copy(old);
    const status = next.status as { certificate?: string; conditions: Array<{ message?: string }> };
    status.certificate = Buffer.from(certPem).toString('base64');
    status.conditions[0].message = 'changed by the signer';
    const { obj, errors } = updateVia('status', next, old);
    expect(errors).toEqual([]);
    expect((obj.status as { conditions: object[] }).conditions).toEqual(
      (old.status as { conditions: object[] }).conditions,
    );
    const again = copy(obj);
    (again.status as { certificate: string }).certificate = Buffer.from(
      certPem.replace('MIIB', 'MIIC'),
    ).toString('base64');
    expect(messages(updateVia('status', again, obj).errors)).toEqual([
      'status.certificate: Forbidden: updates may not modify existing certificate content',
    ]);
    const notCert = copy(old);
    (notCert.status as { certificate: string }).certificate = Buffer.from('hello').toString('base64');
    expect(messages(updateVia('status', notCert, old).errors)).toEqual([
      'status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
    ]);
  });
});

describe('certificatesigningrequests: table', () => {
  it('shows kubectl’s columns', () => {
    expect(s.columns?.map((c) => c.name)).toEqual([
      'Name',
      'Age',
      'SignerName',
      'Requestor',
      'RequestedDuration',
      'Condition',
    ]);
    const obj = create(s, csrObject('req', pem, { expirationSeconds: 3600 }), asUser()).obj;
    obj.metadata.creationTimestamp = '2024-05-01T11:59:00Z';
    expect(s.row?.(obj, TEST_NOW)).toEqual([
      'req',
      '60s',
      'kubernetes.io/kube-apiserver-client',
      'admin',
      '60m',
      'Pending',
    ]);
    const issued = approved(obj);
    (issued.status as Record<string, unknown>).certificate = 'AAAA';
    (issued.status as { conditions: object[] }).conditions.push({ type: 'Failed', status: 'True' });
    expect(s.row?.(issued as KObject, TEST_NOW)[5]).toBe('Approved,Failed,Issued');
    const denied = { ...obj, status: { conditions: [{ type: 'Denied', status: 'True' }] } };
    expect(s.row?.(denied, TEST_NOW).slice(4)).toEqual(['60m', 'Denied']);
    const forever = create(s, csrObject('req', pem), asUser()).obj;
    expect(s.row?.(forever, TEST_NOW)[4]).toBe('<none>');
  });
});
