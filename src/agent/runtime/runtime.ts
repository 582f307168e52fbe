/**
 * The container runtime seam of the agent. Pod sync decides what should run (podsync/plan.ts)
 * and drives a Runtime to make it so; the runtime reports what actually runs. Two runtimes
 * implement it: virtual (simulated containers, for scale tests) and runc (real OCI containers,
 * issue #4). The shape follows the CRI's split: a pod sandbox (network identity: the pod IP) and
 * containers inside it, each start a new attempt so restart counts come from the runtime.
 */
import type { Container, Pod } from 'kubernetes-types/core/v1.js';

/** Where a container is in its life: created (starting), running, or exited. */
export type ContainerPhase = 'created' | 'running' | 'exited';

/** One container's latest attempt, as the runtime observed it. */
export interface RuntimeContainer {
  name: string;
  /** Runtime-qualified id, e.g. `virtual://3f2a…` or `runc://…`, as containerStatuses show it. */
  id: string;
  image: string;
  imageID: string;
  phase: ContainerPhase;
  /** 0 for the first attempt; each restart is a new attempt. */
  attempt: number;
  /** An init container (runs to completion before the others start). */
  init: boolean;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  exitCode?: number;
  /** Why it exited: 'Completed', 'Error', 'OOMKilled', ... */
  reason?: string;
  /** What the container left at its terminationMessagePath (or its log's end), when it exited. */
  message?: string;
  /** The previous attempt's end, for containerStatuses[].lastState. */
  previous?: {
    id: string;
    startedAt?: Date;
    finishedAt: Date;
    exitCode: number;
    reason: string;
    message?: string;
  };
}

/** One pod sandbox and its containers. */
export interface RuntimePod {
  uid: string;
  namespace: string;
  name: string;
  nodeName: string;
  /** The pod's IP on its node's pod network. */
  ip: string;
  createdAt: Date;
  /** True once stopPod ran: nothing in it may start again. */
  stopping: boolean;
  containers: RuntimeContainer[];
}

/**
 * What pod sync resolved for one container before it starts (src/agent/container-config):
 * the runtime adds only what comes from the image (entrypoint, cmd, env, workingDir, user).
 */
export interface ContainerRunConfig {
  /** The container's command after $(VAR) expansion; undefined: the image's entrypoint. */
  command?: string[];
  /** The container's args after $(VAR) expansion; undefined: the image's cmd (when command is also undefined). */
  args?: string[];
  /** The container's environment, resolved and in order (image env goes first, these override). */
  env: Array<{ name: string; value: string }>;
  /** Host paths bind-mounted into the container (volumes, /etc/hosts, /etc/resolv.conf, ...). */
  mounts: Array<{ containerPath: string; hostPath: string; readOnly: boolean }>;
  /** Registry credentials to try for this container's image (from imagePullSecrets), in order. */
  pullAuths: Array<{ username: string; password: string }>;
}

/**
 * A container that could not start, with the reason Kubernetes shows in its waiting state:
 * ErrImagePull, ErrImageNeverPull, InvalidImageName, CreateContainerConfigError,
 * CreateContainerError, RunContainerError. Pod sync reports it and retries with back-off.
 */
export class ContainerStartError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ContainerStartError';
  }
}

/** What a sandbox needs from the node it runs on. */
export interface SandboxConfig {
  nodeName: string;
  /** The node's pod CIDR, e.g. 10.42.3.0/24: where the pod IP comes from. */
  podCIDR: string;
}

/**
 * A container runtime as pod sync drives it. Calls are idempotent where Kubernetes' kubelet
 * expects them to be (creating an existing sandbox, stopping a stopped pod). State changes the
 * runtime makes on its own (a container finished starting, a container exited) are reported
 * through `onChange`, the PLEG of this design: pod sync re-plans that pod.
 */
export interface Runtime {
  /** e.g. 'virtual' or 'runc': the containerRuntimeVersion scheme nodes report. */
  readonly name: string;
  readonly version: string;
  /** Creates the pod's sandbox (network namespace and IP); returns its state. */
  createSandbox(pod: Pod, config: SandboxConfig): Promise<RuntimePod>;
  /**
   * Starts a new attempt of one container in an existing sandbox (the first, or a restart).
   * Throws ContainerStartError when it cannot (the attempt is not counted).
   */
  startContainer(
    podUID: string,
    container: Container,
    init: boolean,
    config?: ContainerRunConfig,
  ): Promise<void>;
  /**
   * Stops one running container (SIGTERM, then SIGKILL after the grace period), as a failed
   * liveness probe or a preStop-less restart needs; it exits like any other container.
   */
  killContainer(podUID: string, name: string, gracePeriodSeconds: number): Promise<void>;
  /** Stops every container of the pod within the grace period; the sandbox stays until removed. */
  stopPod(podUID: string, gracePeriodSeconds: number): Promise<void>;
  /** Removes the sandbox and its containers, freeing the pod IP. */
  removePod(podUID: string): Promise<void>;
  /** Every pod the runtime holds, as of now. Callers must not change the result. */
  listPods(): RuntimePod[];
  /** The state of one pod, or undefined. */
  getPod(podUID: string): RuntimePod | undefined;
  /** Subscribes to state changes the runtime made by itself; returns an unsubscribe. */
  onChange(listener: (pod: RuntimePod) => void): () => void;
  /** Stops timers and releases resources (pods are left as they are). */
  close(): Promise<void>;
}
