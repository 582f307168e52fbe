import { describe, expect, it } from 'vitest';
import { create, messages, object, TEST_NOW } from '../apps/testkit.js';
import { hpaV1Strategy as v1, hpaV2Strategy as v2 } from './hpa.js';

const ref = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' };
const hpa2 = (spec: Record<string, unknown>) =>
  object('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', {
    scaleTargetRef: ref,
    maxReplicas: 5,
    ...spec,
  });
const hpa1 = (spec: Record<string, unknown>) =>
  object('autoscaling/v1', 'HorizontalPodAutoscaler', 'web', {
    scaleTargetRef: ref,
    maxReplicas: 5,
    ...spec,
  });

describe('horizontalpodautoscalers', () => {
  it('defaults minReplicas and the 80% CPU metric in v2', () => {
    const { obj, errors } = create(v2, hpa2({}));
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({
      minReplicas: 1,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
        },
      ],
    });
    expect(obj.status).toEqual({ desiredReplicas: 0 });
  });

  it('fills unset behavior rules with the Kubernetes defaults', () => {
    const { obj } = create(v2, hpa2({ behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } }));
    expect(obj.spec).toMatchObject({
      behavior: {
        scaleUp: {
          stabilizationWindowSeconds: 0,
          selectPolicy: 'Max',
          policies: [
            { type: 'Pods', value: 4, periodSeconds: 15 },
            { type: 'Percent', value: 100, periodSeconds: 15 },
          ],
        },
        scaleDown: {
          stabilizationWindowSeconds: 60,
          selectPolicy: 'Max',
          policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
        },
      },
    });
  });

  const invalid = [
    {
      name: 'maxReplicas below minReplicas is invalid',
      spec: { minReplicas: 6 },
      want: 'spec.maxReplicas: Invalid value: 5: must be greater than or equal to `minReplicas`',
    },
    {
      name: 'a metric must fill its own source',
      spec: {
        metrics: [
          { type: 'Pods', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 5 } } },
        ],
      },
      want: 'spec.metrics[0].pods: Required value: must populate information for the given metric source',
    },
    {
      name: 'a utilization target must be positive',
      spec: {
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 0 } },
          },
        ],
      },
      want: 'spec.metrics[0].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
    },
    {
      name: 'an unknown metric type is not supported',
      spec: { metrics: [{ type: 'Magic' }] },
      want: 'spec.metrics[0].type: Unsupported value: "Magic": supported values: "Object", "Pods", "Resource", "External", "ContainerResource"',
    },
    {
      name: 'the target needs a kind',
      spec: { scaleTargetRef: { name: 'web' } },
      want: 'spec.scaleTargetRef.kind: Required value',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(v2, hpa2(c.spec)).errors)).toContain(c.want);
    });
  }

  it('validates the v1 CPU target', () => {
    expect(messages(create(v1, hpa1({ targetCPUUtilizationPercentage: 0 })).errors)).toEqual([
      'spec.targetCPUUtilizationPercentage: Invalid value: 0: must be greater than 0',
    ]);
  });

  it('renders TARGETS like kubectl in both versions', () => {
    const { obj } = create(v1, hpa1({ targetCPUUtilizationPercentage: 50 }));
    expect(v1.row?.(obj, TEST_NOW)).toEqual([
      'web',
      'Deployment/web',
      'cpu: <unknown>/50%',
      '1',
      5,
      0,
      '60m',
    ]);
    obj.status = { currentReplicas: 2, desiredReplicas: 2, currentCPUUtilizationPercentage: 31 };
    expect(v1.row?.(obj, TEST_NOW)[2]).toBe('cpu: 31%/50%');
    const { obj: many } = create(
      v2,
      hpa2({
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } },
          },
          {
            type: 'Pods',
            pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '10' } },
          },
          { type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '3' } } },
        ],
      }),
    );
    expect(v2.row?.(many, TEST_NOW)[2]).toBe('memory: <unknown>/500Mi, <unknown>/10 + 1 more...');
  });
});
