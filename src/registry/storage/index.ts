/** Strategies of the storage.k8s.io/v1 group: storageclasses. */
import type { ResourceStrategy } from '../types.js';
import { storageClassStrategy } from './storageclasses.js';

/** Every storage.k8s.io/v1 resource. */
export const storageStrategies: ResourceStrategy[] = [storageClassStrategy];
