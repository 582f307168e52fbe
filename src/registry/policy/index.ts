/** Strategies of the policy/v1 group: poddisruptionbudgets. */
import type { ResourceStrategy } from '../types.js';
import { podDisruptionBudgetStrategy } from './poddisruptionbudgets.js';

/** Every policy/v1 resource. */
export const policyStrategies: ResourceStrategy[] = [podDisruptionBudgetStrategy];
