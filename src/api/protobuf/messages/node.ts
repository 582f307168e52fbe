/**
 * Protobuf wire schema of node/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** node.v1 messages. */
export const NODE_V1: MessageTable = {
  package: 'node.v1',
  messages: {
    Overhead: 'podFixed 1 map<string,resource.Quantity>',
    RuntimeClass:
      'metadata 1 meta.v1.ObjectMeta; handler 2 !string; overhead 3 Overhead; scheduling 4 Scheduling',
    RuntimeClassList: 'metadata 1 meta.v1.ListMeta; items 2 []RuntimeClass',
    Scheduling: 'nodeSelector 1 map<string,string>; tolerations 2 []core.v1.Toleration',
  },
};
