/**
 * Validation of a PodSpec's containers (init, regular, ephemeral): names, images, ports, env,
 * volume mounts, resources and probes, with Kubernetes' field paths and wording.
 */
import type { Container, EnvVar, PodSpec, Probe, ResourceRequirements } from 'kubernetes-types/core/v1.js';
import { isValidQuantity, parseQuantity } from '../common/quantity.js';
import {
  duplicate,
  forbidden,
  invalid,
  invalidEach,
  isDNS1123Label,
  isEnvVarName,
  isQualifiedName,
  isValidPortName,
  notFound,
  notSupported,
  required,
  validateNonnegative,
  validatePortNumber,
} from '../common/validation.js';
import type { FieldError } from '../types.js';

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];

function validatePorts(c: Container, f: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  (c.ports ?? []).forEach((p, i) => {
    const pf = `${f}.ports[${i}]`;
    if (p.name) {
      errs.push(...invalidEach(`${pf}.name`, p.name, isValidPortName(p.name)));
      if (names.has(p.name)) errs.push(duplicate(`${pf}.name`, p.name));
      names.add(p.name);
    }
    if (p.containerPort === undefined || p.containerPort === 0) errs.push(required(`${pf}.containerPort`));
    else errs.push(...validatePortNumber(p.containerPort, `${pf}.containerPort`));
    if (p.hostPort) errs.push(...validatePortNumber(p.hostPort, `${pf}.hostPort`));
    if (!p.protocol) errs.push(required(`${pf}.protocol`));
    else if (!PROTOCOLS.includes(p.protocol))
      errs.push(notSupported(`${pf}.protocol`, p.protocol, PROTOCOLS));
  });
  return errs;
}

function validateEnvVar(e: EnvVar, ef: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!e.name) errs.push(required(`${ef}.name`));
  else errs.push(...invalidEach(`${ef}.name`, e.name, isEnvVarName(e.name)));
  const vf = e.valueFrom;
  if (!vf) return errs;
  const sources = [vf.fieldRef, vf.resourceFieldRef, vf.configMapKeyRef, vf.secretKeyRef].filter(Boolean);
  if (e.value) {
    errs.push(invalid(`${ef}.valueFrom`, '', 'may not be specified when `value` is not empty'));
  }
  if (sources.length === 0) {
    errs.push(
      invalid(
        `${ef}.valueFrom`,
        '',
        'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ),
    );
  } else if (sources.length > 1) {
    errs.push(invalid(`${ef}.valueFrom`, '', 'may not have more than one field specified at a time'));
  }
  if (vf.configMapKeyRef && !vf.configMapKeyRef.key)
    errs.push(required(`${ef}.valueFrom.configMapKeyRef.key`));
  if (vf.secretKeyRef && !vf.secretKeyRef.key) errs.push(required(`${ef}.valueFrom.secretKeyRef.key`));
  if (vf.fieldRef && !vf.fieldRef.fieldPath) errs.push(required(`${ef}.valueFrom.fieldRef.fieldPath`));
  return errs;
}

function validateResourceMap(m: Record<string, unknown> | undefined, f: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, q] of Object.entries(m ?? {})) {
    const kf = `${f}[${name}]`;
    errs.push(...invalidEach(kf, name, isQualifiedName(name)));
    if (!isValidQuantity(q)) {
      errs.push(
        invalid(
          kf,
          q,
          "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
      );
    } else if (parseQuantity(q as string) < 0) {
      errs.push(invalid(kf, q, 'must be greater than or equal to 0'));
    }
  }
  return errs;
}

/** Resource requests/limits: valid quantities, and each request no larger than its limit. */
export function validateResources(r: ResourceRequirements | undefined, f: string): FieldError[] {
  if (!r) return [];
  const limits = (r.limits ?? {}) as Record<string, unknown>;
  const requests = (r.requests ?? {}) as Record<string, unknown>;
  const errs = [
    ...validateResourceMap(limits, `${f}.limits`),
    ...validateResourceMap(requests, `${f}.requests`),
  ];
  if (errs.length) return errs;
  for (const [name, req] of Object.entries(requests)) {
    const lim = limits[name];
    if (lim === undefined) continue;
    if (parseQuantity(req as string) > parseQuantity(lim as string)) {
      errs.push(
        invalid(
          `${f}.requests[${name}]`,
          String(req),
          `must be less than or equal to ${name} limit of ${lim}`,
        ),
      );
    }
  }
  return errs;
}

function validateProbe(p: Probe | undefined, f: string, mustSucceedOnce: boolean): FieldError[] {
  if (!p) return [];
  const errs: FieldError[] = [];
  const handlers = (['exec', 'httpGet', 'tcpSocket', 'grpc'] as const).filter((h) => p[h]);
  if (handlers.length === 0) errs.push(required(f, 'must specify a handler type'));
  if (handlers.length > 1)
    errs.push(forbidden(`${f}.${handlers[1]}`, 'may not specify more than 1 handler type'));
  for (const k of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ] as const) {
    errs.push(...validateNonnegative(p[k], `${f}.${k}`));
  }
  if (mustSucceedOnce && p.successThreshold !== undefined && p.successThreshold !== 1) {
    errs.push(invalid(`${f}.successThreshold`, p.successThreshold, 'must be 1'));
  }
  const port = p.httpGet?.port ?? p.tcpSocket?.port;
  if (typeof port === 'number')
    errs.push(...validatePortNumber(port, `${f}.${p.httpGet ? 'httpGet' : 'tcpSocket'}.port`));
  if (p.exec && !p.exec.command?.length) errs.push(required(`${f}.exec.command`));
  return errs;
}

function validateContainer(c: Container, f: string, volumes: Set<string>, isInit: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.image) errs.push(required(`${f}.image`));
  if (c.imagePullPolicy && !PULL_POLICIES.includes(c.imagePullPolicy)) {
    errs.push(notSupported(`${f}.imagePullPolicy`, c.imagePullPolicy, PULL_POLICIES));
  }
  if (c.terminationMessagePolicy && !MESSAGE_POLICIES.includes(c.terminationMessagePolicy)) {
    errs.push(notSupported(`${f}.terminationMessagePolicy`, c.terminationMessagePolicy, MESSAGE_POLICIES));
  }
  errs.push(...validatePorts(c, f));
  (c.env ?? []).forEach((e, i) => {
    errs.push(...validateEnvVar(e, `${f}.env[${i}]`));
  });
  const mountPaths = new Set<string>();
  (c.volumeMounts ?? []).forEach((m, i) => {
    const mf = `${f}.volumeMounts[${i}]`;
    if (!m.name) errs.push(required(`${mf}.name`));
    else if (!volumes.has(m.name)) errs.push(notFound(`${mf}.name`, m.name));
    if (!m.mountPath) errs.push(required(`${mf}.mountPath`));
    else if (mountPaths.has(m.mountPath))
      errs.push(invalid(`${mf}.mountPath`, m.mountPath, 'must be unique'));
    mountPaths.add(m.mountPath);
  });
  errs.push(...validateResources(c.resources, `${f}.resources`));
  // Init containers run to completion, so Kubernetes forbids readiness/liveness probes there
  // unless they are restartable sidecars.
  const sidecar = isInit && c.restartPolicy === 'Always';
  if (isInit && !sidecar) {
    if (c.livenessProbe)
      errs.push(
        forbidden(`${f}.livenessProbe`, 'may not be set for init containers without restartPolicy=Always'),
      );
    if (c.readinessProbe)
      errs.push(
        forbidden(`${f}.readinessProbe`, 'may not be set for init containers without restartPolicy=Always'),
      );
    if (c.startupProbe)
      errs.push(
        forbidden(`${f}.startupProbe`, 'may not be set for init containers without restartPolicy=Always'),
      );
  } else {
    errs.push(...validateProbe(c.livenessProbe, `${f}.livenessProbe`, true));
    errs.push(...validateProbe(c.readinessProbe, `${f}.readinessProbe`, false));
    errs.push(...validateProbe(c.startupProbe, `${f}.startupProbe`, true));
  }
  if (c.restartPolicy !== undefined && (!isInit || c.restartPolicy !== 'Always')) {
    errs.push(
      isInit
        ? notSupported(`${f}.restartPolicy`, c.restartPolicy, ['Always'])
        : forbidden(`${f}.restartPolicy`, 'may not be set for non-init containers'),
    );
  }
  return errs;
}

/** Validate init and regular containers: at least one container, unique DNS-1123 names. */
export function validateContainers(spec: PodSpec, field: string, volumes: Set<string>): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const check = (list: Container[] | undefined, key: string, isInit: boolean) => {
    (list ?? []).forEach((c, i) => {
      const f = `${field}.${key}[${i}]`;
      if (!c.name) errs.push(required(`${f}.name`));
      else {
        errs.push(...invalidEach(`${f}.name`, c.name, isDNS1123Label(c.name)));
        if (names.has(c.name)) errs.push(duplicate(`${f}.name`, c.name));
        names.add(c.name);
      }
      errs.push(...validateContainer(c, f, volumes, isInit));
    });
  };
  check(spec.initContainers, 'initContainers', true);
  if (!spec.containers?.length) errs.push(required(`${field}.containers`));
  check(spec.containers, 'containers', false);
  return errs;
}
