/**
 * What a real node adds around the runtime: volumes and config resolved before containers start,
 * probes that decide readiness, and container lifecycle events. Virtual nodes pass none of it, so
 * thousands of simulated pods cost no more than before.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRunConfig, RuntimePod } from '../runtime/runtime.js';
import type { ProbeView } from './status.js';

export interface PodHooks {
  /**
   * Readies a pod's volumes and files once its sandbox exists, before its first container.
   * Throws (message in Kubernetes' words) while it cannot; pod sync reports FailedMount and retries.
   */
  preparePod?(pod: Pod, rp: RuntimePod): Promise<void>;
  /** Resolves one container's env, command and mounts; throws ContainerStartError. */
  containerConfig?(pod: Pod, container: Container, rp: RuntimePod): ContainerRunConfig;
  /** After the sandbox is removed: volumes, probes and anything else kept per pod. */
  podRemoved?(uid: string): Promise<void>;
  /** Keeps probe workers in step with the pod's containers (after each reconcile). */
  syncProbes?(pod: Pod, rp: RuntimePod | undefined): void;
  probe?: ProbeView;
  /** Record Normal events for container steps (Created, Started, Killing), as the kubelet does. */
  lifecycleEvents?: boolean;
}
