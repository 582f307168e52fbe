/**
 * Protobuf wire schema of autoscaling/v1, autoscaling/v2: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** autoscaling.v1 messages. */
export const AUTOSCALING_V1: MessageTable = {
  package: 'autoscaling.v1',
  messages: {
    ContainerResourceMetricSource:
      'name 1; targetAverageUtilization 2 *int32; targetAverageValue 3 resource.Quantity; container 5',
    ContainerResourceMetricStatus:
      'name 1; currentAverageUtilization 2 *int32; currentAverageValue 3 resource.Quantity; container 4',
    CrossVersionObjectReference: 'kind 1 !string; name 2 !string; apiVersion 3',
    ExternalMetricSource:
      'metricName 1; metricSelector 2 meta.v1.LabelSelector; targetValue 3 resource.Quantity; targetAverageValue 4 resource.Quantity',
    ExternalMetricStatus:
      'metricName 1; metricSelector 2 meta.v1.LabelSelector; currentValue 3 resource.Quantity; currentAverageValue 4 resource.Quantity',
    HorizontalPodAutoscaler:
      'metadata 1 meta.v1.ObjectMeta; spec 2 HorizontalPodAutoscalerSpec; status 3 HorizontalPodAutoscalerStatus',
    HorizontalPodAutoscalerCondition:
      'type 1; status 2; lastTransitionTime 3 meta.v1.Time; reason 4; message 5',
    HorizontalPodAutoscalerList: 'metadata 1 meta.v1.ListMeta; items 2 []HorizontalPodAutoscaler',
    HorizontalPodAutoscalerSpec:
      'scaleTargetRef 1 CrossVersionObjectReference; minReplicas 2 *int32; maxReplicas 3 !int32; targetCPUUtilizationPercentage 4 *int32',
    HorizontalPodAutoscalerStatus:
      'observedGeneration 1 *int64; lastScaleTime 2 meta.v1.Time; currentReplicas 3 !int32; desiredReplicas 4 !int32; currentCPUUtilizationPercentage 5 *int32',
    MetricSpec:
      'type 1; object 2 ObjectMetricSource; pods 3 PodsMetricSource; resource 4 ResourceMetricSource; containerResource 7 ContainerResourceMetricSource; external 5 ExternalMetricSource',
    MetricStatus:
      'type 1; object 2 ObjectMetricStatus; pods 3 PodsMetricStatus; resource 4 ResourceMetricStatus; containerResource 7 ContainerResourceMetricStatus; external 5 ExternalMetricStatus',
    ObjectMetricSource:
      'target 1 CrossVersionObjectReference; metricName 2; targetValue 3 resource.Quantity; selector 4 meta.v1.LabelSelector; averageValue 5 resource.Quantity',
    ObjectMetricStatus:
      'target 1 CrossVersionObjectReference; metricName 2; currentValue 3 resource.Quantity; selector 4 meta.v1.LabelSelector; averageValue 5 resource.Quantity',
    PodsMetricSource:
      'metricName 1; targetAverageValue 2 resource.Quantity; selector 3 meta.v1.LabelSelector',
    PodsMetricStatus:
      'metricName 1; currentAverageValue 2 resource.Quantity; selector 3 meta.v1.LabelSelector',
    ResourceMetricSource: 'name 1; targetAverageUtilization 2 *int32; targetAverageValue 3 resource.Quantity',
    ResourceMetricStatus:
      'name 1; currentAverageUtilization 2 *int32; currentAverageValue 3 resource.Quantity',
    Scale: 'metadata 1 meta.v1.ObjectMeta; spec 2 ScaleSpec; status 3 ScaleStatus',
    ScaleSpec: 'replicas 1 int32',
    ScaleStatus: 'replicas 1 !int32; selector 2',
  },
};

/** autoscaling.v2 messages. */
export const AUTOSCALING_V2: MessageTable = {
  package: 'autoscaling.v2',
  messages: {
    ContainerResourceMetricSource: 'name 1 !string; target 2 MetricTarget; container 3 !string',
    ContainerResourceMetricStatus: 'name 1 !string; current 2 MetricValueStatus; container 3 !string',
    CrossVersionObjectReference: 'kind 1 !string; name 2 !string; apiVersion 3',
    ExternalMetricSource: 'metric 1 MetricIdentifier; target 2 MetricTarget',
    ExternalMetricStatus: 'metric 1 MetricIdentifier; current 2 MetricValueStatus',
    HPAScalingPolicy: 'type 1 !string; value 2 !int32; periodSeconds 3 !int32',
    HPAScalingRules:
      'stabilizationWindowSeconds 3 *int32; selectPolicy 1 *string; policies 2 []HPAScalingPolicy',
    HorizontalPodAutoscaler:
      'metadata 1 meta.v1.ObjectMeta; spec 2 HorizontalPodAutoscalerSpec; status 3 HorizontalPodAutoscalerStatus',
    HorizontalPodAutoscalerBehavior: 'scaleUp 1 HPAScalingRules; scaleDown 2 HPAScalingRules',
    HorizontalPodAutoscalerCondition:
      'type 1 !string; status 2 !string; lastTransitionTime 3 meta.v1.Time; reason 4; message 5',
    HorizontalPodAutoscalerList: 'metadata 1 meta.v1.ListMeta; items 2 []HorizontalPodAutoscaler',
    HorizontalPodAutoscalerSpec:
      'scaleTargetRef 1 CrossVersionObjectReference; minReplicas 2 *int32; maxReplicas 3 !int32; metrics 4 []MetricSpec; behavior 5 HorizontalPodAutoscalerBehavior',
    HorizontalPodAutoscalerStatus:
      'observedGeneration 1 *int64; lastScaleTime 2 meta.v1.Time; currentReplicas 3 int32; desiredReplicas 4 !int32; currentMetrics 5 []MetricStatus; conditions 6 []HorizontalPodAutoscalerCondition',
    MetricIdentifier: 'name 1 !string; selector 2 meta.v1.LabelSelector',
    MetricSpec:
      'type 1 !string; object 2 ObjectMetricSource; pods 3 PodsMetricSource; resource 4 ResourceMetricSource; containerResource 7 ContainerResourceMetricSource; external 5 ExternalMetricSource',
    MetricStatus:
      'type 1 !string; object 2 ObjectMetricStatus; pods 3 PodsMetricStatus; resource 4 ResourceMetricStatus; containerResource 7 ContainerResourceMetricStatus; external 5 ExternalMetricStatus',
    MetricTarget:
      'type 1 !string; value 2 resource.Quantity; averageValue 3 resource.Quantity; averageUtilization 4 *int32',
    MetricValueStatus:
      'value 1 resource.Quantity; averageValue 2 resource.Quantity; averageUtilization 3 *int32',
    ObjectMetricSource:
      'describedObject 1 CrossVersionObjectReference; target 2 MetricTarget; metric 3 MetricIdentifier',
    ObjectMetricStatus:
      'metric 1 MetricIdentifier; current 2 MetricValueStatus; describedObject 3 CrossVersionObjectReference',
    PodsMetricSource: 'metric 1 MetricIdentifier; target 2 MetricTarget',
    PodsMetricStatus: 'metric 1 MetricIdentifier; current 2 MetricValueStatus',
    ResourceMetricSource: 'name 1 !string; target 2 MetricTarget',
    ResourceMetricStatus: 'name 1 !string; current 2 MetricValueStatus',
  },
};
