/**
 * Names and defaults the kubelet derives from a pod: the pod's hostname, its log directory, the
 * image pull policy a container gets when the API did not default it, and the run config of a
 * container when pod sync passes none.
 */
import { join } from 'node:path';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import type { ContainerRunConfig } from '../runtime.js';

export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/** spec.hostname, else the pod name cut to 63 characters without a trailing '-' or '.'. */
export function podHostname(pod: Pod): string {
  const name = pod.spec?.hostname || pod.metadata?.name || 'pod';
  return name.length > 63 ? name.slice(0, 63).replace(/[-.]+$/, '') : name;
}

/** <logRoot>/<namespace>_<name>_<uid>: the kubelet's pod log directory. */
export function podLogDir(logRoot: string, namespace: string, name: string, uid: string): string {
  return join(logRoot, `${namespace}_${name}_${uid}`);
}

/** <pod log dir>/<container>/<attempt>.log */
export function containerLogPath(podLogDirectory: string, container: string, attempt: number): string {
  return join(podLogDirectory, container, `${attempt}.log`);
}

/** The API's default: Always for :latest or untagged images, IfNotPresent otherwise. */
/**
 * An image STOPSIGNAL as runc kill takes it ("SIGQUIT" → "QUIT", "37", "RTMIN+3"); nothing for
 * an absent or malformed one, so SIGTERM is sent.
 */
export function stopSignalOf(raw: string | undefined): { stopSignal?: string } {
  const s = raw?.trim().toUpperCase().replace(/^SIG/, '');
  return s && /^([A-Z]+[0-9]*|RTM(IN|AX)[+-][0-9]+|[0-9]+)$/.test(s) ? { stopSignal: s } : {};
}

export function pullPolicy(c: Container): PullPolicy {
  const p = c.imagePullPolicy;
  if (p === 'Always' || p === 'IfNotPresent' || p === 'Never') return p;
  const image = c.image ?? '';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.lastIndexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** A container's own command, args and literal env, for callers that resolve nothing first. */
export function defaultRunConfig(c: Container): ContainerRunConfig {
  return {
    command: c.command,
    args: c.args,
    env: (c.env ?? []).filter((e) => e.value !== undefined).map((e) => ({ name: e.name, value: e.value! })),
    mounts: [],
    pullAuths: [],
  };
}
