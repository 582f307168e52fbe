/** Strategies of the discovery.k8s.io/v1 group: endpointslices. */
import type { ResourceStrategy } from '../types.js';
import { endpointSliceStrategy } from './endpointslices.js';

/** Every discovery.k8s.io/v1 resource. */
export const discoveryStrategies: ResourceStrategy[] = [endpointSliceStrategy];
