/** The image store's public API (see README.md). */
export { credentialsFor, type RegistryAuth } from './credentials.js';
export {
  type DiskUsage,
  type GCOptions,
  type GCResult,
  ImageStore,
  type ImageStoreOptions,
  type LocalImage,
  type PullPolicy,
} from './image-store.js';
export type { ImageConfig, Platform } from './manifest.js';
export { closeMountHelper } from './mount-syscalls.js';
export { type ImageReference, InvalidReferenceError, parseImageReference } from './reference.js';
export { type PreparedImage, runcImages } from './runc-images.js';
