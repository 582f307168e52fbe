/**
 * Every core/v1 resource strategy, in the order discovery lists them.
 */
import type { ResourceStrategy } from '../types.js';
import { configMapsStrategy } from './configmaps.js';
import { endpointsStrategy } from './endpoints.js';
import { eventsStrategy } from './events.js';
import { limitRangesStrategy } from './limitranges.js';
import { namespacesStrategy } from './namespaces.js';
import { nodesStrategy } from './nodes.js';
import { persistentVolumeClaimsStrategy } from './persistentvolumeclaims.js';
import { persistentVolumesStrategy } from './persistentvolumes.js';
import { podsStrategy } from './pods.js';
import { podTemplatesStrategy } from './podtemplates.js';
import { replicationControllersStrategy } from './replicationcontrollers.js';
import { resourceQuotasStrategy } from './resourcequotas.js';
import { secretsStrategy } from './secrets.js';
import { serviceAccountsStrategy } from './serviceaccounts.js';
import { servicesStrategy } from './services.js';

/** The core ("" group, v1) resources. */
export const coreStrategies: ResourceStrategy[] = [
  configMapsStrategy,
  endpointsStrategy,
  eventsStrategy,
  limitRangesStrategy,
  namespacesStrategy,
  nodesStrategy,
  persistentVolumeClaimsStrategy,
  persistentVolumesStrategy,
  podsStrategy,
  podTemplatesStrategy,
  replicationControllersStrategy,
  resourceQuotasStrategy,
  secretsStrategy,
  serviceAccountsStrategy,
  servicesStrategy,
];

export { defaultPodSpec, validatePodSpec, validatePodTemplate } from './pod-spec.js';
