/** Node IPAM: pod CIDRs for nodes that join without one. */
export { nextFreeBlock, nodeIpamController } from './nodeipam-controller.js';
