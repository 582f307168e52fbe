/**
 * Protobuf wire schema of meta/v1 (apimachinery), runtime (apimachinery), api/resource (apimachinery), util/intstr (apimachinery): per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** meta.v1 messages. */
export const META_V1: MessageTable = {
  package: 'meta.v1',
  messages: {
    APIGroup:
      'name 1 !string; versions 2 []GroupVersionForDiscovery; preferredVersion 3 GroupVersionForDiscovery; serverAddressByClientCIDRs 4 []ServerAddressByClientCIDR',
    APIGroupList: 'groups 1 []APIGroup',
    APIResource:
      'name 1 !string; singularName 6 !string; namespaced 2 !bool; group 8; version 9; kind 3 !string; verbs 4 Verbs; shortNames 5 []string; categories 7 []string; storageVersionHash 10',
    APIResourceList: 'groupVersion 1 !string; resources 2 []APIResource',
    APIVersions: 'versions 1 []string; serverAddressByClientCIDRs 2 []ServerAddressByClientCIDR',
    ApplyOptions: 'dryRun 1 []string; force 2 bool; fieldManager 3',
    Condition:
      'type 1 !string; status 2 !string; observedGeneration 3 int64; lastTransitionTime 4 Time; reason 5 !string; message 6 !string',
    CreateOptions: 'dryRun 1 []string; fieldManager 3; fieldValidation 4',
    DeleteOptions:
      'gracePeriodSeconds 1 *int64; preconditions 2 Preconditions; orphanDependents 3 *bool; propagationPolicy 4 *string; dryRun 5 []string; ignoreStoreReadErrorWithClusterBreakingPotential 6 *bool',
    Duration: 'duration 1 int64',
    FieldSelectorRequirement: 'key 1; operator 2; values 3 []string',
    FieldsV1: 'Raw 1 *bytes',
    GetOptions: 'resourceVersion 1',
    GroupKind: 'group 1; kind 2',
    GroupResource: 'group 1; resource 2',
    GroupVersion: 'group 1; version 2',
    GroupVersionForDiscovery: 'groupVersion 1 !string; version 2 !string',
    GroupVersionKind: 'group 1; version 2; kind 3',
    GroupVersionResource: 'group 1; version 2; resource 3',
    LabelSelector: 'matchLabels 1 map<string,string>; matchExpressions 2 []LabelSelectorRequirement',
    LabelSelectorRequirement: 'key 1 !string; operator 2 !string; values 3 []string',
    List: 'metadata 1 ListMeta; items 2 []runtime.RawExtension',
    ListMeta: 'selfLink 1; resourceVersion 2; continue 3; remainingItemCount 4 *int64',
    ListOptions:
      'labelSelector 1; fieldSelector 2; watch 3 bool; allowWatchBookmarks 9 bool; resourceVersion 4; resourceVersionMatch 10; timeoutSeconds 5 *int64; limit 7 int64; continue 8; sendInitialEvents 11 *bool',
    ManagedFieldsEntry:
      'manager 1; operation 2; apiVersion 3; time 4 Time; fieldsType 6; fieldsV1 7 FieldsV1; subresource 8',
    MicroTime: 'seconds 1 int64; nanos 2 int32',
    ObjectMeta:
      'name 1; generateName 2; namespace 3; selfLink 4; uid 5; resourceVersion 6; generation 7 int64; creationTimestamp 8 Time; deletionTimestamp 9 Time; deletionGracePeriodSeconds 10 *int64; labels 11 map<string,string>; annotations 12 map<string,string>; ownerReferences 13 []OwnerReference; finalizers 14 []string; managedFields 17 []ManagedFieldsEntry',
    OwnerReference:
      'apiVersion 5 !string; kind 1 !string; name 3 !string; uid 4 !string; controller 6 *bool; blockOwnerDeletion 7 *bool',
    PartialObjectMetadata: 'metadata 1 ObjectMeta',
    PartialObjectMetadataList: 'metadata 1 ListMeta; items 2 []PartialObjectMetadata',
    Patch: '',
    PatchOptions: 'dryRun 1 []string; force 2 *bool; fieldManager 3; fieldValidation 4',
    Preconditions: 'uid 1 *string; resourceVersion 2 *string',
    RootPaths: 'paths 1 []string',
    ServerAddressByClientCIDR: 'clientCIDR 1 !string; serverAddress 2 !string',
    Status: 'metadata 1 ListMeta; status 2; message 3; reason 4; details 5 StatusDetails; code 6 int32',
    StatusCause: 'reason 1; message 2; field 3',
    StatusDetails: 'name 1; group 2; kind 3; uid 6; causes 4 []StatusCause; retryAfterSeconds 5 int32',
    TableOptions: 'includeObject 1',
    Time: 'seconds 1 int64; nanos 2 int32',
    Timestamp: 'seconds 1 int64; nanos 2 int32',
    TypeMeta: 'kind 1; apiVersion 2',
    UpdateOptions: 'dryRun 1 []string; fieldManager 2; fieldValidation 3',
    Verbs: 'items 1 []string',
    WatchEvent: 'type 1 !string; object 2 runtime.RawExtension',
  },
};

/** runtime messages. */
export const RUNTIME: MessageTable = {
  package: 'runtime',
  messages: {
    RawExtension: 'raw 1 *bytes',
    TypeMeta: 'apiVersion 1; kind 2',
    Unknown: 'typeMeta 1 TypeMeta; raw 2 *bytes; contentEncoding 3; contentType 4',
  },
};

/** resource messages. */
export const RESOURCE: MessageTable = {
  package: 'resource',
  messages: {
    Quantity: 'string 1 *string',
    QuantityValue: 'string 1 *string',
  },
};

/** intstr messages. */
export const INTSTR: MessageTable = {
  package: 'intstr',
  messages: {
    IntOrString: 'type 1 int64; intVal 2 int32; strVal 3',
  },
};
