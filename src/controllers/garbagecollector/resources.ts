/**
 * The resources the garbage collector watches, as owners and as dependents. Kubernetes discovers
 * them from the API; skiff's set of built-in resources is fixed, so a table is enough. The kind
 * lets an ownerReference (apiVersion + kind) be resolved to a resource for a confirming GET.
 */

/** One watched resource. */
export interface GcResource {
  group: string;
  version: string;
  resource: string;
  kind: string;
  namespaced: boolean;
}

function r(group: string, version: string, resource: string, kind: string, namespaced = true): GcResource {
  return { group, version, resource, kind, namespaced };
}

/** Every resource whose objects may own or be owned. */
export const gcResources: readonly GcResource[] = [
  r('', 'v1', 'pods', 'Pod'),
  r('', 'v1', 'services', 'Service'),
  r('', 'v1', 'endpoints', 'Endpoints'),
  r('', 'v1', 'configmaps', 'ConfigMap'),
  r('', 'v1', 'secrets', 'Secret'),
  r('', 'v1', 'serviceaccounts', 'ServiceAccount'),
  r('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  r('', 'v1', 'replicationcontrollers', 'ReplicationController'),
  r('', 'v1', 'podtemplates', 'PodTemplate'),
  r('', 'v1', 'nodes', 'Node', false),
  r('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  r('apps', 'v1', 'replicasets', 'ReplicaSet'),
  r('apps', 'v1', 'deployments', 'Deployment'),
  r('apps', 'v1', 'daemonsets', 'DaemonSet'),
  r('apps', 'v1', 'statefulsets', 'StatefulSet'),
  r('apps', 'v1', 'controllerrevisions', 'ControllerRevision'),
  r('batch', 'v1', 'jobs', 'Job'),
  r('batch', 'v1', 'cronjobs', 'CronJob'),
  r('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice'),
  r('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  r('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  r('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
];

/** The group of an apiVersion: "" for "v1", "apps" for "apps/v1". */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** The watched resource an ownerReference points at, if skiff knows its kind. */
export function resourceForRef(apiVersion: string, kind: string): GcResource | undefined {
  const group = groupOf(apiVersion);
  return gcResources.find((x) => x.group === group && x.kind === kind);
}
