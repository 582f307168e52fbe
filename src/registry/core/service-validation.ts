/**
 * Validation of a ServiceSpec (ValidateService): type, ports, selector, clusterIP shape,
 * traffic policies and session affinity, with Kubernetes' field paths and wording.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import {
  duplicate,
  forbidden,
  invalid,
  invalidEach,
  isDNS1123Label,
  isDNS1123Subdomain,
  isIPv4,
  isValidPortName,
  notSupported,
  required,
  validateLabels,
  validatePortNumber,
} from '../common/validation.js';
import type { FieldError } from '../types.js';

type ServiceSpec = NonNullable<Service['spec']>;

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITIES = ['ClientIP', 'None'];
const TRAFFIC_POLICIES = ['Cluster', 'Local'];

function validatePort(p: ServicePort, i: number, s: ServiceSpec, many: boolean): FieldError[] {
  const f = `spec.ports[${i}]`;
  const errs: FieldError[] = [];
  if (many && !p.name) errs.push(required(`${f}.name`));
  if (p.name) errs.push(...invalidEach(`${f}.name`, p.name, isDNS1123Label(p.name)));
  errs.push(...validatePortNumber(p.port, `${f}.port`));
  if (p.protocol && !PROTOCOLS.includes(p.protocol))
    errs.push(notSupported(`${f}.protocol`, p.protocol, PROTOCOLS));
  if (typeof p.targetPort === 'number') errs.push(...validatePortNumber(p.targetPort, `${f}.targetPort`));
  else if (typeof p.targetPort === 'string')
    errs.push(...invalidEach(`${f}.targetPort`, p.targetPort, isValidPortName(p.targetPort)));
  if (p.nodePort && s.type !== 'NodePort' && s.type !== 'LoadBalancer') {
    errs.push(forbidden(`${f}.nodePort`, `may not be used when \`type\` is '${s.type}'`));
  }
  return errs;
}

function validatePorts(s: ServiceSpec): FieldError[] {
  const ports = s.ports ?? [];
  const errs: FieldError[] = [];
  if (ports.length === 0 && s.clusterIP !== 'None' && s.type !== 'ExternalName')
    errs.push(required('spec.ports'));
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((p, i) => {
    errs.push(...validatePort(p, i, s, ports.length > 1));
    if (p.name) {
      if (names.has(p.name)) errs.push(duplicate(`spec.ports[${i}].name`, p.name));
      names.add(p.name);
    }
    const key = `${p.port}/${p.protocol ?? 'TCP'}`;
    if (keys.has(key))
      errs.push(duplicate(`spec.ports[${i}]`, { port: p.port, protocol: p.protocol ?? 'TCP' }));
    keys.add(key);
  });
  return errs;
}

function validateClusterIP(s: ServiceSpec): FieldError[] {
  const ip = s.clusterIPs?.[0] ?? s.clusterIP;
  if (!ip) return [];
  if (s.type === 'ExternalName')
    return [forbidden('spec.clusterIPs', 'may not be set for ExternalName services')];
  if (ip === 'None') {
    return s.type === 'ClusterIP'
      ? []
      : [invalid('spec.clusterIPs[0]', ip, `may not be set to 'None' for ${s.type} services`)];
  }
  if (!isIPv4(ip))
    return [
      invalid('spec.clusterIPs[0]', ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'),
    ];
  if (s.clusterIP && s.clusterIPs?.length && s.clusterIPs[0] !== s.clusterIP) {
    return [invalid('spec.clusterIPs', s.clusterIPs, 'first value must match `clusterIP`')];
  }
  return [];
}

function validatePolicies(s: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (s.sessionAffinity && !AFFINITIES.includes(s.sessionAffinity)) {
    errs.push(notSupported('spec.sessionAffinity', s.sessionAffinity, AFFINITIES));
  }
  const timeout = s.sessionAffinityConfig?.clientIP?.timeoutSeconds;
  if (timeout !== undefined && (timeout <= 0 || timeout > 86400)) {
    errs.push(
      invalid(
        'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
        timeout,
        'must be greater than 0 and less than 86400',
      ),
    );
  }
  if (s.externalTrafficPolicy) {
    if (s.type !== 'NodePort' && s.type !== 'LoadBalancer') {
      errs.push(
        invalid(
          'spec.externalTrafficPolicy',
          s.externalTrafficPolicy,
          "may only be set when `type` is 'NodePort' or 'LoadBalancer'",
        ),
      );
    } else if (!TRAFFIC_POLICIES.includes(s.externalTrafficPolicy)) {
      errs.push(notSupported('spec.externalTrafficPolicy', s.externalTrafficPolicy, TRAFFIC_POLICIES));
    }
  }
  if (s.internalTrafficPolicy && !TRAFFIC_POLICIES.includes(s.internalTrafficPolicy)) {
    errs.push(notSupported('spec.internalTrafficPolicy', s.internalTrafficPolicy, TRAFFIC_POLICIES));
  }
  (s.externalIPs ?? []).forEach((ip, i) => {
    if (!isIPv4(ip))
      errs.push(
        invalid(
          `spec.externalIPs[${i}]`,
          ip,
          'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
        ),
      );
  });
  (s.ipFamilies ?? []).forEach((fam, i) => {
    if (fam !== 'IPv4' && fam !== 'IPv6')
      errs.push(notSupported(`spec.ipFamilies[${i}]`, fam, ['IPv4', 'IPv6']));
  });
  return errs;
}

/** Validate a ServiceSpec at "spec". */
export function validateServiceSpec(s: ServiceSpec): FieldError[] {
  const errs: FieldError[] = [];
  if (!s.type || !TYPES.includes(s.type)) errs.push(notSupported('spec.type', s.type ?? '', TYPES));
  if (s.type === 'ExternalName') {
    if (!s.externalName) errs.push(required('spec.externalName'));
    else
      errs.push(
        ...invalidEach(
          'spec.externalName',
          s.externalName,
          isDNS1123Subdomain(s.externalName.replace(/\.$/, '')),
        ),
      );
  }
  errs.push(...validateLabels(s.selector, 'spec.selector'));
  errs.push(...validatePorts(s), ...validateClusterIP(s), ...validatePolicies(s));
  return errs;
}
