/**
 * Protobuf wire schema of policy/v1: per message, each field's JSON name, field
 * number and type, in the notation ../README.md describes. Transcribed from the descriptors kubectl
 * v1.32 carries for these packages; a field missing here is skipped by the decoder, so add it here.
 */
import type { MessageTable } from '../schema.js';

/** policy.v1 messages. */
export const POLICY_V1: MessageTable = {
  package: 'policy.v1',
  messages: {
    Eviction: 'metadata 1 meta.v1.ObjectMeta; deleteOptions 2 meta.v1.DeleteOptions',
    PodDisruptionBudget:
      'metadata 1 meta.v1.ObjectMeta; spec 2 PodDisruptionBudgetSpec; status 3 PodDisruptionBudgetStatus',
    PodDisruptionBudgetList: 'metadata 1 meta.v1.ListMeta; items 2 []PodDisruptionBudget',
    PodDisruptionBudgetSpec:
      'minAvailable 1 intstr.IntOrString; selector 2 meta.v1.LabelSelector; maxUnavailable 3 intstr.IntOrString; unhealthyPodEvictionPolicy 4 *string',
    PodDisruptionBudgetStatus:
      'observedGeneration 1 int64; disruptedPods 2 map<string,meta.v1.Time>; disruptionsAllowed 3 !int32; currentHealthy 4 !int32; desiredHealthy 5 !int32; expectedPods 6 !int32; conditions 7 []meta.v1.Condition',
  },
};
