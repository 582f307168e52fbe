/**
 * ClusterIP and NodePort allocation for services. State is derived from the services that exist
 * (ctx.list), so there is no separate allocator table to leak or repair; allocation is
 * deterministic (lowest free address/port) to keep tests and demos reproducible.
 */
import type { Service } from 'kubernetes-types/core/v1.js';
import { errors } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import type { StrategyContext } from '../types.js';

/** An IPv4 CIDR as integers: network address and size. */
export interface Cidr {
  base: number;
  size: number;
  text: string;
}

/** Parse "10.43.0.0/16". */
export function parseCidr(text: string): Cidr {
  const [ip, bitsText] = text.split('/');
  const bits = Number(bitsText);
  const base = ipToInt(ip);
  if (base === undefined || !Number.isInteger(bits) || bits < 8 || bits > 30)
    throw new Error(`invalid service CIDR ${text}`);
  const size = 2 ** (32 - bits);
  return { base: base - (base % size), size, text };
}

/** "10.43.0.5" → integer, or undefined when it is not an IPv4 address. */
export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Integer → dotted quad. */
export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function services(ctx: StrategyContext, self?: KObject): Service[] {
  return ctx
    .list('services')
    .filter(
      (s) =>
        !self || s.metadata.name !== self.metadata.name || s.metadata.namespace !== self.metadata.namespace,
    )
    .map((s) => s as unknown as Service);
}

/** ClusterIPs held by services other than `self`. */
export function usedClusterIPs(ctx: StrategyContext, self?: KObject): Set<string> {
  const used = new Set<string>();
  for (const s of services(ctx, self)) {
    for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) used.add(ip);
  }
  return used;
}

/** NodePorts held by services other than `self` (including health-check node ports). */
export function usedNodePorts(ctx: StrategyContext, self?: KObject): Set<number> {
  const used = new Set<number>();
  for (const s of services(ctx, self)) {
    for (const p of s.spec?.ports ?? []) if (p.nodePort) used.add(p.nodePort);
    if (s.spec?.healthCheckNodePort) used.add(s.spec.healthCheckNodePort);
  }
  return used;
}

function invalidService(obj: KObject, field: string, value: unknown, detail: string): Error {
  const shown = typeof value === 'number' ? String(value) : JSON.stringify(value);
  return errors.invalid('Service', '', obj.metadata.name ?? '', [
    { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` },
  ]);
}

/** The address the "kubernetes" service in "default" owns: the first in the range. */
function isApiService(obj: KObject): boolean {
  return obj.metadata.name === 'kubernetes' && obj.metadata.namespace === 'default';
}

/**
 * Give the service a ClusterIP: check a requested one (inside the CIDR, free), or take the lowest
 * free address, skipping the first (the API service's) and the tenth (cluster DNS) unless asked.
 */
export function allocateClusterIP(obj: KObject, ctx: StrategyContext): void {
  const spec = (obj as unknown as Service).spec!;
  const cidr = parseCidr(ctx.config.serviceCIDR);
  const used = usedClusterIPs(ctx, obj);
  const requested = spec.clusterIP || spec.clusterIPs?.[0];
  if (requested) {
    if (requested === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      return;
    }
    const n = ipToInt(requested);
    if (n === undefined || n <= cidr.base || n >= cidr.base + cidr.size - 1) {
      throw invalidService(
        obj,
        'spec.clusterIPs',
        [requested],
        `failed to allocate IP ${requested}: the provided IP (${requested}) is not in the valid range. The range of valid IPs is ${cidr.text}`,
      );
    }
    if (used.has(requested)) {
      throw invalidService(
        obj,
        'spec.clusterIPs',
        [requested],
        `failed to allocate IP ${requested}: provided IP is already allocated`,
      );
    }
    spec.clusterIP = requested;
    spec.clusterIPs = [requested];
    return;
  }
  const first = cidr.base + 1;
  const dns = cidr.base + 10;
  let ip: string | undefined;
  for (let n = first; n < cidr.base + cidr.size - 1 && !ip; n++) {
    if ((n === first && !isApiService(obj)) || n === dns) continue;
    if (!used.has(intToIp(n))) ip = intToIp(n);
  }
  if (!ip) throw errors.internal('failed to allocate a serviceIP: range is full');
  spec.clusterIP = ip;
  spec.clusterIPs = [ip];
}

/** Give every port of a NodePort/LoadBalancer service a node port, checking requested ones. */
export function allocateNodePorts(obj: KObject, ctx: StrategyContext): void {
  const spec = (obj as unknown as Service).spec!;
  const [lo, hi] = ctx.config.nodePortRange;
  const used = usedNodePorts(ctx, obj);
  (spec.ports ?? []).forEach((p, i) => {
    if (!p.nodePort) return;
    const field = `spec.ports[${i}].nodePort`;
    if (p.nodePort < lo || p.nodePort > hi) {
      throw invalidService(
        obj,
        field,
        p.nodePort,
        `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`,
      );
    }
    // The same port may serve TCP and UDP of one service port number, as Kubernetes allows.
    const sharedWithSibling = spec.ports!.some(
      (q, j) => j < i && q.nodePort === p.nodePort && q.protocol !== p.protocol,
    );
    if (used.has(p.nodePort) && !sharedWithSibling)
      throw invalidService(obj, field, p.nodePort, 'provided port is already allocated');
    used.add(p.nodePort);
  });
  for (const p of spec.ports ?? []) {
    if (p.nodePort) continue;
    let port = lo;
    while (port <= hi && used.has(port)) port++;
    if (port > hi) throw errors.internal('failed to allocate a nodePort: range is full');
    p.nodePort = port;
    used.add(port);
  }
}
