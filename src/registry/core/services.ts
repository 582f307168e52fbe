/**
 * core/v1 services: defaults, ClusterIP/NodePort allocation on create (and on type changes),
 * keeping allocated values on updates that omit them, validation with Kubernetes' wording, and
 * kubectl's service columns.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import type { KObject } from '../../api/object.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../common/columns.js';
import { formatLabels, humanAge } from '../common/format.js';
import { validateObjectMeta } from '../common/meta.js';
import { invalid, isDNS1123Label } from '../common/validation.js';
import type { FieldError, ResourceStrategy, StrategyContext } from '../types.js';
import { allocateClusterIP, allocateNodePorts } from './service-alloc.js';
import { validateServiceSpec } from './service-validation.js';

function spec(obj: KObject): NonNullable<Service['spec']> {
  const svc = obj as unknown as Service;
  (obj as { spec?: unknown }).spec ??= {};
  return svc.spec!;
}

function usesNodePorts(type: string | undefined): boolean {
  return type === 'NodePort' || type === 'LoadBalancer';
}

function defaultService(obj: KObject): void {
  const s = spec(obj);
  s.type ??= 'ClusterIP';
  s.sessionAffinity ??= 'None';
  for (const p of s.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (s.type !== 'ExternalName') s.internalTrafficPolicy ??= 'Cluster';
  if (usesNodePorts(s.type)) s.externalTrafficPolicy ??= 'Cluster';
  if (s.type === 'LoadBalancer') s.allocateLoadBalancerNodePorts ??= true;
  if (s.sessionAffinity === 'ClientIP') {
    s.sessionAffinityConfig ??= {};
    s.sessionAffinityConfig.clientIP ??= {};
    s.sessionAffinityConfig.clientIP.timeoutSeconds ??= 10800;
  }
}

function setIPFamilies(obj: KObject): void {
  const s = spec(obj);
  if (s.type === 'ExternalName') return;
  s.ipFamilies ??= ['IPv4'];
  const headlessNoSelector = s.clusterIP === 'None' && !Object.keys(s.selector ?? {}).length;
  s.ipFamilyPolicy ??= headlessNoSelector ? 'RequireDualStack' : 'SingleStack';
}

function allocate(obj: KObject, ctx: StrategyContext): void {
  const s = spec(obj);
  if (s.type !== 'ExternalName') allocateClusterIP(obj, ctx);
  const lbWithoutPorts = s.type === 'LoadBalancer' && s.allocateLoadBalancerNodePorts === false;
  if (usesNodePorts(s.type) && !lbWithoutPorts) allocateNodePorts(obj, ctx);
  setIPFamilies(obj);
}

function prepareForCreate(obj: KObject, ctx: StrategyContext): void {
  (obj as { status?: unknown }).status = { loadBalancer: {} };
  defaultService(obj);
  allocate(obj, ctx);
}

function portKey(p: ServicePort): string {
  return `${p.port}/${p.protocol ?? 'TCP'}`;
}

/**
 * `kubectl apply`/`replace` bodies usually omit clusterIP and nodePort: keep the stored ones
 * (unless the type change makes them meaningless), then allocate anything still missing.
 */
function prepareForUpdate(obj: KObject, old: KObject, ctx: StrategyContext): void {
  defaultService(obj);
  const s = spec(obj);
  const o = spec(old);
  if (s.type !== 'ExternalName' && o.type !== 'ExternalName') {
    if (!s.clusterIP && !s.clusterIPs?.length) {
      s.clusterIP = o.clusterIP;
      s.clusterIPs = o.clusterIPs;
    }
    s.ipFamilies ??= o.ipFamilies;
    s.ipFamilyPolicy ??= o.ipFamilyPolicy;
  }
  if (s.type === 'ExternalName') {
    delete s.clusterIP;
    delete s.clusterIPs;
    delete s.ipFamilies;
    delete s.ipFamilyPolicy;
  }
  if (usesNodePorts(s.type) && usesNodePorts(o.type)) {
    const byKey = new Map((o.ports ?? []).map((p) => [portKey(p), p.nodePort]));
    const byName = new Map((o.ports ?? []).map((p) => [p.name ?? '', p.nodePort]));
    for (const p of s.ports ?? [])
      p.nodePort ||= byKey.get(portKey(p)) ?? byName.get(p.name ?? '') ?? undefined;
  }
  if (!usesNodePorts(s.type)) for (const p of s.ports ?? []) delete p.nodePort;
  if (s.externalTrafficPolicy !== 'Local') delete s.healthCheckNodePort;
  allocate(obj, ctx);
}

function validateServiceUpdate(obj: KObject, old: KObject): FieldError[] {
  const s = spec(obj);
  const o = spec(old);
  if (s.type === 'ExternalName' || o.type === 'ExternalName') return [];
  const oldIP = o.clusterIPs?.[0] ?? o.clusterIP;
  const newIP = s.clusterIPs?.[0] ?? s.clusterIP;
  if (oldIP && newIP !== oldIP)
    return [invalid('spec.clusterIPs[0]', newIP ?? '', 'may not change once set')];
  return [];
}

function externalIP(s: NonNullable<Service['spec']>, status: Service['status']): string {
  const ext = s.externalIPs ?? [];
  switch (s.type) {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = [
        ...new Set(
          (status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean),
        ),
      ];
      const all = [...lb, ...ext];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return s.externalName ?? '';
    default:
      return '<unknown>';
  }
}

function serviceRow(obj: KObject, now: Date): unknown[] {
  const svc = obj as unknown as Service;
  const s = svc.spec ?? {};
  const ports = (s.ports ?? []).map((p) =>
    p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`,
  );
  return [
    obj.metadata.name,
    s.type ?? '',
    s.clusterIPs?.[0] ?? '<none>',
    externalIP(s, svc.status),
    ports.length ? ports.join(',') : '<none>',
    humanAge(obj.metadata.creationTimestamp, now),
    formatLabels(s.selector),
  ];
}

/** The services resource. */
export const servicesStrategy: ResourceStrategy = {
  group: '',
  version: 'v1',
  kind: 'Service',
  resource: 'services',
  singularName: 'service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
  hasStatus: true,
  extraSubresources: ['proxy'],
  defaults: defaultService,
  prepareForCreate,
  prepareForUpdate,
  validate: (obj) => [...validateObjectMeta(obj), ...validateServiceSpec(spec(obj))],
  validateUpdate: validateServiceUpdate,
  validateName: isDNS1123Label,
  columns: [
    NAME_COLUMN,
    column('Type', 'type determines how the Service is exposed.'),
    column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    column(
      'External-IP',
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ),
    column('Port(s)', 'The list of ports that are exposed by this service.'),
    AGE_COLUMN,
    column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', {
      wide: true,
    }),
  ],
  row: serviceRow,
  fieldSelectors: {
    'spec.clusterIP': (o) => spec(o).clusterIP ?? '',
    'spec.type': (o) => spec(o).type ?? '',
  },
};
