/**
 * What the endpoints controllers need to know about pods: whether one is Ready, whether it
 * belongs in a service's endpoints at all, which service selects it, and which port number a
 * service port's targetPort means on it (a number, or a container port's name).
 */
import type { Pod, Service, ServicePort } from 'kubernetes-types/core/v1.js';

/** The Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/**
 * Whether a pod can be an endpoint (ShouldPodBeInEndpoints): it has an IP, has not finished,
 * and (unless terminating pods are wanted) is not being deleted.
 */
export function podIsEndpoint(pod: Pod, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  const phase = pod.status.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  return includeTerminating || !pod.metadata?.deletionTimestamp;
}

/** The service's selector, or undefined for a service whose endpoints are managed by hand. */
export function serviceSelector(svc: Service): Record<string, string> | undefined {
  if (svc.spec?.type === 'ExternalName') return undefined;
  const sel = svc.spec?.selector;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

/** Whether the service selects a pod with these labels. */
export function selects(svc: Service, labels: Record<string, string> | undefined): boolean {
  const sel = serviceSelector(svc);
  if (!sel) return false;
  return Object.entries(sel).every(([k, v]) => labels?.[k] === v);
}

/**
 * The pod port a service port targets (podutil.FindPort): a named targetPort must name a
 * container port of the same protocol; a number is used as it is. Undefined when unresolvable.
 */
export function resolveTargetPort(pod: Pod, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  const asNumber = Number(target);
  if (target !== '' && Number.isInteger(asNumber)) return asNumber;
  const protocol = sp.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) return p.containerPort;
    }
  }
  return undefined;
}

/** The hostname a pod publishes under a headless service (hostname + matching subdomain). */
export function podHostname(pod: Pod, svc: Service): string | undefined {
  const spec = pod.spec;
  if (
    spec?.hostname &&
    spec.subdomain === svc.metadata?.name &&
    pod.metadata?.namespace === svc.metadata?.namespace
  )
    return spec.hostname;
  return undefined;
}
