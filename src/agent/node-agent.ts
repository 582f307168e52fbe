/**
 * The agent of a real node (skiff's kubelet): registers this machine as a Node, waits for the
 * pod CIDR the server's node IPAM gives it, and runs its pods as runc containers under conmon on
 * a CNI bridge, with images, volumes, config, probes, the streaming endpoint (logs, exec, attach,
 * port-forward) and cgroup stats. Pod sync and node heartbeats are the same code virtual nodes use.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConfigMap, Node, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { errors } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import { ApiEventRecorder } from '../client/events.js';
import { Informer } from '../client/informer.js';
import type { Client, Clock } from '../client/types.js';
import { realClock } from '../client/types.js';
import { resolveContainerConfig, writePodFiles } from './container-config/container-config.js';
import { ImageStore, runcImages } from './images/index.js';
import { PodNetwork } from './network/pod-network.js';
import { hostNodeConfig } from './node/host.js';
import { NodeManager } from './node/node-manager.js';
import { KUBELET_VERSION } from './node/node-object.js';
import type { PodHooks } from './podsync/hooks.js';
import { PodSync } from './podsync/pod-sync.js';
import { ProbeManager } from './probes/probe-manager.js';
import { lazyStreamingRuntime } from './runtime/lazy-streaming.js';
import type { LogRotationLimits } from './runtime/runc/log-rotation.js';
import { RuncRuntime } from './runtime/runc/runc-runtime.js';
import type { ContainerRunConfig } from './runtime/runtime.js';
import { startAgentServer } from './server/agent-server.js';
import { runtimeStatsSource, StatsCollector } from './stats/collector.js';
import { VolumeManager } from './volumes/volume-manager.js';

export interface NodeAgentOptions {
  client: Client;
  /** The agent's state lives under <dataDir>/agent: runtime, images, pod volumes, logs, CNI. */
  dataDir: string;
  nodeName: string;
  /** The node's InternalIP; the agent's endpoint listens on it. */
  nodeIP: string;
  /** The endpoint's port (kubelet: 10250); 0 picks a free one. */
  kubeletPort: number;
  /** The cluster CA (PEM): the endpoint accepts only client certificates it signed. */
  clusterCA: string;
  clusterCIDR?: string;
  /** Cluster DNS and domain written into pods' resolv.conf. */
  clusterDNS?: string;
  clusterDomain?: string;
  insecureRegistries?: string[];
  /** Container log rotation (default: past 10 MiB, 5 files kept). */
  logRotation?: LogRotationLimits;
  labels?: Record<string, string>;
  clock?: Clock;
  log?: (line: string) => void;
}

export interface RunningNodeAgent {
  nodeName: string;
  podCIDR: string;
  /** Where the endpoint listens. */
  kubeletPort: number;
  runtime: RuncRuntime;
  images: ImageStore;
  podSync: PodSync;
  /** Stops the agent; containers keep running (conmon holds them) for the next start to adopt. */
  stop(): Promise<void>;
}

type NodeObject = Node & KObject;

/** The programs a real node runs, by Debian package. */
const REQUIRED = [
  { path: '/usr/sbin/runc', pkg: 'runc' },
  { path: '/usr/bin/conmon', pkg: 'conmon' },
  { path: '/usr/lib/cni/bridge', pkg: 'containernetworking-plugins' },
  { path: '/usr/sbin/iptables', pkg: 'iptables' },
  { path: '/usr/bin/skopeo', pkg: 'skopeo' },
  { path: '/usr/bin/python3', pkg: 'python3-minimal' },
];

/** Fails with one clear line when a program the node needs is missing. */
function checkHost(): void {
  const missing = REQUIRED.filter((r) => !existsSync(r.path)).map((r) => r.pkg);
  if (missing.length) {
    throw new Error(
      `missing system packages: ${missing.join(' ')} (install them with: node scripts/install-deps.mjs, as root)`,
    );
  }
}

/**
 * The kubelet's --oom-score-adj default: on a node short of memory the agent is the OOM killer's
 * last choice, after every container (runc gives each its own value from config.json).
 */
const AGENT_OOM_SCORE_ADJ = -999;

function protectFromOomKiller(log: (line: string) => void): void {
  try {
    writeFileSync('/proc/self/oom_score_adj', String(AGENT_OOM_SCORE_ADJ));
  } catch (err) {
    const denied = (err as NodeJS.ErrnoException).code === 'EACCES';
    log(
      denied
        ? `oom_score_adj left as it is: lowering it to ${AGENT_OOM_SCORE_ADJ} needs CAP_SYS_RESOURCE`
        : `cannot set oom_score_adj ${AGENT_OOM_SCORE_ADJ}: ${(err as Error).message}`,
    );
  }
}

/** Containers report the image by repo digest (name@sha256:…), as Kubernetes' imageID shows it. */
function repoDigestImages(images: ReturnType<typeof runcImages>): ReturnType<typeof runcImages> {
  return {
    prepare: async (...args) => {
      const prepared = await images.prepare(...args);
      return { ...prepared, imageID: prepared.imageRef };
    },
    release: (dir) => images.release(dir),
  };
}

/** runc's own version, as containerRuntimeVersion shows it (e.g. runc://1.1.5). */
async function runcVersion(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('runc', ['--version']);
    return /runc version (\S+)/.exec(stdout)?.[1]?.replace(/\+.*$/, '') ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Waits until the server's node IPAM gives the node a pod CIDR. */
async function podCIDROf(client: Client, name: string, timeoutMs = 60_000): Promise<string> {
  const nodes = client.resource<NodeObject>('', 'v1', 'nodes');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const node = await nodes.get('', name).catch(() => undefined);
    if (node?.spec?.podCIDR) return node.spec.podCIDR;
    if (Date.now() > deadline)
      throw new Error(
        `node ${name} got no pod CIDR within ${timeoutMs / 1000} s (is node IPAM running on the server?)`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Uses any volume, env or envFrom of the pod this ConfigMap or Secret? (Only then refresh it.) */
function references(pod: Pod, kind: 'configMap' | 'secret', name: string): boolean {
  const text = JSON.stringify([pod.spec?.volumes, pod.spec?.containers, pod.spec?.initContainers]);
  return kind === 'configMap' ? text.includes(`"name":"${name}"`) : text.includes(`"${name}"`);
}

export async function startNodeAgent(o: NodeAgentOptions): Promise<RunningNodeAgent> {
  checkHost();
  const clock = o.clock ?? realClock;
  const log = o.log ?? (() => {});
  protectFromOomKiller(log);
  const root = join(o.dataDir, 'agent');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const stops: Array<() => unknown> = [];
  const stop = async () => {
    for (const s of stops.reverse()) {
      try {
        await s();
      } catch (err) {
        log(`stopping: ${(err as Error).message}`);
      }
    }
  };
  try {
    // The endpoint starts first (its port goes into the Node object); its runtime arrives later.
    const streaming = lazyStreamingRuntime();
    let podSync: PodSync | undefined;
    let podsSynced = false;
    let collector: StatsCollector | undefined;
    const endpoint = await startAgentServer({
      host: o.nodeIP,
      port: o.kubeletPort,
      clientCA: o.clusterCA,
      runtime: streaming,
      resolvePod: (ns, name) => {
        // Before pod sync runs, "not found" would be a lie: say the node is still starting.
        if (!podSync || !podsSynced)
          throw errors.unavailable('the node agent is starting; try again shortly');
        const pod = podSync.pod(ns, name);
        if (!pod) return undefined;
        return {
          uid: pod.metadata.uid!,
          containers: (pod.spec?.containers ?? []).map((c) => c.name),
          initContainers: (pod.spec?.initContainers ?? []).map((c) => c.name),
        };
      },
      containerRunning: (uid, name) =>
        !!streaming
          .target()
          ?.getPod(uid)
          ?.containers.some((c) => c.name === name && c.phase === 'running'),
      summary: async () => {
        if (!collector) throw new Error('the agent is starting');
        return collector.summary();
      },
      log,
    });
    stops.push(() => endpoint.close());

    const nodeConfig = hostNodeConfig({
      name: o.nodeName,
      internalIP: o.nodeIP,
      kubeletPort: endpoint.port,
      dataDir: root,
      labels: o.labels,
    });
    const runtimeInfo = {
      runtimeName: 'runc',
      runtimeVersion: await runcVersion(),
      kubeletVersion: KUBELET_VERSION,
    };
    const nodeManager = new NodeManager({
      client: o.client,
      clock,
      nodes: [nodeConfig],
      info: runtimeInfo,
      log,
    });
    await nodeManager.start();
    stops.push(() => nodeManager.stop());
    const podCIDR = await podCIDROf(o.client, o.nodeName);

    const images = new ImageStore({
      root: join(root, 'images'),
      insecureRegistries: o.insecureRegistries,
      log,
    });
    const network = new PodNetwork({
      stateDir: join(root, 'cni'),
      podCIDR,
      clusterCIDR: o.clusterCIDR ?? '10.42.0.0/16',
    });
    // Host side once (bridge, forwarding, masquerade), and networks whose namespaces vanished freed.
    await network.ensureHost();
    await network.adopted();
    const runtime = await RuncRuntime.open({
      root: join(root, 'runtime'),
      logRoot: join(root, 'logs'),
      images: repoDigestImages(runcImages(images)),
      network: {
        setup: (pod, ports) =>
          network.setup(
            pod,
            ports.map((p) => ({ ...p, protocol: (p.protocol as 'TCP' | 'UDP' | 'SCTP') ?? 'TCP' })),
          ),
        teardown: (uid) => network.teardown(uid),
      },
      clock,
      log,
      logRotation: o.logRotation,
    });
    streaming.attachRuntime(runtime);
    stops.push(() => runtime.close());

    // What containers read from the API: ConfigMaps, Secrets, Services (service env vars).
    const watch = <T extends KObject>(resource: string) => {
      const informer = new Informer<T>(o.client.resource<T>('', 'v1', resource), '', {}, clock);
      stops.push(() => informer.stop());
      return informer;
    };
    const configMaps = watch<ConfigMap & KObject>('configmaps');
    const secrets = watch<Secret & KObject>('secrets');
    const services = watch<Service & KObject>('services');
    await Promise.all([configMaps.start(), secrets.start(), services.start()]);
    const getConfigMap = (ns: string, name: string) => configMaps.get(`${ns}/${name}`);
    const getSecret = (ns: string, name: string) => secrets.get(`${ns}/${name}`);

    const volumes = new VolumeManager({
      root: join(root, 'pods'),
      getConfigMap,
      getSecret,
      nodeName: o.nodeName,
      nodeAllocatable: nodeConfig.capacity,
    });
    const events = new ApiEventRecorder(o.client, 'kubelet', clock);
    const probes = new ProbeManager({
      clock,
      execProbe: (uid, container, command, timeoutMs) => runtime.execSync(uid, container, command, timeoutMs),
      onChange: (uid) => podSync?.wake(uid),
      onLivenessFailure: (uid, container, message) => {
        podSync
          ?.restartContainer(uid, container, message)
          .catch((err) => log(`restart: ${(err as Error).message}`));
      },
      event: (pod, type, reason, message) => events.record(pod as Pod & KObject, type, reason, message),
    });
    stops.push(() => probes.close());

    /** Per pod: volume paths and the hosts/resolv.conf files its containers mount. */
    const prepared = new Map<
      string,
      { volumePaths: Map<string, string>; files: Awaited<ReturnType<typeof writePodFiles>> }
    >();
    const hooks: PodHooks = {
      lifecycleEvents: true,
      async preparePod(pod, rp) {
        const volumePaths = await volumes.setup(pod);
        const files = await writePodFiles({
          dir: volumes.podDir(rp.uid),
          pod,
          podIPs: [rp.ip],
          clusterDNS: o.clusterDNS ?? '10.43.0.10',
          clusterDomain: o.clusterDomain ?? 'cluster.local',
          nodeIPs: [o.nodeIP],
        });
        prepared.set(rp.uid, { volumePaths, files });
      },
      containerConfig(pod, container, rp): ContainerRunConfig {
        const p = prepared.get(rp.uid);
        return resolveContainerConfig(pod, container, {
          getConfigMap,
          getSecret,
          listServices: (ns) => services.list().filter((s) => s.metadata.namespace === ns),
          nodeAllocatable: nodeConfig.capacity,
          hostIP: o.nodeIP,
          podIP: rp.ip,
          volumePaths: p?.volumePaths ?? new Map(),
          etcHostsPath: p?.files.etcHostsPath ?? '',
          resolvConfPath: p?.files.resolvConfPath ?? '',
          hostnamePath: p?.files.hostnamePath,
          warn: (reason, message) => events.record(pod as Pod & KObject, 'Warning', reason, message),
        });
      },
      async podRemoved(uid) {
        prepared.delete(uid);
        probes.remove(uid);
        await volumes.teardown(uid);
      },
      syncProbes: (pod, rp) => probes.sync(pod, rp),
      probe: (uid, c) => ({
        started: probes.isStarted(uid, c.name, c.id),
        ready: probes.isReady(uid, c.name, c.id),
      }),
    };
    podSync = new PodSync({
      client: o.client,
      runtime,
      clock,
      nodes: new Map([[o.nodeName, { podCIDR, hostIP: o.nodeIP }]]),
      hooks,
      workers: 16,
    });
    await podSync.start();
    podsSynced = true;
    stops.push(() => podSync?.stop());

    // Edited ConfigMaps and Secrets reach mounted files in place, as the kubelet's sync does.
    const refresh = (kind: 'configMap' | 'secret') => (_old: KObject, obj: KObject) => {
      for (const pod of podSync?.boundPods() ?? []) {
        if (pod.metadata.namespace !== obj.metadata.namespace || !references(pod, kind, obj.metadata.name!))
          continue;
        volumes
          .refresh(pod)
          .catch((err) => log(`refreshing volumes of ${pod.metadata.name}: ${(err as Error).message}`));
      }
    };
    configMaps.addHandlers({
      onUpdate: refresh('configMap'),
      onAdd: (obj) => refresh('configMap')(obj, obj),
    });
    secrets.addHandlers({ onUpdate: refresh('secret'), onAdd: (obj) => refresh('secret')(obj, obj) });

    collector = new StatsCollector({ nodeName: o.nodeName, source: runtimeStatsSource(runtime) });
    collector.start();
    stops.push(() => collector?.stop());

    // Image garbage collection by disk usage, as the kubelet's image GC manager (every 5 minutes).
    const gcTimer = setInterval(() => {
      const inUse = new Set(runtime.listPods().flatMap((p) => p.containers.map((c) => c.image)));
      images.gc({ inUse }).catch((err) => log(`image gc: ${(err as Error).message}`));
    }, 5 * 60_000);
    gcTimer.unref();
    stops.push(() => clearInterval(gcTimer));

    return {
      nodeName: o.nodeName,
      podCIDR,
      kubeletPort: endpoint.port,
      runtime,
      images,
      podSync,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
