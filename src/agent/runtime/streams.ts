/**
 * What a runtime offers beyond running containers: their logs, processes started in them
 * (exec, attach), connections to their ports (port-forward) and where their cgroups are (stats).
 * The runc runtime implements it; the agent's streaming server (src/agent/server) and probes
 * consume it. The virtual runtime does not: its containers have no processes.
 */
import type { Duplex, Readable, Writable } from 'node:stream';

/** Which streams a caller wants, as kubectl's exec/attach query parameters say. */
export interface StreamOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** A pseudo-terminal: stdout and stderr are one stream, and the size can change. */
  tty: boolean;
}

/** A process inside a container (exec) or a container's own main process (attach). */
export interface ContainerProcess {
  /** Present when opened with stdin. Ending it closes the process's stdin. */
  stdin?: Writable;
  /** The process's output (with a tty: the terminal's output, stdout and stderr together). */
  stdout?: Readable;
  /** Absent with a tty. */
  stderr?: Readable;
  /** Changes the terminal size; a no-op without a tty. */
  resize(cols: number, rows: number): void;
  /** The exit code (128 + signal number when killed). For attach: when the caller detached, -1. */
  exited: Promise<number>;
  /** Ends the process (exec) or detaches (attach). */
  kill(): void;
}

/** Where a pod's and its containers' cgroups are, relative to each controller's mount (v1) or the v2 root. */
export interface PodCgroups {
  pod: string;
  containers: Record<string, string>;
}

export interface StreamingRuntime {
  /** The CRI-format log file of a container's current (previous: the one before) attempt. */
  logPath(podUID: string, container: string, previous: boolean): string | undefined;
  /** Starts a command in a running container. Rejects when the container is not running. */
  exec(
    podUID: string,
    container: string,
    command: string[],
    options: StreamOptions,
  ): Promise<ContainerProcess>;
  /** Attaches to a running container's main process. */
  attach(podUID: string, container: string, options: StreamOptions): Promise<ContainerProcess>;
  /** A TCP connection from the node to the pod's port (its IP inside its network namespace). */
  portForward(podUID: string, port: number): Promise<Duplex>;
  /** Runs a command to its end or the timeout (then killed: exitCode -1), for exec probes. */
  execSync(
    podUID: string,
    container: string,
    command: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }>;
  /** The pod's cgroups, or undefined when the pod is unknown. */
  cgroups(podUID: string): PodCgroups | undefined;
}
