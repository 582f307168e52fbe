import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { checkShape } from './shape.js';

const prefix = 'CertificateSigningRequest in version "v1" cannot be handled as a CertificateSigningRequest: ';

function problem(obj: { spec?: unknown; status?: unknown }): string | undefined {
  try {
    checkShape(obj);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    return (err as ApiError).message.replace(prefix, '');
  }
}

describe('checkShape', () => {
  const cases: Array<{ name: string; obj: { spec?: unknown; status?: unknown }; want: string | undefined }> =
    [
      {
        name: 'a well-formed object',
        obj: { spec: { request: 'AAAA', usages: ['client auth'], expirationSeconds: 600 }, status: {} },
        want: undefined,
      },
      {
        name: 'nulls (Go decodes them as zero values)',
        obj: { spec: { request: null, usages: null }, status: { conditions: null } },
        want: undefined,
      },
      {
        name: 'a spec that is a string',
        obj: { spec: 'x' },
        want: 'json: cannot unmarshal string into Go struct field CertificateSigningRequest.spec of type v1.CertificateSigningRequestSpec',
      },
      {
        name: 'a numeric request',
        obj: { spec: { request: 5 } },
        want: 'json: cannot unmarshal number into Go struct field CertificateSigningRequestSpec.spec.request of type []uint8',
      },
      {
        name: 'usages as one string',
        obj: { spec: { usages: 'client auth' } },
        want: 'json: cannot unmarshal string into Go struct field CertificateSigningRequestSpec.spec.usages of type []v1.KeyUsage',
      },
      {
        name: 'a numeric usage',
        obj: { spec: { usages: [5] } },
        want: 'json: cannot unmarshal number into Go struct field CertificateSigningRequestSpec.spec.usages of type v1.KeyUsage',
      },
      {
        name: 'a fractional duration',
        obj: { spec: { expirationSeconds: 600.5 } },
        want: 'json: cannot unmarshal number 600.5 into Go struct field CertificateSigningRequestSpec.spec.expirationSeconds of type int32',
      },
      {
        name: 'conditions that are not a list',
        obj: { status: { conditions: 'x' } },
        want: 'json: cannot unmarshal string into Go struct field CertificateSigningRequestStatus.status.conditions of type []v1.CertificateSigningRequestCondition',
      },
      {
        name: 'a condition time that is not RFC 3339',
        obj: { status: { conditions: [{ type: 'Approved', lastUpdateTime: 'yesterday' }] } },
        want: 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as RFC 3339',
      },
      {
        name: 'a request with a character outside base64',
        obj: { spec: { request: 'AB*D' } },
        want: 'spec.request: illegal base64 data at input byte 2',
      },
      {
        name: 'padding inside base64',
        obj: { status: { certificate: 'AB=DAAAA' } },
        want: 'status.certificate: illegal base64 data at input byte 2',
      },
    ];
  it.each(cases)('$name', ({ obj, want }) => {
    expect(problem(obj)).toBe(want);
  });
});
