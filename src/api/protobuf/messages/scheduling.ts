/**
 * Protobuf wire schema of scheduling/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** scheduling.v1 messages. */
export const SCHEDULING_V1: MessageTable = {
  package: 'scheduling.v1',
  messages: {
    PriorityClass:
      'metadata 1 meta.v1.ObjectMeta; value 2 !int32; globalDefault 3 bool; description 4; preemptionPolicy 5 *string',
    PriorityClassList: 'metadata 1 meta.v1.ListMeta; items 2 []PriorityClass',
  },
};
