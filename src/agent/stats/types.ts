/**
 * The kubelet's Summary API (`/stats/summary`, k8s.io/kubelet/pkg/apis/stats/v1alpha1), the
 * part of it skiff fills: CPU and memory of the node, its pods and their containers. The
 * metrics API (src/apiserver/metrics-api) reads it as metrics-server reads a kubelet's.
 * Times are RFC 3339 strings, as on the wire.
 */

export interface CPUStats {
  /** When the sample was taken. */
  time: string;
  /** Average usage in billionths of a core over the last sampling window; absent until two samples exist. */
  usageNanoCores?: number;
  /** Cumulative CPU time since the cgroup (or the node) started. */
  usageCoreNanoSeconds?: number;
}

export interface MemoryStats {
  time: string;
  /** Present only when there is a limit (the node's capacity for the node). */
  availableBytes?: number;
  /** All memory charged, page cache included. */
  usageBytes?: number;
  /** What the OOM killer and evictions look at: usage less inactive file pages. */
  workingSetBytes?: number;
  rssBytes?: number;
  pageFaults?: number;
  majorPageFaults?: number;
}

export interface ContainerStats {
  name: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
}

export interface PodReference {
  name: string;
  namespace: string;
  uid: string;
}

export interface PodStats {
  podRef: PodReference;
  startTime: string;
  containers: ContainerStats[];
  cpu?: CPUStats;
  memory?: MemoryStats;
}

export interface NodeStats {
  nodeName: string;
  startTime: string;
  cpu?: CPUStats;
  memory?: MemoryStats;
}

export interface Summary {
  node: NodeStats;
  pods: PodStats[];
}
