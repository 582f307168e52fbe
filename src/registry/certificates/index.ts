/** Strategies of the certificates.k8s.io/v1 group: certificatesigningrequests. */
import type { ResourceStrategy } from '../types.js';
import { certificateSigningRequestStrategy } from './certificatesigningrequests.js';

/** Every certificates.k8s.io/v1 resource. */
export const certificatesStrategies: ResourceStrategy[] = [certificateSigningRequestStrategy];
