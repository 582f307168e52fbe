/**
 * Protobuf wire schema of coordination/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** coordination.v1 messages. */
export const COORDINATION_V1: MessageTable = {
  package: 'coordination.v1',
  messages: {
    Lease: 'metadata 1 meta.v1.ObjectMeta; spec 2 LeaseSpec',
    LeaseList: 'metadata 1 meta.v1.ListMeta; items 2 []Lease',
    LeaseSpec:
      'holderIdentity 1 *string; leaseDurationSeconds 2 *int32; acquireTime 3 meta.v1.MicroTime; renewTime 4 meta.v1.MicroTime; leaseTransitions 5 *int32; strategy 6 *string; preferredHolder 7 *string',
  },
};
