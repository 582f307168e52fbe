/**
 * Protobuf wire schema of events/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** events.v1 messages. */
export const EVENTS_V1: MessageTable = {
  package: 'events.v1',
  messages: {
    Event:
      'metadata 1 meta.v1.ObjectMeta; eventTime 2 meta.v1.MicroTime; series 3 EventSeries; reportingController 4; reportingInstance 5; action 6; reason 7; regarding 8 core.v1.ObjectReference; related 9 core.v1.ObjectReference; note 10; type 11; deprecatedSource 12 core.v1.EventSource; deprecatedFirstTimestamp 13 meta.v1.Time; deprecatedLastTimestamp 14 meta.v1.Time; deprecatedCount 15 int32',
    EventList: 'metadata 1 meta.v1.ListMeta; items 2 []Event',
    EventSeries: 'count 1 !int32; lastObservedTime 2 meta.v1.MicroTime',
  },
};
