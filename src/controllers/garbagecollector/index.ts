/** The garbage collector: ownerReferences-based deletion with background, foreground and orphan propagation. */
export { garbageCollectorController, GarbageCollector } from './garbage-collector.js';
export { decideDependent, decideOwner, foregroundFinalizer, orphanFinalizer } from './decide.js';
export { OwnerGraph } from './graph.js';
