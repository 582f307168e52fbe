import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { convertHPAv1ToV2, convertHPAv2ToV1, HPA_METRICS_ANNOTATION } from './convert.js';

const meta = { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '7' };
const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const cpu = (n: number) => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: n } },
});

describe('HPA conversion', () => {
  it('maps a CPU-only v2 object to targetCPUUtilizationPercentage and back', () => {
    const v2: KObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta,
      spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, metrics: [cpu(70)] },
      status: {
        currentReplicas: 2,
        desiredReplicas: 3,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 95 } } },
        ],
      },
    };
    const v1 = convertHPAv2ToV1(v2);
    expect(v1).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta,
      spec: { scaleTargetRef: ref, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
      status: { currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 95 },
    });
    expect(convertHPAv1ToV2(v1)).toEqual(v2);
  });

  it('carries v2-only metrics, conditions and behavior through v1 in annotations', () => {
    const v2: KObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { ...meta, annotations: { team: 'web' } },
      spec: {
        scaleTargetRef: ref,
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          cpu(60),
          {
            type: 'Pods',
            pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '100' } },
          },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
      },
      status: {
        currentReplicas: 4,
        desiredReplicas: 4,
        lastScaleTime: '2024-05-01T11:00:00Z',
        conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2024-05-01T10:00:00Z' }],
      },
    };
    const v1 = convertHPAv2ToV1(v2);
    expect(v1.spec).toMatchObject({ targetCPUUtilizationPercentage: 60 });
    expect(JSON.parse(v1.metadata.annotations?.[HPA_METRICS_ANNOTATION] ?? '[]')).toHaveLength(1);
    expect(v1.metadata.annotations?.team).toBe('web');
    expect(convertHPAv1ToV2(v1)).toEqual(v2);
  });

  it('lets a v1 client change the CPU target without losing other metrics', () => {
    const v2: KObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta,
      spec: {
        scaleTargetRef: ref,
        maxReplicas: 3,
        metrics: [
          cpu(50),
          {
            type: 'External',
            external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } },
          },
        ],
      },
    };
    const v1 = convertHPAv2ToV1(v2);
    (v1.spec as { targetCPUUtilizationPercentage: number }).targetCPUUtilizationPercentage = 90;
    expect((convertHPAv1ToV2(v1).spec as { metrics: unknown[] }).metrics).toEqual([
      cpu(90),
      { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
    ]);
  });

  it('leaves metrics unset for a v1 object without a target, for v2 defaulting to fill', () => {
    const v1: KObject = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta,
      spec: { scaleTargetRef: ref, maxReplicas: 3 },
    };
    expect(convertHPAv1ToV2(v1).spec).toEqual({ scaleTargetRef: ref, maxReplicas: 3 });
  });
});
