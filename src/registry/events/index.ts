/** Strategies of the events.k8s.io/v1 group: events. */
import type { ResourceStrategy } from '../types.js';
import { eventStrategy } from './events.js';

/** Every events.k8s.io/v1 resource. */
export const eventsStrategies: ResourceStrategy[] = [eventStrategy];
