/**
 * Protobuf wire schema of storage/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** storage.v1 messages. */
export const STORAGE_V1: MessageTable = {
  package: 'storage.v1',
  messages: {
    CSIDriver: 'metadata 1 meta.v1.ObjectMeta; spec 2 CSIDriverSpec',
    CSIDriverList: 'metadata 1 meta.v1.ListMeta; items 2 []CSIDriver',
    CSIDriverSpec:
      'attachRequired 1 *bool; podInfoOnMount 2 *bool; volumeLifecycleModes 3 []string; storageCapacity 4 *bool; fsGroupPolicy 5 *string; tokenRequests 6 []TokenRequest; requiresRepublish 7 *bool; seLinuxMount 8 *bool',
    CSINode: 'metadata 1 meta.v1.ObjectMeta; spec 2 CSINodeSpec',
    CSINodeDriver:
      'name 1 !string; nodeID 2 !string; topologyKeys 3 []string; allocatable 4 VolumeNodeResources',
    CSINodeList: 'metadata 1 meta.v1.ListMeta; items 2 []CSINode',
    CSINodeSpec: 'drivers 1 []CSINodeDriver',
    CSIStorageCapacity:
      'metadata 1 meta.v1.ObjectMeta; nodeTopology 2 meta.v1.LabelSelector; storageClassName 3 !string; capacity 4 resource.Quantity; maximumVolumeSize 5 resource.Quantity',
    CSIStorageCapacityList: 'metadata 1 meta.v1.ListMeta; items 2 []CSIStorageCapacity',
    StorageClass:
      'metadata 1 meta.v1.ObjectMeta; provisioner 2 !string; parameters 3 map<string,string>; reclaimPolicy 4 *string; mountOptions 5 []string; allowVolumeExpansion 6 *bool; volumeBindingMode 7 *string; allowedTopologies 8 []core.v1.TopologySelectorTerm',
    StorageClassList: 'metadata 1 meta.v1.ListMeta; items 2 []StorageClass',
    TokenRequest: 'audience 1 !string; expirationSeconds 2 *int64',
    VolumeAttachment:
      'metadata 1 meta.v1.ObjectMeta; spec 2 VolumeAttachmentSpec; status 3 VolumeAttachmentStatus',
    VolumeAttachmentList: 'metadata 1 meta.v1.ListMeta; items 2 []VolumeAttachment',
    VolumeAttachmentSource: 'persistentVolumeName 1 *string; inlineVolumeSpec 2 core.v1.PersistentVolumeSpec',
    VolumeAttachmentSpec: 'attacher 1 !string; source 2 VolumeAttachmentSource; nodeName 3 !string',
    VolumeAttachmentStatus:
      'attached 1 !bool; attachmentMetadata 2 map<string,string>; attachError 3 VolumeError; detachError 4 VolumeError',
    VolumeError: 'time 1 meta.v1.Time; message 2',
    VolumeNodeResources: 'count 1 *int32',
  },
};
