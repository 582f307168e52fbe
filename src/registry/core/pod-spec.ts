/**
 * PodSpec defaulting and validation, shared by pods and by every workload that embeds a pod
 * template (deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs, RCs, podtemplates).
 * Defaults follow k8s.io/kubernetes pkg/apis/core/v1/defaults.go; validation the parts of
 * pkg/apis/core/validation that users actually hit.
 */
import type { Container, PodSpec, PodTemplateSpec, Probe, Volume } from 'kubernetes-types/core/v1.js';
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { labelSelectorMatches, selectorIsEmpty } from '../common/selector.js';
import {
  invalid,
  invalidEach,
  isDNS1123Subdomain,
  notSupported,
  validateAnnotations,
  validateLabels,
  validateNonnegative,
} from '../common/validation.js';
import type { FieldError } from '../types.js';
import { validateContainers } from './pod-containers.js';
import { validateVolumes } from './pod-volumes.js';

/** Mode 0644, the default for secret, configMap, downwardAPI and projected volumes. */
const DEFAULT_MODE = 0o644;

/** The kubelet's default image pull policy: Always for ":latest" or untagged images. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return lastSegment.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (p.httpGet) {
    p.httpGet.path ||= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: Container, hostNetwork: boolean): void {
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  for (const p of c.ports ?? []) {
    p.protocol ??= 'TCP';
    // With host networking the container port is the host port.
    if (hostNetwork && p.hostPort === undefined) p.hostPort = p.containerPort;
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ??= 'v1';
  }
  c.resources ??= {};
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

function defaultVolume(v: Volume): void {
  const sources = Object.keys(v).filter((k) => k !== 'name');
  // A volume that names no source is an emptyDir, as in SetDefaults_Volume.
  if (sources.length === 0) v.emptyDir = {};
  if (v.secret) v.secret.defaultMode ??= DEFAULT_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_MODE;
    for (const item of v.downwardAPI.items ?? []) {
      if (item.fieldRef) item.fieldRef.apiVersion ??= 'v1';
    }
  }
  if (v.projected) v.projected.defaultMode ??= DEFAULT_MODE;
  if (v.hostPath) v.hostPath.type ??= '';
}

/** Fill PodSpec defaults in place, as the API server does for pods and pod templates. */
export function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= 'Always';
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.securityContext ??= {};
  spec.enableServiceLinks ??= true;
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.ephemeralContainers ?? []) defaultContainer(c as Container, hostNetwork);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TOLERATION_OPERATORS = ['Exists', 'Equal'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validateTolerations(spec: PodSpec, field: string): FieldError[] {
  const errs: FieldError[] = [];
  (spec.tolerations ?? []).forEach((t, i) => {
    const f = `${field}.tolerations[${i}]`;
    if (t.operator && !TOLERATION_OPERATORS.includes(t.operator)) {
      errs.push(notSupported(`${f}.operator`, t.operator, TOLERATION_OPERATORS));
    }
    if (t.operator === 'Exists' && t.value) {
      errs.push(invalid(`${f}.operator`, t.operator, "value must be empty when `operator` is 'Exists'"));
    }
    if (!t.key && t.operator !== 'Exists') {
      errs.push(
        invalid(
          `${f}.operator`,
          t.operator ?? '',
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.effect && !TAINT_EFFECTS.includes(t.effect))
      errs.push(notSupported(`${f}.effect`, t.effect, TAINT_EFFECTS));
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      errs.push(
        invalid(`${f}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"),
      );
    }
  });
  return errs;
}

function validateSpecFields(spec: PodSpec, field: string): FieldError[] {
  const errs: FieldError[] = [];
  if (spec.restartPolicy && !RESTART_POLICIES.includes(spec.restartPolicy)) {
    errs.push(notSupported(`${field}.restartPolicy`, spec.restartPolicy, RESTART_POLICIES));
  }
  if (spec.dnsPolicy && !DNS_POLICIES.includes(spec.dnsPolicy)) {
    errs.push(notSupported(`${field}.dnsPolicy`, spec.dnsPolicy, DNS_POLICIES));
  }
  if (spec.dnsPolicy === 'None' && !spec.dnsConfig?.nameservers?.length) {
    errs.push(
      invalid(
        `${field}.dnsConfig`,
        spec.dnsConfig ?? null,
        'must provide at least one DNS nameserver when DNS policy is None',
      ),
    );
  }
  errs.push(
    ...validateNonnegative(spec.terminationGracePeriodSeconds, `${field}.terminationGracePeriodSeconds`),
  );
  const ads = spec.activeDeadlineSeconds;
  if (ads !== undefined && (!Number.isInteger(ads) || ads < 1 || ads > 2147483647)) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  }
  errs.push(...validateLabels(spec.nodeSelector, `${field}.nodeSelector`));
  if (spec.serviceAccountName) {
    errs.push(
      ...invalidEach(
        `${field}.serviceAccountName`,
        spec.serviceAccountName,
        isDNS1123Subdomain(spec.serviceAccountName),
      ),
    );
  }
  if (spec.nodeName) {
    errs.push(...invalidEach(`${field}.nodeName`, spec.nodeName, isDNS1123Subdomain(spec.nodeName)));
  }
  if (spec.priorityClassName) {
    errs.push(
      ...invalidEach(
        `${field}.priorityClassName`,
        spec.priorityClassName,
        isDNS1123Subdomain(spec.priorityClassName),
      ),
    );
  }
  errs.push(...validateTolerations(spec, field));
  return errs;
}

/** Validate a PodSpec; `field` is its path, e.g. "spec" or "spec.template.spec". */
export function validatePodSpec(spec: PodSpec, field: string): FieldError[] {
  const { errors: volErrs, names: volumeNames } = validateVolumes(spec.volumes, `${field}.volumes`);
  return [...volErrs, ...validateContainers(spec, field, volumeNames), ...validateSpecFields(spec, field)];
}

/**
 * Validate a pod template: required, valid labels and annotations, a valid PodSpec, and labels
 * that the owning workload's selector matches.
 */
export function validatePodTemplate(
  template: PodTemplateSpec | undefined,
  field: string,
  selector?: LabelSelector,
): FieldError[] {
  if (!template) return [{ type: 'FieldValueRequired', field, message: 'Required value' }];
  const labels = template.metadata?.labels;
  const errs = [
    ...validateLabels(labels, `${field}.metadata.labels`),
    ...validateAnnotations(template.metadata?.annotations, `${field}.metadata.annotations`),
  ];
  if (selector && !selectorIsEmpty(selector) && !labelSelectorMatches(selector, labels)) {
    errs.push(
      invalid(`${field}.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`'),
    );
  }
  if (!template.spec)
    errs.push({ type: 'FieldValueRequired', field: `${field}.spec`, message: 'Required value' });
  else errs.push(...validatePodSpec(template.spec, `${field}.spec`));
  return errs;
}
