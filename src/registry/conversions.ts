/**
 * Versions served as views of another stored version. Kubernetes stores one version of a
 * resource and converts on the way in and out; skiff does the same where two versions are served.
 * Key: "group/resource/version" of the served (non-storage) version.
 */
import type { KObject } from '../api/object.js';
import { convertHPAv1ToV2, convertHPAv2ToV1 } from './autoscaling/convert.js';

export interface VersionConversion {
  /** Stored object → the served version. */
  fromStorage(obj: KObject): KObject;
  /** Served version → the stored version. */
  toStorage(obj: KObject): KObject;
}

export const conversions: Record<string, VersionConversion> = {
  'autoscaling/horizontalpodautoscalers/v1': { fromStorage: convertHPAv2ToV1, toStorage: convertHPAv1ToV2 },
};
