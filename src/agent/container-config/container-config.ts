/**
 * Everything pod sync resolves for one container before the runtime starts it: environment,
 * command and args (with `$(VAR)` expanded against that environment), bind mounts and registry
 * credentials. Synchronous over the agent's informer caches. Whatever the kubelet would report
 * as CreateContainerConfigError (a missing ConfigMap, Secret or key, a bad fieldRef, a missing
 * volume, a subPath that escapes) becomes a ContainerStartError with that reason and the
 * kubelet's message, so `kubectl describe` reads the same.
 */
import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { type ContainerRunConfig, ContainerStartError } from '../runtime/runtime.js';
import { makeEnvironment } from './env.js';
import { expand, mappingFor } from './expand.js';
import { makeMounts } from './mounts.js';
import { pullAuthsFor } from './pull-auth.js';

export { podHostname, podHostsFile } from './hosts.js';
export { type PodFiles, type PodFilesOptions, writePodFiles } from './pod-files.js';
export { normalizeImageRepository, pullAuthsFor } from './pull-auth.js';
export { podResolvConf } from './resolv.js';

export interface ContainerConfigContext {
  getConfigMap(namespace: string, name: string): ConfigMap | undefined;
  getSecret(namespace: string, name: string): Secret | undefined;
  /** The services of a namespace, for service link env vars (KUBERNETES_SERVICE_HOST, ...). */
  listServices?(namespace: string): Service[];
  /** The node's allocatable, for resourceFieldRefs to limits the container does not set. */
  nodeAllocatable: Record<string, string>;
  hostIP: string;
  hostIPs?: string[];
  podIP: string;
  podIPs?: string[];
  /** Volume name → host path (VolumeManager.setup). */
  volumePaths: ReadonlyMap<string, string>;
  /** The pod's hosts file (podHostsFile written to disk); '' for none. */
  etcHostsPath: string;
  /** The pod's resolv.conf (podResolvConf written to disk); '' for none. */
  resolvConfPath: string;
  /** The pod's /etc/hostname; optional. */
  hostnamePath?: string;
  /** Records a warning event on the pod (InvalidEnvironmentVariableNames). */
  warn?(reason: string, message: string): void;
}

/** Resolves one container's run configuration; throws ContainerStartError('CreateContainerConfigError', ...). */
export function resolveContainerConfig(
  pod: Pod,
  container: Container,
  ctx: ContainerConfigContext,
): ContainerRunConfig {
  try {
    const env = makeEnvironment(pod, container, ctx);
    const envMap = new Map(env.map((e) => [e.name, e.value]));
    const mapping = mappingFor(envMap);
    const command = container.command?.length ? container.command.map((c) => expand(c, mapping)) : undefined;
    const args = container.args?.length ? container.args.map((a) => expand(a, mapping)) : undefined;
    const mounts = makeMounts(container, envMap, ctx);
    const pullAuths = container.image
      ? pullAuthsFor(pod, container.image, (ns, name) => ctx.getSecret(ns, name))
      : [];
    return { command, args, env, mounts, pullAuths };
  } catch (err) {
    if (err instanceof ContainerStartError) throw err;
    throw new ContainerStartError('CreateContainerConfigError', (err as Error).message);
  }
}
