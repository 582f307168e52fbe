/**
 * Protobuf wire schema of authentication/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** authentication.v1 messages. */
export const AUTHENTICATION_V1: MessageTable = {
  package: 'authentication.v1',
  messages: {
    BoundObjectReference: 'kind 1; apiVersion 2; name 3; uid 4',
    ExtraValue: 'items 1 []string',
    SelfSubjectReview: 'metadata 1 meta.v1.ObjectMeta; status 2 SelfSubjectReviewStatus',
    SelfSubjectReviewStatus: 'userInfo 1 UserInfo',
    TokenRequest: 'metadata 1 meta.v1.ObjectMeta; spec 2 TokenRequestSpec; status 3 TokenRequestStatus',
    TokenRequestSpec:
      'audiences 1 []string; expirationSeconds 4 *int64; boundObjectRef 3 BoundObjectReference',
    TokenRequestStatus: 'token 1 !string; expirationTimestamp 2 meta.v1.Time',
    TokenReview: 'metadata 1 meta.v1.ObjectMeta; spec 2 TokenReviewSpec; status 3 TokenReviewStatus',
    TokenReviewSpec: 'token 1; audiences 2 []string',
    TokenReviewStatus: 'authenticated 1 bool; user 2 UserInfo; audiences 4 []string; error 3',
    UserInfo: 'username 1; uid 2; groups 3 []string; extra 4 map<string,ExtraValue>',
  },
};
