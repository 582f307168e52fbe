/**
 * Every resource skiff serves, in discovery order. Within a group the first version listed is
 * the preferred one. Add a resource by writing its strategy module and listing it here.
 */
import { appsStrategies } from './apps/index.js';
import { batchStrategies } from './batch/index.js';
import { coreStrategies } from './core/index.js';
import { networkingStrategies } from './networking/index.js';
import type { ResourceStrategy } from './types.js';

export const allStrategies: ResourceStrategy[] = [
  ...coreStrategies,
  ...appsStrategies,
  ...batchStrategies,
  ...networkingStrategies,
];
