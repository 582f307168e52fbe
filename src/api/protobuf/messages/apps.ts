/**
 * Protobuf wire schema of apps/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** apps.v1 messages. */
export const APPS_V1: MessageTable = {
  package: 'apps.v1',
  messages: {
    ControllerRevision: 'metadata 1 meta.v1.ObjectMeta; data 2 runtime.RawExtension; revision 3 !int64',
    ControllerRevisionList: 'metadata 1 meta.v1.ListMeta; items 2 []ControllerRevision',
    DaemonSet: 'metadata 1 meta.v1.ObjectMeta; spec 2 DaemonSetSpec; status 3 DaemonSetStatus',
    DaemonSetCondition:
      'type 1 !string; status 2 !string; lastTransitionTime 3 meta.v1.Time; reason 4; message 5',
    DaemonSetList: 'metadata 1 meta.v1.ListMeta; items 2 []DaemonSet',
    DaemonSetSpec:
      'selector 1 meta.v1.LabelSelector; template 2 core.v1.PodTemplateSpec; updateStrategy 3 DaemonSetUpdateStrategy; minReadySeconds 4 int32; revisionHistoryLimit 6 *int32',
    DaemonSetStatus:
      'currentNumberScheduled 1 !int32; numberMisscheduled 2 !int32; desiredNumberScheduled 3 !int32; numberReady 4 !int32; observedGeneration 5 int64; updatedNumberScheduled 6 int32; numberAvailable 7 int32; numberUnavailable 8 int32; collisionCount 9 *int32; conditions 10 []DaemonSetCondition',
    DaemonSetUpdateStrategy: 'type 1; rollingUpdate 2 RollingUpdateDaemonSet',
    Deployment: 'metadata 1 meta.v1.ObjectMeta; spec 2 DeploymentSpec; status 3 DeploymentStatus',
    DeploymentCondition:
      'type 1 !string; status 2 !string; lastUpdateTime 6 meta.v1.Time; lastTransitionTime 7 meta.v1.Time; reason 4; message 5',
    DeploymentList: 'metadata 1 meta.v1.ListMeta; items 2 []Deployment',
    DeploymentSpec:
      'replicas 1 *int32; selector 2 meta.v1.LabelSelector; template 3 core.v1.PodTemplateSpec; strategy 4 DeploymentStrategy; minReadySeconds 5 int32; revisionHistoryLimit 6 *int32; paused 7 bool; progressDeadlineSeconds 9 *int32',
    DeploymentStatus:
      'observedGeneration 1 int64; replicas 2 int32; updatedReplicas 3 int32; readyReplicas 7 int32; availableReplicas 4 int32; unavailableReplicas 5 int32; conditions 6 []DeploymentCondition; collisionCount 8 *int32',
    DeploymentStrategy: 'type 1; rollingUpdate 2 RollingUpdateDeployment',
    ReplicaSet: 'metadata 1 meta.v1.ObjectMeta; spec 2 ReplicaSetSpec; status 3 ReplicaSetStatus',
    ReplicaSetCondition:
      'type 1 !string; status 2 !string; lastTransitionTime 3 meta.v1.Time; reason 4; message 5',
    ReplicaSetList: 'metadata 1 meta.v1.ListMeta; items 2 []ReplicaSet',
    ReplicaSetSpec:
      'replicas 1 *int32; minReadySeconds 4 int32; selector 2 meta.v1.LabelSelector; template 3 core.v1.PodTemplateSpec',
    ReplicaSetStatus:
      'replicas 1 !int32; fullyLabeledReplicas 2 int32; readyReplicas 4 int32; availableReplicas 5 int32; observedGeneration 3 int64; conditions 6 []ReplicaSetCondition',
    RollingUpdateDaemonSet: 'maxUnavailable 1 intstr.IntOrString; maxSurge 2 intstr.IntOrString',
    RollingUpdateDeployment: 'maxUnavailable 1 intstr.IntOrString; maxSurge 2 intstr.IntOrString',
    RollingUpdateStatefulSetStrategy: 'partition 1 *int32; maxUnavailable 2 intstr.IntOrString',
    StatefulSet: 'metadata 1 meta.v1.ObjectMeta; spec 2 StatefulSetSpec; status 3 StatefulSetStatus',
    StatefulSetCondition:
      'type 1 !string; status 2 !string; lastTransitionTime 3 meta.v1.Time; reason 4; message 5',
    StatefulSetList: 'metadata 1 meta.v1.ListMeta; items 2 []StatefulSet',
    StatefulSetOrdinals: 'start 1 int32',
    StatefulSetPersistentVolumeClaimRetentionPolicy: 'whenDeleted 1; whenScaled 2',
    StatefulSetSpec:
      'replicas 1 *int32; selector 2 meta.v1.LabelSelector; template 3 core.v1.PodTemplateSpec; volumeClaimTemplates 4 []core.v1.PersistentVolumeClaim; serviceName 5 !string; podManagementPolicy 6; updateStrategy 7 StatefulSetUpdateStrategy; revisionHistoryLimit 8 *int32; minReadySeconds 9 int32; persistentVolumeClaimRetentionPolicy 10 StatefulSetPersistentVolumeClaimRetentionPolicy; ordinals 11 StatefulSetOrdinals',
    StatefulSetStatus:
      'observedGeneration 1 int64; replicas 2 !int32; readyReplicas 3 int32; currentReplicas 4 int32; updatedReplicas 5 int32; currentRevision 6; updateRevision 7; collisionCount 9 *int32; conditions 10 []StatefulSetCondition; availableReplicas 11 int32',
    StatefulSetUpdateStrategy: 'type 1; rollingUpdate 2 RollingUpdateStatefulSetStrategy',
  },
};
