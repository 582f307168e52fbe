/**
 * Pod networking through CNI plugins: each pod gets a named network namespace, a veth on the
 * node's bridge with an address from host-local IPAM on the node's pod CIDR, its hostPorts
 * through portmap, and its loopback up. One JSON record per pod (state.ts) makes setup
 * idempotent, teardown possible from a new process, and lets a restarted agent adopt pods.
 *
 * Start-up cost is mostly the plugins' own (Go binaries, one exec each), so the sequence keeps
 * execs few and concurrent where the spec allows: the namespace and the record first (in
 * parallel), then loopback beside the bridge; portmap runs only for pods that map a port.
 */
import { formatCIDR, parseCIDR } from '../node/cidr.js';
import { cniVersion, type Invocation, invokePlugin, type NetworkConfigList, pluginConfig } from './cni.js';
import { ensureHostNetwork } from './host.js';
import { createNetns, deleteNetns, isNetns, netnsPath } from './netns.js';
import { type PodNetworkRecord, RecordStore } from './state.js';

export interface PodNetworkOptions {
  /** Where pod records and the IPAM reservations live (survives agent restarts). */
  stateDir: string;
  /** This node's block, e.g. 10.42.3.0/24. */
  podCIDR: string;
  /** Traffic to it is not masqueraded. Default 10.42.0.0/16. */
  clusterCIDR?: string;
  /** Default 'skiff0'. */
  bridge?: string;
  /** Default /usr/lib/cni (Debian's containernetworking-plugins). */
  cniBinDir?: string;
  mtu?: number;
}

export interface PodRef {
  uid: string;
  namespace: string;
  name: string;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  hostIP?: string;
}

export interface PodNetworkInfo {
  netnsPath: string;
  ip: string;
}

const defaults = { clusterCIDR: '10.42.0.0/16', bridge: 'skiff0', cniBinDir: '/usr/lib/cni' };
const ifName = 'eth0';
const networkName = 'skiff';

export class PodNetwork {
  private readonly opts: Required<Omit<PodNetworkOptions, 'mtu'>> & { mtu?: number };
  private readonly records: RecordStore;
  private host?: Promise<void>;
  /** One operation per pod at a time: a setup racing its own teardown would leak or double-free. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(options: PodNetworkOptions) {
    this.opts = { ...defaults, ...options };
    // Normalized (10.42.3.7/24 → 10.42.3.0/24): host-local and nft want the network address.
    this.opts.podCIDR = formatCIDR(parseCIDR(this.opts.podCIDR));
    this.opts.clusterCIDR = formatCIDR(parseCIDR(this.opts.clusterCIDR));
    if (!/^[A-Za-z0-9_.-]{1,15}$/.test(this.opts.bridge))
      throw new Error(`invalid bridge name "${this.opts.bridge}" (1-15 letters, digits, _ . -)`);
    if (this.opts.mtu !== undefined && !(Number.isInteger(this.opts.mtu) && this.opts.mtu >= 576))
      throw new Error(`invalid MTU ${this.opts.mtu}`);
    this.records = new RecordStore(this.opts.stateDir);
  }

  /** Node-wide setup (forwarding, masquerade); runs once, and again after a failure. */
  ensureHost(): Promise<void> {
    this.host ??= ensureHostNetwork({
      bridge: this.opts.bridge,
      podCIDR: this.opts.podCIDR,
      clusterCIDR: this.opts.clusterCIDR,
    }).catch((err) => {
      this.host = undefined;
      throw err;
    });
    return this.host;
  }

  /** Gives the pod its namespace and IP; a second call for the same uid returns the same. */
  async setup(pod: PodRef, portMappings: PortMapping[] = []): Promise<PodNetworkInfo> {
    checkPodRef(pod);
    const mappings = portMappings.map(checkMapping);
    return this.serialize(pod.uid, () => this.doSetup(pod, mappings));
  }

  /** Undoes setup: CNI DEL in reverse order, namespace removed, IP freed. Missing parts are fine. */
  async teardown(uid: string): Promise<void> {
    checkUID(uid);
    return this.serialize(uid, () => teardownRecord(this.records, uid, this.opts.cniBinDir));
  }

  /** The pod's network if it is set up. */
  async get(uid: string): Promise<PodNetworkInfo | undefined> {
    const rec = await this.records.read(uid);
    if (!rec?.ip || !(await isNetns(rec.netnsPath))) return undefined;
    return { netnsPath: rec.netnsPath, ip: rec.ip };
  }

  /**
   * Pods whose network exists on disk, for a restarted runtime to adopt. Records whose
   * namespace is gone (a reboot) or whose setup never finished (a crash) are torn down, so
   * their IPs return to the pool.
   */
  async adopted(): Promise<Array<{ uid: string } & PodNetworkInfo>> {
    const out: Array<{ uid: string } & PodNetworkInfo> = [];
    for (const uid of await this.records.uids()) {
      const info = await this.serialize(uid, async () => {
        const rec = await this.records.read(uid);
        if (rec?.ip && (await isNetns(rec.netnsPath))) return { uid, netnsPath: rec.netnsPath, ip: rec.ip };
        await teardownRecord(this.records, uid, this.opts.cniBinDir);
        return undefined;
      });
      if (info) out.push(info);
    }
    return out;
  }

  private async doSetup(pod: PodRef, mappings: PortMapping[]): Promise<PodNetworkInfo> {
    const existing = await this.records.read(pod.uid);
    if (existing?.ip && (await isNetns(existing.netnsPath)))
      return { netnsPath: existing.netnsPath, ip: existing.ip };
    if (existing) await teardownRecord(this.records, pod.uid, this.opts.cniBinDir);

    const rec = this.record(pod, mappings);
    const inv: Invocation = {
      binDir: this.opts.cniBinDir,
      containerId: pod.uid,
      netns: rec.netnsPath,
      ifName,
      args: rec.args,
    };
    try {
      // The record goes down before any plugin runs: a crash from here on is undone by teardown.
      await all([this.ensureHost(), this.records.write(rec), createNetns(rec.netnsName)]);
      const [result] = await all([
        runChain('ADD', rec.network, inv),
        invokePlugin('ADD', { ...rec.loopback }, { ...inv, ifName: 'lo' }),
      ]);
      rec.result = result;
      rec.ip = podIP(result, rec.netnsPath);
      await this.records.write(rec);
      return { netnsPath: rec.netnsPath, ip: rec.ip };
    } catch (err) {
      // The spec asks the runtime to DEL after a failed ADD; the first error is the one to report.
      await teardownRecord(this.records, pod.uid, this.opts.cniBinDir).catch(() => {});
      throw err;
    }
  }

  private record(pod: PodRef, mappings: PortMapping[]): PodNetworkRecord {
    const bridge: Record<string, unknown> = {
      type: 'bridge',
      bridge: this.opts.bridge,
      isGateway: true,
      hairpinMode: true,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: this.opts.podCIDR }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: `${this.opts.stateDir}/ipam`,
      },
    };
    if (this.opts.mtu) bridge.mtu = this.opts.mtu;
    const plugins: NetworkConfigList['plugins'] = [bridge as { type: string }];
    if (mappings.length > 0) {
      // Only pods that map a port pay for portmap (its ADD and DEL run iptables, ~100 ms each).
      plugins.push({
        type: 'portmap',
        capabilities: { portMappings: true },
        runtimeConfig: {
          portMappings: mappings.map((m) => ({
            hostPort: m.hostPort,
            containerPort: m.containerPort,
            protocol: m.protocol.toLowerCase(),
            ...(m.hostIP ? { hostIP: m.hostIP } : {}),
          })),
        },
      });
    }
    const netnsName = `skiff-${pod.uid}`;
    return {
      uid: pod.uid,
      namespace: pod.namespace,
      name: pod.name,
      netnsName,
      netnsPath: netnsPath(netnsName),
      ifName,
      network: { cniVersion, name: networkName, plugins },
      loopback: { type: 'loopback', cniVersion, name: 'cni-loopback' },
      args: {
        IgnoreUnknown: '1',
        K8S_POD_NAMESPACE: pod.namespace,
        K8S_POD_NAME: pod.name,
        K8S_POD_INFRA_CONTAINER_ID: pod.uid,
        K8S_POD_UID: pod.uid,
      },
    };
  }

  private serialize<T>(uid: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(uid) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.then(
      () => {},
      () => {},
    );
    this.locks.set(uid, settled);
    settled.then(() => {
      if (this.locks.get(uid) === settled) this.locks.delete(uid);
    });
    return next;
  }
}

/**
 * Promise.all that waits for every promise before rejecting: the clean-up after a failure must
 * not race a plugin still running.
 */
async function all<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** Runs the list's plugins in order, each getting the previous one's result (ADD). */
async function runChain(command: 'ADD', list: NetworkConfigList, inv: Invocation) {
  let result: Awaited<ReturnType<typeof invokePlugin>>;
  for (const plugin of list.plugins)
    result = await invokePlugin(command, pluginConfig(list, plugin, result), inv);
  if (!result) throw new Error('CNI chain returned no result');
  return result;
}

/**
 * DEL with the stored configuration, last plugin first, then the namespace, then the record.
 * A DEL that fails keeps the record, so a later teardown retries and the IP is not lost.
 */
async function teardownRecord(records: RecordStore, uid: string, binDir: string): Promise<void> {
  const rec = await records.read(uid);
  if (!rec) {
    await deleteNetns(`skiff-${uid}`);
    return;
  }
  // A namespace that is gone (or a stale file in its place) is not passed: the plugins then
  // only release what lives outside it (IPAM, iptables), which the spec allows.
  const netns = (await isNetns(rec.netnsPath)) ? rec.netnsPath : '';
  const inv: Invocation = { binDir, containerId: uid, netns, ifName: rec.ifName, args: rec.args };
  let firstError: unknown;
  for (const plugin of [...rec.network.plugins].reverse()) {
    try {
      await invokePlugin('DEL', pluginConfig(rec.network, plugin, rec.result), inv);
    } catch (err) {
      firstError ??= err;
    }
  }
  // No loopback DEL: it only sets lo down inside the namespace that is removed next.
  await deleteNetns(rec.netnsName);
  if (firstError) throw firstError;
  await records.remove(uid);
}

/** Tears down every pod network recorded in stateDir (test clean-up, node reset). */
export async function cleanupAll(stateDir: string, cniBinDir = defaults.cniBinDir): Promise<void> {
  const records = new RecordStore(stateDir);
  let firstError: unknown;
  for (const uid of await records.uids()) {
    try {
      await teardownRecord(records, uid, cniBinDir);
    } catch (err) {
      firstError ??= err;
    }
  }
  if (firstError) throw firstError;
}

/** The pod's IPv4 address from the result: the one on the interface inside the namespace. */
function podIP(
  result: { interfaces?: Array<{ sandbox?: string }>; ips?: Array<{ address: string; interface?: number }> },
  netns: string,
): string {
  const ips = result.ips ?? [];
  const inPod = ips.find(
    (ip) =>
      ip.interface !== undefined &&
      result.interfaces?.[ip.interface]?.sandbox === netns &&
      !ip.address.includes(':'),
  );
  const chosen = inPod ?? ips.find((ip) => !ip.address.includes(':'));
  if (!chosen) throw new Error('the CNI result has no IPv4 address for the pod');
  return chosen.address.split('/')[0];
}

function checkUID(uid: string): void {
  // It names a file, a namespace and the CNI container id: the spec's alphabet, bounded length.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(uid)) throw new Error(`invalid pod uid "${uid}"`);
}

function checkPodRef(pod: PodRef): void {
  checkUID(pod.uid);
  for (const [what, v] of [
    ['namespace', pod.namespace],
    ['name', pod.name],
  ])
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(v)) throw new Error(`invalid pod ${what} "${v}"`);
}

function checkMapping(m: PortMapping): PortMapping {
  const port = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
  if (!port(m.hostPort) || !port(m.containerPort))
    throw new Error(`invalid port mapping ${m.hostPort}:${m.containerPort} (ports are 1-65535)`);
  if (!['TCP', 'UDP', 'SCTP'].includes(m.protocol))
    throw new Error(`invalid port mapping protocol "${m.protocol}"`);
  // portmap reads an unspecified address as "every local address" only when it is absent.
  const hostIP = m.hostIP && m.hostIP !== '0.0.0.0' && m.hostIP !== '::' ? m.hostIP : undefined;
  return { ...m, hostIP };
}
