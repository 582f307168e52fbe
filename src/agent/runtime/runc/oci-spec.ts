/**
 * The OCI runtime spec (config.json) of one container, built the way containerd's CRI plugin
 * builds it for the kubelet: process from Kubernetes' command/args rules over the image config,
 * the default capability set with add/drop, privileged mode, standard mounts plus the pod's bind
 * mounts, the sandbox's network, UTS and IPC namespaces joined by path, and cgroup resources.
 * Pure: everything read from the host (rootfs accounts, /dev for privileged) comes in as input.
 */
import type { Container, PodSecurityContext } from 'kubernetes-types/core/v1.js';
import type { ImageConfig } from '../../images/manifest.js';
import type { ContainerRunConfig } from '../runtime.js';
import type { CgroupValues } from './resources.js';
import type { ResolvedUser } from './user.js';

/** What the image says about running it: the image store's ImageConfig. */
export type { ImageConfig };

export interface OciDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
}

export interface OciMount {
  destination: string;
  type?: string;
  source: string;
  options?: string[];
}

export interface SpecInput {
  container: Container;
  pod: {
    uid: string;
    namespace: string;
    name: string;
    hostname: string;
    securityContext?: PodSecurityContext;
  };
  image: ImageConfig;
  run: ContainerRunConfig;
  rootfs: string;
  user: ResolvedUser;
  /** Paths of the sandbox's namespaces, joined by every container of the pod. */
  namespaces: { network: string; uts: string; ipc: string };
  /** The pod's shared /dev/shm (a tmpfs the sandbox holds). */
  shmPath: string;
  cgroupsPath: string;
  cgroupValues: CgroupValues;
  oomScoreAdj: number;
  /** The host's devices, given to privileged containers. */
  hostDevices?: OciDevice[];
  cgroupV2?: boolean;
}

/** Thrown when the container cannot be configured (CreateContainerError). */
export class SpecError extends Error {}

/** The capabilities containerd (and Docker) give a container by default. */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability of Linux up to 6.x, for privileged containers and add: [ALL]. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

const MASKED_PATHS = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The process's argv by Kubernetes' rules: a command replaces the image's entrypoint and drops
 * its cmd; args replace the cmd. An empty list counts as unset, as in containerd.
 */
export function processArgs(command: string[] | undefined, args: string[] | undefined, image: ImageConfig) {
  let cmd = command && command.length > 0 ? [...command] : [];
  let rest = args && args.length > 0 ? [...args] : [];
  if (cmd.length === 0) {
    if (rest.length === 0) rest = [...image.cmd];
    // An entrypoint of [""] is Docker's way to say "none".
    if (!(image.entrypoint.length === 1 && image.entrypoint[0] === '')) cmd = [...image.entrypoint];
  }
  const argv = [...cmd, ...rest];
  if (argv.length === 0) throw new SpecError('no command specified');
  return argv;
}

/** Image env first, then the container's, a later value of a name replacing the earlier in place. */
export function mergeEnv(imageEnv: string[], env: Array<{ name: string; value: string }>, hostname: string) {
  const order: string[] = [];
  const values = new Map<string, string>();
  const set = (name: string, value: string) => {
    if (!values.has(name)) order.push(name);
    values.set(name, value);
  };
  for (const kv of imageEnv) {
    const i = kv.indexOf('=');
    if (i > 0) set(kv.slice(0, i), kv.slice(i + 1));
  }
  for (const e of env) set(e.name, e.value);
  const out = order.map((n) => `${n}=${values.get(n)}`);
  if (!values.has('PATH')) out.unshift(DEFAULT_PATH);
  if (!values.has('HOSTNAME')) out.push(`HOSTNAME=${hostname}`);
  return out;
}

const capName = (c: string) => {
  const up = c.toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
};

/** The capability set: the default (or all, privileged) with the securityContext's add and drop. */
export function capabilities(container: Container): string[] {
  const sc = container.securityContext;
  if (sc?.privileged) return [...ALL_CAPABILITIES];
  const add = (sc?.capabilities?.add ?? []).map(capName);
  const drop = (sc?.capabilities?.drop ?? []).map(capName);
  // containerd's order: ALL first (add, then drop), then single adds, then single drops win.
  let caps = add.includes('CAP_ALL') ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES];
  if (drop.includes('CAP_ALL')) caps = [];
  for (const c of add) if (c !== 'CAP_ALL' && !caps.includes(c)) caps.push(c);
  return caps.filter((c) => !drop.includes(c));
}

function standardMounts(privileged: boolean, shmPath: string): OciMount[] {
  const sysOpts = ['nosuid', 'noexec', 'nodev', privileged ? 'rw' : 'ro'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'bind',
      source: shmPath,
      options: ['rbind', 'nosuid', 'nodev', 'noexec'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOpts },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: [...sysOpts, 'relatime'] },
  ];
}

const depth = (p: string) => p.split('/').filter(Boolean).length;

/** Standard mounts, minus those a pod mount replaces, then the pod's mounts parents-first. */
export function mounts(input: SpecInput, privileged: boolean): OciMount[] {
  const user = input.run.mounts.map(
    (m): OciMount => ({
      destination: m.containerPath,
      type: 'bind',
      source: m.hostPath,
      options: ['rbind', 'rprivate', m.readOnly ? 'ro' : 'rw'],
    }),
  );
  const taken = new Set(user.map((m) => m.destination));
  const standard = standardMounts(privileged, input.shmPath).filter((m) => !taken.has(m.destination));
  // A stable sort by depth keeps /a before /a/b whatever order the pod lists them in.
  user.sort((a, b) => depth(a.destination) - depth(b.destination));
  return [...standard, ...user];
}

function resources(v: CgroupValues, privileged: boolean) {
  const res: Record<string, unknown> = {
    devices: [{ allow: privileged, access: 'rwm' }],
    cpu: {
      shares: v.cpuShares,
      ...(v.cpuQuotaUs !== undefined ? { quota: v.cpuQuotaUs, period: v.cpuPeriodUs } : {}),
    },
  };
  if (v.memoryLimitBytes !== undefined) res.memory = { limit: v.memoryLimitBytes };
  if (v.pidsLimit !== undefined) res.pids = { limit: v.pidsLimit };
  return res;
}

/** config.json for one container. */
export function buildOciSpec(input: SpecInput): Record<string, unknown> {
  const { container, image, run, pod } = input;
  const sc = container.securityContext;
  const privileged = sc?.privileged === true;
  const caps = capabilities(container);
  const cwd = container.workingDir || image.workingDir || '/';
  const sysctl: Record<string, string> = {};
  for (const s of pod.securityContext?.sysctls ?? []) sysctl[s.name] = s.value;
  const namespaces: Array<{ type: string; path?: string }> = [
    { type: 'pid' },
    { type: 'ipc', path: input.namespaces.ipc },
    { type: 'uts', path: input.namespaces.uts },
    { type: 'mount' },
    { type: 'network', path: input.namespaces.network },
  ];
  // On cgroup v2 a cgroup namespace makes /sys/fs/cgroup show the container's own cgroup.
  if (input.cgroupV2) namespaces.push({ type: 'cgroup' });
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: container.tty === true,
      user: { uid: input.user.uid, gid: input.user.gid, additionalGids: input.user.additionalGids },
      args: processArgs(run.command, run.args, image),
      env: mergeEnv(image.env, run.env, pod.hostname),
      cwd: cwd.startsWith('/') ? cwd : `/${cwd}`,
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: sc?.allowPrivilegeEscalation === false,
      oomScoreAdj: input.oomScoreAdj,
    },
    root: { path: input.rootfs, readonly: sc?.readOnlyRootFilesystem === true },
    hostname: pod.hostname,
    mounts: mounts(input, privileged),
    annotations: {
      'io.kubernetes.pod.namespace': pod.namespace,
      'io.kubernetes.pod.name': pod.name,
      'io.kubernetes.pod.uid': pod.uid,
      'io.kubernetes.container.name': container.name,
    },
    linux: {
      cgroupsPath: input.cgroupsPath,
      resources: resources(input.cgroupValues, privileged),
      namespaces,
      ...(Object.keys(sysctl).length > 0 ? { sysctl } : {}),
      ...(privileged
        ? { devices: input.hostDevices ?? [] }
        : { maskedPaths: MASKED_PATHS, readonlyPaths: READONLY_PATHS }),
    },
  };
}
