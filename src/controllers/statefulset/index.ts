/** The StatefulSet controller and its pure pieces (identity, planning). */
export { type StatefulSetControllerOptions, statefulSetController } from './controller.js';
export { claimName, ordinalOf, POD_INDEX_LABEL, POD_NAME_LABEL } from './identity.js';
export { planStatefulSet, type StatefulAction, type StatefulPlan } from './planner.js';
