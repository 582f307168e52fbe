/** Strategies of the networking.k8s.io/v1 group: ingresses, ingressclasses, networkpolicies. */
import type { ResourceStrategy } from '../types.js';
import { ingressClassStrategy } from './ingressclasses.js';
import { ingressStrategy } from './ingresses.js';
import { networkPolicyStrategy } from './networkpolicies.js';

/** Every networking.k8s.io/v1 resource. */
export const networkingStrategies: ResourceStrategy[] = [
  ingressStrategy,
  ingressClassStrategy,
  networkPolicyStrategy,
];
