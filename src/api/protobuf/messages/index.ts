/**
 * Every message table skiff decodes, one per Kubernetes API package.
 */
import type { MessageTable } from '../schema.js';
import { APPS_V1 } from './apps.js';
import { AUTHENTICATION_V1 } from './authentication.js';
import { AUTHORIZATION_V1 } from './authorization.js';
import { AUTOSCALING_V1, AUTOSCALING_V2 } from './autoscaling.js';
import { BATCH_V1 } from './batch.js';
import { CERTIFICATES_V1 } from './certificates.js';
import { COORDINATION_V1 } from './coordination.js';
import { CORE_V1 } from './core.js';
import { DISCOVERY_V1 } from './discovery.js';
import { EVENTS_V1 } from './events.js';
import { INTSTR, META_V1, RESOURCE, RUNTIME } from './meta.js';
import { NETWORKING_V1 } from './networking.js';
import { NODE_V1 } from './node.js';
import { POLICY_V1 } from './policy.js';
import { RBAC_V1 } from './rbac.js';
import { SCHEDULING_V1 } from './scheduling.js';
import { STORAGE_V1 } from './storage.js';

/** All tables; package names are unique. */
export const ALL_TABLES: readonly MessageTable[] = [
  META_V1,
  RUNTIME,
  RESOURCE,
  INTSTR,
  CORE_V1,
  APPS_V1,
  BATCH_V1,
  POLICY_V1,
  NETWORKING_V1,
  SCHEDULING_V1,
  AUTOSCALING_V1,
  AUTOSCALING_V2,
  COORDINATION_V1,
  AUTHENTICATION_V1,
  AUTHORIZATION_V1,
  RBAC_V1,
  CERTIFICATES_V1,
  DISCOVERY_V1,
  STORAGE_V1,
  EVENTS_V1,
  NODE_V1,
];
