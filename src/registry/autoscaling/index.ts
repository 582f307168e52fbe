/** Strategies of the autoscaling group: horizontalpodautoscalers in v2 and v1 (see convert.ts). */
import type { ResourceStrategy } from '../types.js';
import { hpaV1Strategy, hpaV2Strategy } from './hpa.js';

/** Every autoscaling resource version; v2 first, as it is the preferred (storage) version. */
export const autoscalingStrategies: ResourceStrategy[] = [hpaV2Strategy, hpaV1Strategy];
