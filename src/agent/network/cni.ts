/**
 * Calling CNI plugins as the CNI spec 1.0 says: the plugin binary gets the operation and the
 * sandbox in CNI_* environment variables and its network configuration on stdin; it answers a
 * result (ADD) or nothing (DEL) on stdout, or an error object and a non-zero exit.
 * One execFile per plugin, no shell: the plugins are Go binaries whose start-up is most of
 * their cost, so nothing here adds to it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

/** The CNI spec version skiff's configurations are written in. */
export const cniVersion = '1.0.0';

/** One plugin's configuration inside a network configuration list. */
export interface PluginConfig {
  type: string;
  [key: string]: unknown;
}

/** A network configuration list (a "conflist"): one network, plugins run in order. */
export interface NetworkConfigList {
  cniVersion: string;
  name: string;
  plugins: PluginConfig[];
}

/** The CNI 1.0 result an ADD returns (and DEL/CHECK get back as prevResult). */
export interface CniResult {
  cniVersion: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ address: string; gateway?: string; interface?: number }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: unknown;
}

/** What the runtime tells every plugin about the sandbox it works on. */
export interface Invocation {
  binDir: string;
  containerId: string;
  netns: string;
  ifName: string;
  /** CNI_ARGS, key=value pairs. */
  args?: Record<string, string>;
  /** Plugins that run longer are killed: a hung plugin must not hang the agent. */
  timeoutMs?: number;
}

/** A plugin failed: its CNI error code and message, as the plugin put them. */
export class CniError extends Error {
  constructor(
    readonly plugin: string,
    readonly command: string,
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CniError';
  }
}

/** The config one plugin of a list gets, per the spec: the list's name and version injected. */
export function pluginConfig(list: NetworkConfigList, plugin: PluginConfig, prevResult?: CniResult): object {
  const conf: Record<string, unknown> = { ...plugin, cniVersion: list.cniVersion, name: list.name };
  if (prevResult) conf.prevResult = prevResult;
  return conf;
}

/** Runs one plugin once. ADD resolves to its result; DEL to undefined. */
export async function invokePlugin(
  command: 'ADD' | 'DEL' | 'CHECK',
  config: object & { type?: unknown },
  inv: Invocation,
): Promise<CniResult | undefined> {
  const type = String(config.type);
  if (!/^[A-Za-z0-9_.-]+$/.test(type)) throw new Error(`invalid CNI plugin type "${type}"`);
  const env: Record<string, string> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifName,
    CNI_PATH: inv.binDir,
    // Plugins run iptables, ip6tables and (for IPAM) each other: they need a PATH.
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
  };
  if (inv.args && Object.keys(inv.args).length > 0) {
    env.CNI_ARGS = Object.entries(inv.args)
      .map(([k, v]) => `${k}=${v}`)
      .join(';');
  }
  const stdout = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      join(inv.binDir, type),
      [],
      { env, timeout: inv.timeoutMs ?? 60_000, maxBuffer: 4 * 1024 * 1024 },
      (err, out, errOut) => {
        if (!err) return resolve(out);
        reject(pluginError(type, command, err, out, errOut));
      },
    );
    child.stdin?.on('error', () => {}); // a plugin that exits before reading its config: its exit tells why
    child.stdin?.end(JSON.stringify(config));
  });
  if (command !== 'ADD') return undefined;
  try {
    return JSON.parse(stdout) as CniResult;
  } catch {
    throw new CniError(
      type,
      command,
      999,
      `CNI plugin ${type} ADD printed no JSON result: ${oneLine(stdout)}`,
    );
  }
}

function pluginError(
  type: string,
  command: string,
  err: Error & { code?: unknown; killed?: boolean },
  stdout: string,
  stderr: string,
): Error {
  if (err.code === 'ENOENT')
    return new CniError(
      type,
      command,
      999,
      `CNI plugin ${type} not found (install containernetworking-plugins)`,
    );
  if (err.killed) return new CniError(type, command, 999, `CNI plugin ${type} ${command} timed out`);
  // Per the spec the error object is on stdout; some failures (panics) only reach stderr.
  try {
    const parsed = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
    if (parsed.msg) {
      const details = parsed.details ? ` (${parsed.details})` : '';
      return new CniError(
        type,
        command,
        parsed.code ?? 999,
        `CNI plugin ${type} ${command} failed: ${oneLine(parsed.msg + details)}`,
      );
    }
  } catch {
    // not JSON: fall through to stderr
  }
  return new CniError(
    type,
    command,
    999,
    `CNI plugin ${type} ${command} failed: ${oneLine(stderr || stdout || err.message)}`,
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 500);
}
