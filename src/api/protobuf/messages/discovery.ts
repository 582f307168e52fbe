/**
 * Protobuf wire schema of discovery/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** discovery.v1 messages. */
export const DISCOVERY_V1: MessageTable = {
  package: 'discovery.v1',
  messages: {
    Endpoint:
      'addresses 1 []string; conditions 2 EndpointConditions; hostname 3 *string; targetRef 4 core.v1.ObjectReference; deprecatedTopology 5 map<string,string>; nodeName 6 *string; zone 7 *string; hints 8 EndpointHints',
    EndpointConditions: 'ready 1 *bool; serving 2 *bool; terminating 3 *bool',
    EndpointHints: 'forZones 1 []ForZone',
    EndpointPort: 'name 1 *string; protocol 2 *string; port 3 *int32; appProtocol 4 *string',
    EndpointSlice:
      'metadata 1 meta.v1.ObjectMeta; addressType 4 !string; endpoints 2 []Endpoint; ports 3 []EndpointPort',
    EndpointSliceList: 'metadata 1 meta.v1.ListMeta; items 2 []EndpointSlice',
    ForZone: 'name 1 !string',
  },
};
