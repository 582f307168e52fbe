/**
 * autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscaler: defaults (min replicas, the 80% CPU
 * metric, behavior rules), ValidateHorizontalPodAutoscalerSpec with its metric-source rules, and
 * kubectl's hpa table, which both versions render from the v2 form.
 */
import type { HorizontalPodAutoscalerSpec as SpecV1 } from 'kubernetes-types/autoscaling/v1.js';
import type {
  CrossVersionObjectReference,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerSpec,
  HPAScalingRules,
} from 'kubernetes-types/autoscaling/v2.js';
import type { KObject } from '../../api/object.js';
import { resetStatus, specOf } from '../apps/workload.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalid, required } from '../common/validation.js';
import type { FieldError, ResourceStrategy, TableColumn } from '../types.js';
import { convertHPAv1ToV2 } from './convert.js';
import { formatHPAMetrics, validateBehavior, validateMetrics } from './metrics.js';

/** CPU utilization target used when an HPA names no metric. */
export const DEFAULT_CPU_UTILIZATION = 80;

/** Path segment names may not be "." or ".." nor contain "/" or "%". */
function validatePathSegment(v: string, field: string): FieldError[] {
  if (v === '.' || v === '..') return [invalid(field, v, `may not be '${v}'`)];
  for (const bad of ['/', '%']) if (v.includes(bad)) return [invalid(field, v, `may not contain '${bad}'`)];
  return [];
}

function validateTargetRef(ref: CrossVersionObjectReference | undefined): FieldError[] {
  const f = 'spec.scaleTargetRef';
  const errs: FieldError[] = [];
  if (!ref?.kind) errs.push(required(`${f}.kind`));
  else errs.push(...validatePathSegment(ref.kind, `${f}.kind`));
  if (!ref?.name) errs.push(required(`${f}.name`));
  else errs.push(...validatePathSegment(ref.name, `${f}.name`));
  return errs;
}

function validateReplicaBounds(min: number | undefined, max: number | undefined): FieldError[] {
  const errs: FieldError[] = [];
  if (min !== undefined && min < 1)
    errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max === undefined || max < 1)
    errs.push(invalid('spec.maxReplicas', max ?? 0, 'must be greater than 0'));
  else if (min !== undefined && max < min) {
    errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  }
  return errs;
}

function scaleUpDefaults(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

function scaleDownDefaults(): HPAScalingRules {
  return {
    stabilizationWindowSeconds: 300,
    selectPolicy: 'Max',
    policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

function fillRules(rules: HPAScalingRules | undefined, defaults: HPAScalingRules): HPAScalingRules {
  if (!rules) return defaults;
  rules.stabilizationWindowSeconds ??= defaults.stabilizationWindowSeconds;
  rules.selectPolicy ??= defaults.selectPolicy;
  rules.policies ??= defaults.policies;
  return rules;
}

function defaultV2(obj: KObject): void {
  const spec = specOf<HorizontalPodAutoscalerSpec>(obj);
  spec.minReplicas ??= 1;
  if ((spec.metrics ?? []).length === 0) {
    spec.metrics = [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION },
        },
      },
    ];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = fillRules(spec.behavior.scaleUp, scaleUpDefaults());
    spec.behavior.scaleDown = fillRules(spec.behavior.scaleDown, scaleDownDefaults());
  }
}

function validateV2(obj: KObject): FieldError[] {
  const spec = specOf<HorizontalPodAutoscalerSpec>(obj);
  return [
    ...validateObjectMeta(obj),
    ...validateReplicaBounds(spec.minReplicas, spec.maxReplicas),
    ...validateTargetRef(spec.scaleTargetRef),
    ...validateMetrics(spec.metrics ?? [], 'spec.metrics'),
    ...validateBehavior(spec.behavior, 'spec.behavior'),
  ];
}

function validateV1(obj: KObject): FieldError[] {
  const spec = specOf<SpecV1>(obj);
  const errs = [
    ...validateObjectMeta(obj),
    ...validateReplicaBounds(spec.minReplicas, spec.maxReplicas),
    ...validateTargetRef(spec.scaleTargetRef),
  ];
  const target = spec.targetCPUUtilizationPercentage;
  if (target !== undefined && target < 1) {
    errs.push(invalid('spec.targetCPUUtilizationPercentage', target, 'must be greater than 0'));
  }
  return errs;
}

/** The row of an HPA in v2 form (v1 objects are converted and defaulted first). */
function hpaRow(hpa: HorizontalPodAutoscaler, now: Date): unknown[] {
  const spec = hpa.spec;
  return [
    hpa.metadata?.name,
    `${spec?.scaleTargetRef?.kind ?? ''}/${spec?.scaleTargetRef?.name ?? ''}`,
    formatHPAMetrics(spec?.metrics ?? [], hpa.status?.currentMetrics ?? []),
    spec?.minReplicas !== undefined ? String(spec.minReplicas) : '<unset>',
    spec?.maxReplicas ?? 0,
    hpa.status?.currentReplicas ?? 0,
    humanAge(hpa.metadata?.creationTimestamp, now),
  ];
}

const HPA_COLUMNS: TableColumn[] = [
  NAME_COLUMN,
  column('Reference', 'scaleTargetRef points to the target resource to scale.'),
  column(
    'Targets',
    'metrics contains the specifications for which to use to calculate the desired replica count.',
  ),
  column(
    'MinPods',
    'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.',
  ),
  column(
    'MaxPods',
    'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.',
  ),
  column('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
  AGE_COLUMN,
];

const common = {
  group: 'autoscaling',
  kind: 'HorizontalPodAutoscaler',
  resource: 'horizontalpodautoscalers',
  singularName: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  hasStatus: true,
  columns: HPA_COLUMNS,
} as const;

/** autoscaling/v2 horizontalpodautoscalers (the form to store). */
export const hpaV2Strategy: ResourceStrategy = {
  ...common,
  shortNames: [...common.shortNames],
  categories: [...common.categories],
  version: 'v2',
  defaults: defaultV2,
  prepareForCreate: (obj) => resetStatus(obj, { desiredReplicas: 0 }),
  validate: validateV2,
  row: (obj, now) => hpaRow(obj as unknown as HorizontalPodAutoscaler, now),
};

/** autoscaling/v1 horizontalpodautoscalers: a CPU-only view of the same objects. */
export const hpaV1Strategy: ResourceStrategy = {
  ...common,
  shortNames: [...common.shortNames],
  categories: [...common.categories],
  version: 'v1',
  defaults: (obj) => {
    specOf<SpecV1>(obj).minReplicas ??= 1;
  },
  prepareForCreate: (obj) => resetStatus(obj, { currentReplicas: 0, desiredReplicas: 0 }),
  validate: validateV1,
  row: (obj, now) => {
    const v2 = convertHPAv1ToV2(obj);
    defaultV2(v2);
    return hpaRow(v2 as unknown as HorizontalPodAutoscaler, now);
  },
};
