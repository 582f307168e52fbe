/**
 * Where a skiff pod's start went, read from outside the agent: the files the runc runtime and
 * the network plugin write along the way carry their own timestamps (birth or modification time,
 * at the kernel's jiffy granularity, ~4 ms), so the breakdown costs the agent nothing.
 * Milestones, in ms since the create request was sent:
 * - sandbox: the pod's runtime directory is made (the agent has the bound pod and starts);
 * - network: the CNI record is rewritten with the plugins' result (netns + bridge ADD done);
 * - container: the container's bundle directory is made (sandbox, volumes, pod files done);
 * - config: config.json written (image rootfs mounted, OCI spec built);
 * - conmon: conmon wrote its pid file (spawned, moved to its cgroup, forked its monitor);
 * - created: runc create wrote the container's pid file;
 * - running: the runtime recorded the container running (exec fifo opened).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { median, round } from './stats.js';

export interface PodStages {
  sandbox?: number;
  network?: number;
  container?: number;
  config?: number;
  conmon?: number;
  created?: number;
  running?: number;
}

const birth = (p: string) => {
  try {
    const s = statSync(p);
    return s.birthtimeMs > 0 ? s.birthtimeMs : undefined;
  } catch {
    return undefined;
  }
};
const mtime = (p: string) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return undefined;
  }
};

/** The milestones of pod `uid` (one container) relative to sentAt (a performance.now() value). */
export function podStages(agentDataDir: string, uid: string, sentAt: number): PodStages {
  const wall0 = performance.timeOrigin + sentAt;
  const rel = (t: number | undefined) => (t === undefined ? undefined : t - wall0);
  const root = join(agentDataDir, 'agent');
  const pod = join(root, 'runtime', 'pods', uid);
  const containers = join(pod, 'containers');
  const id = existsSync(containers) ? readdirSync(containers)[0] : undefined;
  const c = id ? join(containers, id) : undefined;
  return {
    sandbox: rel(birth(pod)),
    network: rel(mtime(join(root, 'cni', 'pods', `${uid}.json`))),
    container: c ? rel(birth(c)) : undefined,
    config: c ? rel(mtime(join(c, 'config.json'))) : undefined,
    conmon: c ? rel(birth(join(c, 'conmon.pid'))) : undefined,
    created: c ? rel(birth(join(c, 'pidfile'))) : undefined,
    running: c ? rel(mtime(join(c, 'state.json'))) : undefined,
  };
}

/** The median of each milestone over several pods, rounded to ms. */
export function medianStages(all: PodStages[]): Record<string, number> {
  const out: Record<string, number> = {};
  const keys: Array<keyof PodStages> = [
    'sandbox',
    'network',
    'container',
    'config',
    'conmon',
    'created',
    'running',
  ];
  for (const k of keys) {
    const xs = all.map((s) => s[k]).filter((x): x is number => x !== undefined);
    if (xs.length) out[k] = round(median(xs), 0);
  }
  return out;
}
