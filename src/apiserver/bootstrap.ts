/**
 * What every cluster has from its first start: the namespaces default, kube-system,
 * kube-public and kube-node-lease, the system-* PriorityClasses, and the `kubernetes` Service in default. Safe to run on every
 * start and on several servers at once: existing objects are left alone.
 */
import { isReason } from '../api/errors.js';
import { systemPriorityClasses } from '../registry/scheduling/priorityclasses.js';
import type { ResourceStore } from './resource-store.js';
import type { ServedResource } from './served-resource.js';

export interface BootstrapDeps {
  lookup(group: string, resource: string): ServedResource | undefined;
  storeFor(served: ServedResource): ResourceStore;
}

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

async function ensure(rs: ResourceStore, namespace: string, obj: object): Promise<void> {
  try {
    await rs.create(namespace, obj);
  } catch (err) {
    if (!isReason(err, 'AlreadyExists')) throw err;
  }
}

export async function bootstrapCluster(deps: BootstrapDeps): Promise<void> {
  const namespaces = deps.lookup('', 'namespaces');
  if (namespaces) {
    const rs = deps.storeFor(namespaces);
    for (const name of systemNamespaces) {
      if (!namespaces.cache.get(rs.key('', name))) await ensure(rs, '', { metadata: { name } });
    }
  }
  const priorityClasses = deps.lookup('scheduling.k8s.io', 'priorityclasses');
  if (priorityClasses) {
    const rs = deps.storeFor(priorityClasses);
    for (const pc of systemPriorityClasses()) {
      if (!priorityClasses.cache.get(rs.key('', pc.metadata.name!))) await ensure(rs, '', pc);
    }
  }
  const services = deps.lookup('', 'services');
  if (services) {
    const rs = deps.storeFor(services);
    if (!services.cache.get(rs.key('default', 'kubernetes'))) {
      await ensure(rs, 'default', {
        metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
        spec: {
          clusterIP: '10.43.0.1',
          ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
        },
      });
    }
  }
}
