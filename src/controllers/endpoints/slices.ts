/**
 * EndpointSlices for a service (Kubernetes' endpointslice reconciler, simplified): endpoints are
 * grouped by the ports they serve, at most maxEndpointsPerSlice to a slice. Planning keeps each
 * endpoint in the slice it is already in where it can, fills free room before opening a slice,
 * and keeps one empty placeholder slice for a service with no endpoints, so small changes touch
 * few slices.
 */
import type { Pod, Service } from 'kubernetes-types/core/v1.js';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { deepEqual } from '../../api/deep-equal.js';
import { isPodReady, podHostname, podIsEndpoint } from './pods.js';
import { endpointPorts } from './subsets.js';

export const maxEndpointsPerSlice = 100;
export const serviceNameLabel = 'kubernetes.io/service-name';
export const managedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const controllerName = 'endpointslice-controller.k8s.io';

/** Endpoints that serve the same ports. */
export interface EndpointGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/** The slice contents a plan asks for: ports and endpoints (metadata is the caller's). */
export interface SliceContent {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/** What to write: new slices, changed existing slices (by name), slices to delete (by name). */
export interface SlicePlan {
  create: SliceContent[];
  update: Array<{ name: string; content: SliceContent }>;
  delete: string[];
}

function endpointOf(pod: Pod, svc: Service): Endpoint {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const serving = publishNotReady || isPodReady(pod);
  const terminating = !!pod.metadata?.deletionTimestamp;
  const ep: Endpoint = {
    addresses: [pod.status!.podIP!],
    conditions: { ready: publishNotReady || (serving && !terminating), serving, terminating },
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata?.namespace,
      name: pod.metadata?.name,
      uid: pod.metadata?.uid,
    },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  const hostname = podHostname(pod, svc);
  if (hostname) ep.hostname = hostname;
  return ep;
}

const portsKey = (ports: EndpointPort[]) =>
  JSON.stringify(
    [...ports]
      .map((p) => ({
        name: p.name ?? '',
        port: p.port,
        protocol: p.protocol ?? 'TCP',
        appProtocol: p.appProtocol,
      }))
      .sort((a, b) => `${a.name}/${a.port}`.localeCompare(`${b.name}/${b.port}`)),
  );

const endpointKey = (ep: Endpoint) => `${ep.addresses[0]}/${ep.targetRef?.uid ?? ''}`;

/** The service's endpoints (terminating pods included, as slices carry that condition), by ports. */
export function desiredGroups(svc: Service, pods: Pod[]): Map<string, EndpointGroup> {
  const headlessNoPorts = svc.spec?.clusterIP === 'None' && (svc.spec?.ports ?? []).length === 0;
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (!podIsEndpoint(pod, true) || pod.status!.podIP!.includes(':')) continue;
    const ports = endpointPorts(svc, pod).map((p) => ({ ...p, name: p.name ?? '' }));
    if (ports.length === 0 && !headlessNoPorts) continue;
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) {
      g = { ports: JSON.parse(key), endpoints: [] };
      groups.set(key, g);
    }
    g.endpoints.push(endpointOf(pod, svc));
  }
  return groups;
}

const sortEndpoints = (eps: Endpoint[]) => eps.sort((a, b) => endpointKey(a).localeCompare(endpointKey(b)));

/** Whether a slice's ports and endpoints differ from the content wanted. */
function differs(slice: EndpointSlice, content: SliceContent): boolean {
  if (portsKey(slice.ports ?? []) !== portsKey(content.ports)) return true;
  const a = sortEndpoints([...(slice.endpoints ?? [])]);
  return !deepEqual(a, content.endpoints);
}

/** Plans the writes that turn `existing` (this service's managed slices) into `groups`. */
export function planSlices(
  existing: EndpointSlice[],
  groups: Map<string, EndpointGroup>,
  max = maxEndpointsPerSlice,
): SlicePlan {
  const plan: SlicePlan = { create: [], update: [], delete: [] };
  const sorted = [...existing].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const kept: EndpointSlice[] = [];
  for (const [key, group] of groups) {
    const own = sorted.filter((s) => portsKey(s.ports ?? []) === key);
    const wanted = new Map(group.endpoints.map((ep) => [endpointKey(ep), ep]));
    const contents = own.map((s) => {
      const eps = (s.endpoints ?? []).flatMap((ep) => {
        const w = wanted.get(endpointKey(ep));
        if (!w) return [];
        wanted.delete(endpointKey(ep));
        return [w];
      });
      return { slice: s, endpoints: eps };
    });
    const rest = [...wanted.values()];
    for (const c of contents) while (c.endpoints.length < max && rest.length) c.endpoints.push(rest.shift()!);
    for (const c of contents) {
      const content = { ports: group.ports, endpoints: sortEndpoints(c.endpoints) };
      if (c.endpoints.length === 0) continue;
      kept.push(c.slice);
      if (differs(c.slice, content)) plan.update.push({ name: c.slice.metadata!.name!, content });
    }
    for (let i = 0; i < rest.length; i += max)
      plan.create.push({ ports: group.ports, endpoints: sortEndpoints(rest.slice(i, i + max)) });
  }
  const stale = sorted.filter((s) => !kept.includes(s));
  if (groups.size === 0) {
    // A service with no endpoints keeps one empty slice, so readers can tell "none" from "unknown".
    const placeholder = stale.shift();
    const empty = { ports: [], endpoints: [] };
    if (!placeholder) plan.create.push(empty);
    else if (differs(placeholder, empty))
      plan.update.push({ name: placeholder.metadata!.name!, content: empty });
  }
  plan.delete = stale.map((s) => s.metadata!.name!);
  return plan;
}
