/**
 * Protobuf wire schema of certificates/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** certificates.v1 messages. */
export const CERTIFICATES_V1: MessageTable = {
  package: 'certificates.v1',
  messages: {
    CertificateSigningRequest:
      'metadata 1 meta.v1.ObjectMeta; spec 2 CertificateSigningRequestSpec; status 3 CertificateSigningRequestStatus',
    CertificateSigningRequestCondition:
      'type 1 !string; status 6 !string; reason 2; message 3; lastUpdateTime 4 meta.v1.Time; lastTransitionTime 5 meta.v1.Time',
    CertificateSigningRequestList: 'metadata 1 meta.v1.ListMeta; items 2 []CertificateSigningRequest',
    CertificateSigningRequestSpec:
      'request 1 *bytes; signerName 7 !string; expirationSeconds 8 *int32; usages 5 []string; username 2; uid 3; groups 4 []string; extra 6 map<string,ExtraValue>',
    CertificateSigningRequestStatus:
      'conditions 1 []CertificateSigningRequestCondition; certificate 2 *bytes',
    ExtraValue: 'items 1 []string',
  },
};
