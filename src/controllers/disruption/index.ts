/** The disruption controller: PodDisruptionBudget status from the pods each budget selects. */

export { budgetStatus, expectedAndDesired, liveDisruptions } from './budget.js';
export { disruptionController } from './disruption-controller.js';
