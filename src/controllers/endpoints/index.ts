/** Endpoints and EndpointSlices from the pods each Service selects. */
export { endpointsController } from './endpoints-controller.js';
export { endpointSliceController } from './endpointslice-controller.js';
export { isPodReady, resolveTargetPort } from './pods.js';
export { desiredGroups, maxEndpointsPerSlice, planSlices } from './slices.js';
export { buildSubsets, endpointPorts } from './subsets.js';
