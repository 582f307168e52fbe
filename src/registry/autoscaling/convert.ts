/**
 * Conversion between autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscalers, so one stored
 * (v2) object can be served in both versions. v1 only knows a CPU utilization target; whatever
 * else a v2 object holds (other metrics, current metrics, conditions, behavior) travels in the
 * same annotations Kubernetes uses, so a v1 read-modify-write does not lose it.
 */
import type { HorizontalPodAutoscaler as HPAv1 } from 'kubernetes-types/autoscaling/v1.js';
import type {
  HorizontalPodAutoscaler as HPAv2,
  MetricSpec,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import type { KObject } from '../../api/object.js';

/** Annotations carrying v2-only data on a v1 object. */
export const HPA_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const HPA_CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
export const HPA_CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const HPA_BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';

const CARRIER_ANNOTATIONS = [
  HPA_METRICS_ANNOTATION,
  HPA_CURRENT_METRICS_ANNOTATION,
  HPA_CONDITIONS_ANNOTATION,
  HPA_BEHAVIOR_ANNOTATION,
];

function copy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

function isCPUUtilization(m: MetricSpec): boolean {
  return (
    m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.averageUtilization !== undefined
  );
}

function isCPUCurrent(m: MetricStatus): boolean {
  return (
    m.type === 'Resource' &&
    m.resource?.name === 'cpu' &&
    m.resource.current?.averageUtilization !== undefined
  );
}

function cpuMetric(utilization: number): MetricSpec {
  return {
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: utilization } },
  };
}

function setAnnotation(meta: ObjectMeta, key: string, value: unknown[] | object | undefined): void {
  const empty = value === undefined || (Array.isArray(value) && value.length === 0);
  if (empty) return;
  meta.annotations = { ...meta.annotations, [key]: JSON.stringify(value) };
}

function takeAnnotation<T>(meta: ObjectMeta, key: string): T | undefined {
  const raw = meta.annotations?.[key];
  if (raw === undefined) return undefined;
  delete meta.annotations![key];
  try {
    return JSON.parse(raw) as T;
  } catch {
    // A hand-edited, unparseable carrier annotation is dropped rather than failing the request.
    return undefined;
  }
}

/** Serve a stored v2 HPA as autoscaling/v1. */
export function convertHPAv2ToV1(obj: KObject): KObject {
  const hpa = obj as unknown as HPAv2;
  const metadata = copy(hpa.metadata ?? {});
  const metrics = hpa.spec?.metrics ?? [];
  const cpuIndex = metrics.findIndex(isCPUUtilization);
  const spec: HPAv1['spec'] = {
    scaleTargetRef: copy(hpa.spec?.scaleTargetRef ?? { kind: '', name: '' }),
    maxReplicas: hpa.spec?.maxReplicas ?? 0,
  };
  if (hpa.spec?.minReplicas !== undefined) spec.minReplicas = hpa.spec.minReplicas;
  if (cpuIndex >= 0)
    spec.targetCPUUtilizationPercentage = metrics[cpuIndex].resource!.target.averageUtilization;
  setAnnotation(metadata, HPA_METRICS_ANNOTATION, copy(metrics.filter((_, i) => i !== cpuIndex)));
  setAnnotation(metadata, HPA_BEHAVIOR_ANNOTATION, copy(hpa.spec?.behavior));

  const out: HPAv1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata, spec };
  if (hpa.status) {
    const current = hpa.status.currentMetrics ?? [];
    const cpuCurrent = current.findIndex(isCPUCurrent);
    out.status = {
      currentReplicas: hpa.status.currentReplicas ?? 0,
      desiredReplicas: hpa.status.desiredReplicas,
    };
    if (hpa.status.observedGeneration !== undefined)
      out.status.observedGeneration = hpa.status.observedGeneration;
    if (hpa.status.lastScaleTime !== undefined) out.status.lastScaleTime = hpa.status.lastScaleTime;
    if (cpuCurrent >= 0) {
      out.status.currentCPUUtilizationPercentage = current[cpuCurrent].resource!.current.averageUtilization;
    }
    setAnnotation(metadata, HPA_CURRENT_METRICS_ANNOTATION, copy(current.filter((_, i) => i !== cpuCurrent)));
    setAnnotation(metadata, HPA_CONDITIONS_ANNOTATION, copy(hpa.status.conditions));
  }
  return out as unknown as KObject;
}

/** Store a v1 HPA as autoscaling/v2, restoring what its annotations carry. */
export function convertHPAv1ToV2(obj: KObject): KObject {
  const hpa = obj as unknown as HPAv1;
  const metadata = copy(hpa.metadata ?? {});
  const extraMetrics = takeAnnotation<MetricSpec[]>(metadata, HPA_METRICS_ANNOTATION) ?? [];
  const behavior = takeAnnotation<NonNullable<HPAv2['spec']>['behavior']>(metadata, HPA_BEHAVIOR_ANNOTATION);
  const extraCurrent = takeAnnotation<MetricStatus[]>(metadata, HPA_CURRENT_METRICS_ANNOTATION) ?? [];
  const conditions = takeAnnotation<NonNullable<HPAv2['status']>['conditions']>(
    metadata,
    HPA_CONDITIONS_ANNOTATION,
  );
  for (const key of CARRIER_ANNOTATIONS) delete metadata.annotations?.[key];
  if (metadata.annotations && Object.keys(metadata.annotations).length === 0) delete metadata.annotations;

  const target = hpa.spec?.targetCPUUtilizationPercentage;
  const metrics = [...(target !== undefined ? [cpuMetric(target)] : []), ...extraMetrics];
  const spec: HPAv2['spec'] = {
    scaleTargetRef: copy(hpa.spec?.scaleTargetRef ?? { kind: '', name: '' }),
    maxReplicas: hpa.spec?.maxReplicas ?? 0,
  };
  if (hpa.spec?.minReplicas !== undefined) spec.minReplicas = hpa.spec.minReplicas;
  if (metrics.length > 0) spec.metrics = metrics;
  if (behavior) spec.behavior = behavior;

  const out: HPAv2 = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata, spec };
  if (hpa.status) {
    const st = hpa.status;
    const cpu = st.currentCPUUtilizationPercentage;
    const current: MetricStatus[] = [
      ...(cpu !== undefined
        ? [
            {
              type: 'Resource',
              resource: { name: 'cpu', current: { averageUtilization: cpu } },
            } as MetricStatus,
          ]
        : []),
      ...extraCurrent,
    ];
    out.status = { desiredReplicas: st.desiredReplicas };
    if (st.currentReplicas !== undefined) out.status.currentReplicas = st.currentReplicas;
    if (st.observedGeneration !== undefined) out.status.observedGeneration = st.observedGeneration;
    if (st.lastScaleTime !== undefined) out.status.lastScaleTime = st.lastScaleTime;
    if (current.length > 0) out.status.currentMetrics = current;
    if (conditions) out.status.conditions = conditions;
  }
  return out as unknown as KObject;
}
