/**
 * Building core/v1 Endpoints subsets for a service (Kubernetes' endpoints controller plus
 * RepackSubsets): each selected pod with an IP becomes an address — ready or not ready — carrying
 * the ports resolved on that pod; addresses with the same set of ports share one subset.
 */
import type {
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
  Pod,
  Service,
} from 'kubernetes-types/core/v1.js';
import { isPodReady, podHostname, podIsEndpoint, resolveTargetPort } from './pods.js';

/** The ports a service exposes on one pod; unresolvable ports are left out. */
export function endpointPorts(svc: Service, pod: Pod): EndpointPort[] {
  const out: EndpointPort[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = resolveTargetPort(pod, sp);
    if (port === undefined) continue;
    const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
    if (sp.name) ep.name = sp.name;
    if (sp.appProtocol) ep.appProtocol = sp.appProtocol;
    out.push(ep);
  }
  return out;
}

function addressOf(pod: Pod, svc: Service): EndpointAddress {
  const addr: EndpointAddress = {
    ip: pod.status!.podIP!,
    targetRef: {
      kind: 'Pod',
      namespace: pod.metadata?.namespace,
      name: pod.metadata?.name,
      uid: pod.metadata?.uid,
    },
  };
  if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
  const hostname = podHostname(pod, svc);
  if (hostname) addr.hostname = hostname;
  return addr;
}

const portKey = (ports: EndpointPort[]) =>
  JSON.stringify([...ports].sort((a, b) => `${a.name}/${a.port}`.localeCompare(`${b.name}/${b.port}`)));

const byIp = (a: EndpointAddress, b: EndpointAddress) => a.ip.localeCompare(b.ip, 'en', { numeric: true });

/** The subsets of a service's Endpoints, given the pods in its namespace that it selects. */
export function buildSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const headless = svc.spec?.clusterIP === 'None';
  const groups = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  for (const pod of pods) {
    if (!podIsEndpoint(pod, publishNotReady)) continue;
    const ports = endpointPorts(svc, pod);
    // A pod none of whose ports resolve serves nothing, except under a port-less headless service.
    if (ports.length === 0 && !(headless && (svc.spec?.ports ?? []).length === 0)) continue;
    const key = portKey(ports);
    let g = groups.get(key);
    if (!g) {
      g = { ports: JSON.parse(key), ready: [], notReady: [] };
      groups.set(key, g);
    }
    (publishNotReady || isPodReady(pod) ? g.ready : g.notReady).push(addressOf(pod, svc));
  }
  return [...groups.keys()].sort().map((key) => {
    const g = groups.get(key)!;
    const subset: EndpointSubset = {};
    if (g.ready.length) subset.addresses = g.ready.sort(byIp);
    if (g.notReady.length) subset.notReadyAddresses = g.notReady.sort(byIp);
    if (g.ports.length) subset.ports = g.ports;
    return subset;
  });
}
