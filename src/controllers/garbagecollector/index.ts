/** The garbage collector: ownerReferences-based deletion with background, foreground and orphan propagation. */

export { decideDependent, decideOwner, foregroundFinalizer, orphanFinalizer } from './decide.js';
export { GarbageCollector, garbageCollectorController } from './garbage-collector.js';
export { OwnerGraph } from './graph.js';
