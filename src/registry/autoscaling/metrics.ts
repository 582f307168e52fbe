/**
 * autoscaling/v2 metric sources and scaling behavior: validation with Kubernetes' wording
 * (exactly one source per metric, targets of the right type and sign, policy bounds) and the
 * TARGETS cell kubectl prints ("cpu: 45%/80%, 2/5 + 1 more...").
 */
import type {
  HorizontalPodAutoscalerBehavior,
  HPAScalingRules,
  MetricSpec,
  MetricStatus,
  MetricTarget,
} from 'kubernetes-types/autoscaling/v2.js';
import { isValidQuantity, parseQuantity } from '../common/quantity.js';
import { forbidden, invalid, notSupported, required } from '../common/validation.js';
import type { FieldError } from '../types.js';

const SOURCE_TYPES = ['Object', 'Pods', 'Resource', 'External', 'ContainerResource'];
const SOURCE_FIELDS: Record<string, keyof MetricSpec> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};
const POLICY_TYPES = ['Pods', 'Percent'];
const SELECT_POLICIES = ['Max', 'Min', 'Disabled'];
const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_SECONDS = 3600;

function validatePositiveQuantity(q: string | undefined, field: string): FieldError[] {
  if (q === undefined) return [];
  if (!isValidQuantity(q) || parseQuantity(q) <= 0) return [invalid(field, q, 'must be positive')];
  return [];
}

function validateTarget(t: MetricTarget | undefined, field: string): FieldError[] {
  if (!t?.type) return [required(`${field}.type`, 'must specify a metric target type')];
  const errs: FieldError[] = [];
  if (!['Utilization', 'Value', 'AverageValue'].includes(t.type)) {
    errs.push(invalid(`${field}.type`, t.type, 'must be either Utilization, Value, or AverageValue'));
  }
  errs.push(...validatePositiveQuantity(t.value, `${field}.value`));
  errs.push(...validatePositiveQuantity(t.averageValue, `${field}.averageValue`));
  if (t.averageUtilization !== undefined && t.averageUtilization < 1) {
    errs.push(invalid(`${field}.averageUtilization`, t.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

/** Resource and ContainerResource targets: a utilization or an average value, not both. */
function validateResourceTarget(t: MetricTarget | undefined, field: string): FieldError[] {
  const errs = validateTarget(t, field);
  if (t?.averageUtilization === undefined && t?.averageValue === undefined) {
    errs.push(
      required(`${field}.averageUtilization`, 'must set either a target raw value or a target utilization'),
    );
  }
  if (t?.averageUtilization !== undefined && t?.averageValue !== undefined) {
    errs.push(
      forbidden(`${field}.averageValue`, 'may not set both a target raw value and a target utilization'),
    );
  }
  return errs;
}

function validateSource(m: MetricSpec, f: string): FieldError[] {
  const errs: FieldError[] = [];
  if (m.resource) {
    if (!m.resource.name) errs.push(required(`${f}.resource.name`, 'must specify a resource name'));
    errs.push(...validateResourceTarget(m.resource.target, `${f}.resource.target`));
  }
  if (m.containerResource) {
    const c = m.containerResource;
    if (!c.name) errs.push(required(`${f}.containerResource.name`, 'must specify a resource name'));
    if (!c.container) errs.push(required(`${f}.containerResource.container`, 'must specify a container'));
    errs.push(...validateResourceTarget(c.target, `${f}.containerResource.target`));
  }
  if (m.pods) {
    if (!m.pods.metric?.name) errs.push(required(`${f}.pods.metric.name`, 'must specify a metric name'));
    errs.push(...validateTarget(m.pods.target, `${f}.pods.target`));
    if (m.pods.target?.averageValue === undefined) {
      errs.push(required(`${f}.pods.target.averageValue`, 'must specify a positive target averageValue'));
    }
  }
  if (m.object) {
    if (!m.object.metric?.name) errs.push(required(`${f}.object.metric.name`, 'must specify a metric name'));
    if (!m.object.describedObject?.kind) errs.push(required(`${f}.object.describedObject.kind`));
    if (!m.object.describedObject?.name) errs.push(required(`${f}.object.describedObject.name`));
    errs.push(...validateTarget(m.object.target, `${f}.object.target`));
    if (m.object.target?.value === undefined && m.object.target?.averageValue === undefined) {
      errs.push(
        required(`${f}.object.target.averageValue`, 'must set either a target value or averageValue'),
      );
    }
  }
  if (m.external) {
    const t = m.external.target;
    if (!m.external.metric?.name)
      errs.push(required(`${f}.external.metric.name`, 'must specify a metric name'));
    errs.push(...validateTarget(t, `${f}.external.target`));
    if (t?.value === undefined && t?.averageValue === undefined) {
      errs.push(
        required(
          `${f}.external.target.averageValue`,
          'must set either a target value for metric or a per-pod target',
        ),
      );
    }
    if (t?.value !== undefined && t?.averageValue !== undefined) {
      errs.push(
        forbidden(
          `${f}.external.target.value`,
          'may not set both a target value for metric and a per-pod target',
        ),
      );
    }
  }
  return errs;
}

/** Each metric names one source type and fills exactly that source. */
export function validateMetrics(metrics: MetricSpec[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  metrics.forEach((m, i) => {
    const f = `${field}[${i}]`;
    if (!m.type) {
      errs.push(required(`${f}.type`, 'must specify a metric source type'));
      return;
    }
    if (!SOURCE_TYPES.includes(m.type)) {
      errs.push(notSupported(`${f}.type`, m.type, SOURCE_TYPES));
      return;
    }
    const expected = SOURCE_FIELDS[m.type];
    if (m[expected] === undefined) {
      errs.push(required(`${f}.${expected}`, 'must populate information for the given metric source'));
    }
    for (const other of Object.values(SOURCE_FIELDS)) {
      if (other !== expected && m[other] !== undefined) {
        errs.push(forbidden(`${f}.${other}`, 'must populate the given metric source only'));
      }
    }
    errs.push(...validateSource(m, f));
  });
  return errs;
}

function validateRules(r: HPAScalingRules | undefined, field: string): FieldError[] {
  if (!r) return [];
  const errs: FieldError[] = [];
  const w = r.stabilizationWindowSeconds;
  if (w !== undefined && (w < 0 || w > MAX_STABILIZATION_SECONDS)) {
    errs.push(
      invalid(
        `${field}.stabilizationWindowSeconds`,
        w,
        `must be less than or equal to ${MAX_STABILIZATION_SECONDS}`,
      ),
    );
  }
  if (r.selectPolicy && !SELECT_POLICIES.includes(r.selectPolicy)) {
    errs.push(notSupported(`${field}.selectPolicy`, r.selectPolicy, SELECT_POLICIES));
  }
  const policies = r.policies ?? [];
  if (r.policies !== undefined && policies.length === 0)
    errs.push(required(`${field}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const f = `${field}.policies[${i}]`;
    if (!POLICY_TYPES.includes(p.type)) errs.push(notSupported(`${f}.type`, p.type, POLICY_TYPES));
    if (!(p.value > 0)) errs.push(invalid(`${f}.value`, p.value, 'must be greater than zero'));
    if (!(p.periodSeconds > 0))
      errs.push(invalid(`${f}.periodSeconds`, p.periodSeconds, 'must be greater than zero'));
    else if (p.periodSeconds > MAX_PERIOD_SECONDS) {
      errs.push(
        invalid(`${f}.periodSeconds`, p.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`),
      );
    }
  });
  return errs;
}

/** Scale-up and scale-down rules. */
export function validateBehavior(
  b: HorizontalPodAutoscalerBehavior | undefined,
  field: string,
): FieldError[] {
  if (!b) return [];
  return [
    ...validateRules(b.scaleUp, `${field}.scaleUp`),
    ...validateRules(b.scaleDown, `${field}.scaleDown`),
  ];
}

const UNKNOWN = '<unknown>';

function valueTarget(
  target: MetricTarget | undefined,
  current: { value?: string; averageValue?: string } | undefined,
): string {
  if (target?.averageValue !== undefined)
    return `${current?.averageValue ?? UNKNOWN}/${target.averageValue} (avg)`;
  return `${current?.value ?? UNKNOWN}/${target?.value ?? ''}`;
}

function resourceTarget(
  name: string,
  target: MetricTarget | undefined,
  current: { averageValue?: string; averageUtilization?: number } | undefined,
): string {
  if (target?.averageValue !== undefined)
    return `${name}: ${current?.averageValue ?? UNKNOWN}/${target.averageValue}`;
  const cur = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : UNKNOWN;
  const want = target?.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>';
  return `${name}: ${cur}/${want}`;
}

function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case 'External':
      return valueTarget(spec.external?.target, status?.external?.current);
    case 'Pods':
      return `${status?.pods?.current?.averageValue ?? UNKNOWN}/${spec.pods?.target?.averageValue ?? ''}`;
    case 'Object':
      return valueTarget(spec.object?.target, status?.object?.current);
    case 'Resource':
      return resourceTarget(spec.resource?.name ?? '', spec.resource?.target, status?.resource?.current);
    case 'ContainerResource':
      return resourceTarget(
        spec.containerResource?.name ?? '',
        spec.containerResource?.target,
        status?.containerResource?.current,
      );
    default:
      return '<unknown type>';
  }
}

/** The TARGETS cell: up to two metrics as current/target, then "+ N more...". */
export function formatHPAMetrics(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return '<none>';
  const max = 2;
  const list = specs.slice(0, max).map((s, i) => formatMetric(s, statuses[i]));
  return specs.length > max ? `${list.join(', ')} + ${specs.length - max} more...` : list.join(', ');
}
