/** Strategies of the coordination.k8s.io/v1 group: leases. */
import type { ResourceStrategy } from '../types.js';
import { leaseStrategy } from './leases.js';

/** Every coordination.k8s.io/v1 resource. */
export const coordinationStrategies: ResourceStrategy[] = [leaseStrategy];
