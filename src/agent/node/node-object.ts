/**
 * The Node and Lease objects an agent publishes for each node it serves, built from the node's
 * configuration: labels kubectl and the scheduler read, capacity, addresses, nodeInfo and the
 * kubelet's four conditions. Pure builders; node-manager.ts does the writing.
 */
import { createHash } from 'node:crypto';
import type { Lease } from 'kubernetes-types/coordination/v1.js';
import type { Node, NodeCondition } from 'kubernetes-types/core/v1.js';

/** One node this agent serves. */
export interface NodeConfig {
  name: string;
  /** Extra labels (from --labels); the well-known ones are added. */
  labels: Record<string, string>;
  /** cpu, memory, pods, ephemeral-storage, ...: allocatable is the same. */
  capacity: Record<string, string>;
  /** The node's pod range, e.g. 10.42.3.0/24; empty: the server's node IPAM assigns one. */
  podCIDR: string;
  /** The node's InternalIP (loopback for virtual nodes: nothing must ever reach out to it). */
  internalIP: string;
  /** A simulated node (instance-type "virtual"). */
  virtual: boolean;
  /** Where the agent's endpoint (logs, exec, port-forward, stats) listens (default 10250). */
  kubeletPort?: number;
  /** Facts about the host a real node reports (kernel, OS image, machine id). */
  systemInfo?: { kernelVersion: string; osImage: string; machineID?: string; bootID?: string };
  /** A real node's resource pressure, read at each status post. */
  pressure?: () => NodePressure;
}

/** Which of the kubelet's pressure conditions hold. */
export interface NodePressure {
  memory: boolean;
  disk: boolean;
  pid: boolean;
}

/** What the node reports about the runtime and agent. */
export interface NodeRuntimeInfo {
  runtimeName: string;
  runtimeVersion: string;
  kubeletVersion: string;
}

export const KUBELET_VERSION = 'v1.32.0-skiff';
export const LEASE_NAMESPACE = 'kube-node-lease';

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Go's GOARCH names, which node labels use. */
export function goArch(arch: string = process.arch): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
    riscv64: 'riscv64',
    loong64: 'loong64',
    mips64el: 'mips64le',
  };
  return names[arch] ?? arch;
}

function nodeLabels(config: NodeConfig): Record<string, string> {
  const arch = goArch();
  const labels: Record<string, string> = {
    ...config.labels,
    'kubernetes.io/hostname': config.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': arch,
  };
  if (config.virtual) labels['node.kubernetes.io/instance-type'] = 'virtual';
  return labels;
}

const conditionText: Record<string, { status: 'True' | 'False'; reason: string; message: string }> = {
  MemoryPressure: {
    status: 'False',
    reason: 'KubeletHasSufficientMemory',
    message: 'kubelet has sufficient memory available',
  },
  DiskPressure: {
    status: 'False',
    reason: 'KubeletHasNoDiskPressure',
    message: 'kubelet has no disk pressure',
  },
  PIDPressure: {
    status: 'False',
    reason: 'KubeletHasSufficientPID',
    message: 'kubelet has sufficient PID available',
  },
  Ready: { status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
};

/** The conditions' texts while the pressure holds. */
const pressureText: Record<string, { status: 'True'; reason: string; message: string }> = {
  MemoryPressure: {
    status: 'True',
    reason: 'KubeletHasInsufficientMemory',
    message: 'kubelet has insufficient memory available',
  },
  DiskPressure: { status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' },
  PIDPressure: {
    status: 'True',
    reason: 'KubeletHasInsufficientPID',
    message: 'kubelet has insufficient PID available',
  },
};

function reported(pressure: NodePressure | undefined) {
  if (!pressure) return conditionText;
  return {
    ...conditionText,
    ...(pressure.memory ? { MemoryPressure: pressureText.MemoryPressure } : {}),
    ...(pressure.disk ? { DiskPressure: pressureText.DiskPressure } : {}),
    ...(pressure.pid ? { PIDPressure: pressureText.PIDPressure } : {}),
  };
}

/**
 * The kubelet's conditions, heartbeat now; a condition keeps its lastTransitionTime while its
 * status holds in `current` (what the API shows, e.g. Ready=Unknown after a lost lease).
 */
export function nodeConditions(
  current: NodeCondition[] | undefined,
  now: Date,
  pressure?: NodePressure,
): NodeCondition[] {
  return Object.entries(reported(pressure)).map(([type, c]) => {
    const prev = current?.find((x) => x.type === type);
    return {
      type,
      status: c.status,
      reason: c.reason,
      message: c.message,
      lastHeartbeatTime: iso(now),
      lastTransitionTime:
        prev?.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : iso(now),
    };
  });
}

/** True when `current` shows every condition as this agent reports it. */
export function conditionsHold(current: NodeCondition[] | undefined, pressure?: NodePressure): boolean {
  return Object.entries(reported(pressure)).every(
    ([type, c]) => current?.find((x) => x.type === type)?.status === c.status,
  );
}

function stableID(name: string, salt: string): string {
  return createHash('sha256').update(`${salt}/${name}`).digest('hex').slice(0, 32);
}

/** The Node object registered for a config. */
export function nodeObject(config: NodeConfig, info: NodeRuntimeInfo, now: Date): Node {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: config.name,
      labels: nodeLabels(config),
      annotations: {
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: config.podCIDR ? { podCIDR: config.podCIDR, podCIDRs: [config.podCIDR] } : {},
    status: {
      capacity: { ...config.capacity },
      allocatable: { ...config.capacity },
      conditions: nodeConditions(undefined, now, config.pressure?.()),
      addresses: [
        { type: 'InternalIP', address: config.internalIP },
        { type: 'Hostname', address: config.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: config.kubeletPort ?? 10250 } },
      nodeInfo: {
        machineID: config.systemInfo?.machineID ?? stableID(config.name, 'machine'),
        systemUUID: stableID(config.name, 'system'),
        bootID: config.systemInfo?.bootID ?? stableID(`${config.name}/${now.getTime()}`, 'boot'),
        kernelVersion: config.systemInfo?.kernelVersion ?? (config.virtual ? 'virtual' : ''),
        osImage: config.systemInfo?.osImage ?? (config.virtual ? 'skiff virtual node' : ''),
        containerRuntimeVersion: `${info.runtimeName}://${info.runtimeVersion}`,
        kubeletVersion: info.kubeletVersion,
        kubeProxyVersion: '',
        operatingSystem: 'linux',
        architecture: goArch(),
      },
    },
  };
}

/** Lease renewTime is a MicroTime: microsecond precision. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The node's heartbeat Lease in kube-node-lease, owned by the Node so it goes with it. */
export function leaseObject(
  name: string,
  nodeUID: string | undefined,
  durationSeconds: number,
  now: Date,
): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name,
      namespace: LEASE_NAMESPACE,
      ownerReferences: nodeUID ? [{ apiVersion: 'v1', kind: 'Node', name, uid: nodeUID }] : undefined,
    },
    spec: { holderIdentity: name, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
}
