/**
 * Every resource skiff serves, in discovery order. Within a group the first version listed is
 * the preferred one. Add a resource by writing its strategy module and listing it here.
 */
import { appsStrategies } from './apps/index.js';
import { autoscalingStrategies } from './autoscaling/index.js';
import { batchStrategies } from './batch/index.js';
import { certificatesStrategies } from './certificates/index.js';
import { coordinationStrategies } from './coordination/index.js';
import { coreStrategies } from './core/index.js';
import { discoveryStrategies } from './discovery/index.js';
import { eventsStrategies } from './events/index.js';
import { networkingStrategies } from './networking/index.js';
import { policyStrategies } from './policy/index.js';
import { schedulingStrategies } from './scheduling/index.js';
import { storageStrategies } from './storage/index.js';
import type { ResourceStrategy } from './types.js';

export const allStrategies: ResourceStrategy[] = [
  ...coreStrategies,
  ...appsStrategies,
  ...batchStrategies,
  ...networkingStrategies,
  ...discoveryStrategies,
  ...coordinationStrategies,
  ...autoscalingStrategies,
  ...policyStrategies,
  ...schedulingStrategies,
  ...storageStrategies,
  ...eventsStrategies,
  ...certificatesStrategies,
];
