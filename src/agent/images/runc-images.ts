/**
 * The image store as the runc runtime's `RuncImages` (src/agent/runtime/runc/runc-runtime.ts):
 * `prepare` pulls as the pull policy says and mounts the container's rootfs; `release`
 * unmounts it. Typed by shape so the two folders do not depend on each other's internals.
 */
import { ContainerStartError } from '../runtime/runtime.js';
import type { RegistryAuth } from './credentials.js';
import type { ImageStore, PullPolicy } from './image-store.js';
import type { ImageConfig } from './manifest.js';
import { parseImageReference } from './reference.js';

export interface PreparedImage {
  rootfs: string;
  /** The repo digest (`name@sha256:…`) a registry knows it by, else the image id. */
  imageRef: string;
  /** `sha256:<config digest>`. */
  imageID: string;
  config: ImageConfig;
}

export function runcImages(store: ImageStore): {
  prepare(
    image: string,
    policy: PullPolicy,
    auths: RegistryAuth[],
    containerDir: string,
  ): Promise<PreparedImage>;
  release(containerDir: string): Promise<void>;
} {
  return {
    async prepare(image, policy, auths, containerDir) {
      const local = await store.ensure(image, policy, auths);
      let rootfs: string;
      try {
        rootfs = await store.mountRootfs(local, containerDir);
      } catch (err) {
        throw new ContainerStartError('CreateContainerError', (err as Error).message);
      }
      // The digest under the name asked for, when the same image came from several registries.
      const name = parseImageReference(image).name;
      const imageRef =
        local.repoDigests.find((d) => d.startsWith(`${name}@`)) ?? local.repoDigests[0] ?? local.id;
      return { rootfs, imageRef, imageID: local.id, config: local.config };
    },
    release: (containerDir) => store.unmountRootfs(containerDir),
  };
}
