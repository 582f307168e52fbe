/**
 * The checks kube-apiserver makes before it proxies a pod's log/exec/attach/portforward to the
 * node (pure functions over the Pod and Node objects): which container is meant, whether it can
 * serve the request in its current state, and where the node's agent listens. Messages are
 * Kubernetes' own, since users and scripts match on them.
 */
import type { ContainerStatus, Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, errors } from '../../api/errors.js';

/** kubectl's annotation naming the container commands default to. */
export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

function names(list: Array<{ name: string }> | undefined): string[] {
  return (list ?? []).map((c) => c.name);
}

/**
 * The container a request addresses: the one named (it must exist in the pod, init and
 * ephemeral containers included), else the pod's only container or its default-container
 * annotation; otherwise a 400 listing the choices.
 */
export function pickContainer(pod: Pod, requested: string | null): string {
  const podName = pod.metadata?.name ?? '';
  const regular = names(pod.spec?.containers);
  const init = names(pod.spec?.initContainers);
  const ephemeral = names(pod.spec?.ephemeralContainers);
  if (requested) {
    if (![...regular, ...init, ...ephemeral].includes(requested))
      throw errors.badRequest(`container ${requested} is not valid for pod ${podName}`);
    return requested;
  }
  const annotated = pod.metadata?.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && regular.includes(annotated)) return annotated;
  if (regular.length === 1) return regular[0];
  if (regular.length === 0) throw errors.badRequest(`a container name must be specified for pod ${podName}`);
  let message = `a container name must be specified for pod ${podName}, choose one of: [${regular.join(' ')}]`;
  if (init.length > 0) message += ` or one of the init containers: [${init.join(' ')}]`;
  throw errors.badRequest(message);
}

function statusOf(pod: Pod, container: string): ContainerStatus | undefined {
  const s = pod.status;
  return [
    ...(s?.containerStatuses ?? []),
    ...(s?.initContainerStatuses ?? []),
    ...(s?.ephemeralContainerStatuses ?? []),
  ].find((c) => c.name === container);
}

function waitingMessage(pod: Pod, container: string, reason: string | undefined): string {
  const subject = `container "${container}" in pod "${pod.metadata?.name}"`;
  if (reason === 'ErrImagePull') return `${subject} is waiting to start: image can't be pulled`;
  if (reason === 'ImagePullBackOff')
    return `${subject} is waiting to start: trying and failing to pull image`;
  return `${subject} is waiting to start: ${reason || 'ContainerCreating'}`;
}

/**
 * Whether a container has logs to show (the kubelet's validateContainerLogStatus): a running or
 * finished attempt does, `previous` needs a finished earlier one, a waiting container has none.
 */
export function checkLogState(pod: Pod, container: string, previous: boolean): void {
  const status = statusOf(pod, container);
  const subject = `container "${container}" in pod "${pod.metadata?.name}"`;
  if (!status) {
    // No status yet: the agent has not reported the pod (it is being created).
    throw errors.badRequest(waitingMessage(pod, container, 'ContainerCreating'));
  }
  const last = status.lastState?.terminated;
  if (previous) {
    if (!last)
      throw errors.badRequest(
        `previous terminated container "${container}" in pod "${pod.metadata?.name}" not found`,
      );
    return;
  }
  if (status.state?.running || status.state?.terminated || last) return;
  if (status.state?.waiting)
    throw errors.badRequest(waitingMessage(pod, container, status.state.waiting.reason));
  throw errors.badRequest(`${subject} is waiting to start - no logs yet`);
}

/** Exec and attach need the container running now. */
export function checkRunning(pod: Pod, container: string): void {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed')
    throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  const status = statusOf(pod, container);
  if (status?.state?.running) return;
  if (status?.state?.terminated)
    throw errors.badRequest(`container "${container}" in pod "${pod.metadata?.name}" is terminated`);
  throw errors.badRequest(waitingMessage(pod, container, status?.state?.waiting?.reason));
}

/** Where a node's agent listens: its InternalIP and kubelet endpoint port; 503 when it has none. */
export function nodeEndpoint(node: Node): { host: string; port: number } {
  const name = node.metadata?.name ?? '';
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  const addresses = node.status?.addresses ?? [];
  const host = (
    addresses.find((a) => a.type === 'InternalIP') ??
    addresses.find((a) => a.type === 'ExternalIP') ??
    addresses.find((a) => a.type === 'Hostname')
  )?.address;
  if (!host)
    throw errors.unavailable(`node "${name}" has no address to reach its agent (status.addresses is empty)`);
  if (!port || port <= 0)
    throw errors.unavailable(
      `node "${name}" has no agent endpoint (status.daemonEndpoints.kubeletEndpoint.Port is unset)`,
    );
  return { host, port };
}

/** 502 for an agent that cannot be reached. */
export function unreachable(node: string, host: string, port: number, err: Error): ApiError {
  const code = (err as { code?: string }).code;
  return new ApiError(
    502,
    'InternalError',
    `error dialing backend: the agent of node "${node}" at ${host}:${port} is unreachable: ${code ?? err.message}`,
  );
}

/** The pod's node, or 400 when it is not scheduled yet (as kube-apiserver answers). */
export function boundNode(pod: Pod): string {
  const node = pod.spec?.nodeName;
  if (!node) throw errors.badRequest(`pod ${pod.metadata?.name} does not have a host assigned`);
  return node;
}
