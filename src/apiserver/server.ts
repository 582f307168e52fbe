/**
 * The API server: HTTPS (HTTP/2 and HTTP/1.1) in front of the store. Startup makes the PKI and
 * kubeconfig, opens the store, fills one watch cache per resource, and creates the namespaces
 * every cluster has. Each request goes authn → authz → route → verb handler → Status on error.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { Summary } from '../agent/stats/types.js';
import { errors } from '../api/errors.js';
import { inProcessClient } from '../client/in-process.js';
import { type Client, realClock } from '../client/types.js';
import { allControllers } from '../controllers/index.js';
import {
  type Controller,
  ControllerManager,
  type ControllerOptions,
  defaultControllerOptions,
} from '../controllers/manager.js';
import { NamespaceController } from '../controllers/namespace/namespace-controller.js';
import { conversions } from '../registry/conversions.js';
import { allStrategies } from '../registry/index.js';
import type { ResourceStrategy, StrategyContext } from '../registry/types.js';
import { openStore, type StoreConfig } from '../storage/index.js';
import type { Store } from '../storage/store.js';
import { AllowAllAuthorizer, ClusterAuthenticator, isPublicPath } from './auth/authn.js';
import { type ClusterPKI, ensurePKI } from './auth/pki.js';
import { bootstrapCluster } from './bootstrap.js';
import type { CallContext } from './call.js';
import { groupVersions } from './discovery.js';
import type { Request, Response } from './http.js';
import { sendError } from './http.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ApiMetrics } from './metrics.js';
import { MetricsAPI } from './metrics-api/metrics-api.js';
import { NodeProxy } from './node-proxy/node-proxy.js';
import { ResourceStore } from './resource-store.js';
import { Router } from './router.js';
import { describeResource, type ServedResource, storagePrefix } from './served-resource.js';
import { WatchCache } from './watch-cache.js';

export interface ServerConfig {
  dataDir: string;
  port: number;
  bindAddress: string;
  store: StoreConfig;
  tlsSans: string[];
  serviceCIDR: string;
  clusterCIDR: string;
  nodePortRange: [number, number];
  /** tolerationSeconds given to pods for the not-ready and unreachable taints (Kubernetes: 300). */
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  /** How often history older than the previous interval is compacted away. */
  compactionIntervalMs: number;
  /** Controllers to run while leading; all of them when unset (tests pass fewer). */
  controllers?: Controller[];
  controllerOptions?: Partial<ControllerOptions>;
}

export const defaultServerConfig = (dataDir: string): ServerConfig => ({
  dataDir,
  port: 6443,
  bindAddress: '0.0.0.0',
  store: { kind: 'sqlite', path: join(dataDir, 'db', 'state.db') },
  tlsSans: [],
  serviceCIDR: '10.43.0.0/16',
  clusterCIDR: '10.42.0.0/16',
  nodePortRange: [30000, 32767],
  defaultNotReadyTolerationSeconds: 300,
  defaultUnreachableTolerationSeconds: 300,
  compactionIntervalMs: 5 * 60 * 1000,
});

export interface RunningServer {
  url: string;
  port: number;
  store: Store;
  pki: ClusterPKI;
  resources: ServedResource[];
  /** Finds a served resource by group and plural name (and version; the storage version if unset). */
  lookup(group: string, resource: string, version?: string): ServedResource | undefined;
  /** The in-process client controllers use. */
  client: Client;
  controllerManager: ControllerManager;
  storeFor(served: ServedResource): ResourceStore;
  close(): Promise<void>;
}

/** Reads <dataDir>/node-token, creating it on first start. */
function ensureNodeToken(dataDir: string): string {
  const file = join(dataDir, 'node-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = `skiff-node::${randomBytes(24).toString('hex')}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}

function serveResources(store: Store, strategies: ResourceStrategy[]): ServedResource[] {
  // The first version registered for a resource is its storage version; later versions are
  // views of it through a conversion, sharing its cache.
  const storageVersions = new Map<string, ServedResource>();
  return strategies.map((strategy) => {
    const prefix = storagePrefix(strategy);
    const storage = storageVersions.get(prefix);
    if (!storage) {
      const served: ServedResource = {
        strategy,
        prefix,
        cache: new WatchCache(store, prefix),
        ...describeResource(strategy),
      };
      storageVersions.set(prefix, served);
      return served;
    }
    const conversion = conversions[`${strategy.group}/${strategy.resource}/${strategy.version}`];
    if (!conversion) throw new Error(`no conversion to serve ${strategy.resource} in ${strategy.version}`);
    return {
      strategy,
      prefix,
      cache: storage.cache,
      view: { storage, conversion },
      ...describeResource(strategy),
    };
  });
}

export async function startServer(config: ServerConfig): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  if (config.store.kind === 'sqlite') mkdirSync(join(config.store.path, '..'), { recursive: true });
  const [pki, store] = await Promise.all([
    ensurePKI(config.dataDir, config.tlsSans),
    openStore(config.store),
  ]);
  const nodeToken = ensureNodeToken(config.dataDir);

  const resources = serveResources(store, allStrategies);
  const caches = [...new Set(resources.map((r) => r.cache))];
  await Promise.all(caches.map((c) => c.start()));

  const byGroupResource = new Map<string, ServedResource>();
  for (const r of resources)
    if (!byGroupResource.has(`${r.gr.group}/${r.gr.resource}`))
      byGroupResource.set(`${r.gr.group}/${r.gr.resource}`, r);
  const byVersion = new Map(
    resources.map((r) => [`${r.strategy.group}/${r.strategy.version}/${r.strategy.resource}`, r]),
  );
  const lookup = (group: string, resource: string, version?: string) =>
    version ? byVersion.get(`${group}/${version}/${resource}`) : byGroupResource.get(`${group}/${resource}`);

  const strategyContext: StrategyContext = {
    now: () => new Date(),
    list: (name: string) => {
      const [group, resource] = name.includes('/') ? name.split('/') : ['', name];
      return (
        lookup(group, resource)
          ?.cache.list()
          .map((o) => o.obj) ?? []
      );
    },
    config: {
      serviceCIDR: config.serviceCIDR,
      nodePortRange: config.nodePortRange,
      defaultNotReadyTolerationSeconds: config.defaultNotReadyTolerationSeconds,
      defaultUnreachableTolerationSeconds: config.defaultUnreachableTolerationSeconds,
    },
  };
  const namespaces = lookup('', 'namespaces');
  const namespaceGuard = (ns: string) => {
    if (!namespaces) return;
    const found = namespaces.cache.get(`${namespaces.prefix}${ns}`)?.obj;
    if (!found) throw errors.notFound({ group: '', resource: 'namespaces' }, ns);
    if (found.metadata.deletionTimestamp) {
      throw errors.forbidden(
        `unable to create new content in namespace ${ns} because it is being terminated`,
      );
    }
  };
  const stores = new Map<ServedResource, ResourceStore>();
  const storeFor = (served: ServedResource) => {
    let rs = stores.get(served);
    if (!rs) {
      rs = new ResourceStore(store, served, strategyContext, namespaceGuard);
      stores.set(served, rs);
    }
    return rs;
  };

  await bootstrapCluster({ lookup, storeFor });
  const client = inProcessClient({ store, lookup, storeFor });
  // Namespace lifecycle works on the server's own caches; like every loop it runs on the leader only.
  const namespaceLifecycle: Controller = {
    name: 'namespace',
    run(ctx) {
      const controller = new NamespaceController({ resources, lookup, storeFor });
      controller.start();
      ctx.signal.addEventListener('abort', () => controller.stop(), { once: true });
    },
  };
  const controllers = [
    ...(config.controllers ?? allControllers(config.clusterCIDR, () => pki.ca)),
    namespaceLifecycle,
  ];
  const controllerManager = new ControllerManager(client, controllers, {
    identity: `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`,
    clock: realClock,
    options: { ...defaultControllerOptions, ...config.controllerOptions },
  });
  controllerManager.start();

  const metrics = new ApiMetrics();
  const callContext: CallContext = { store, now: () => new Date(), storeFor, lookup };
  const authenticator = new ClusterAuthenticator([
    {
      token: nodeToken,
      // A bootstrap identity (kubeadm's bootstrap tokens are system:bootstrappers): real nodes
      // trade it for a system:node:<name> certificate through a CSR. Virtual agents keep using
      // it for everything, so it stays in system:nodes too.
      user: {
        name: 'system:node-bootstrap',
        groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'],
      },
    },
  ]);
  const authorizer = new AllowAllAuthorizer();
  const nodeProxy = new NodeProxy({
    ctx: callContext,
    authenticator,
    authorizer,
    kubeletClient: pki.kubeletClient,
  });
  const metricsApi = new MetricsAPI({
    listNodes: () =>
      lookup('', 'nodes')
        ?.cache.list()
        .map((o) => o.obj as Node) ?? [],
    listPods: () =>
      lookup('', 'pods')
        ?.cache.list()
        .map((o) => o.obj as Pod) ?? [],
    fetchSummary: (node) => nodeProxy.nodeJSON<Summary>(node, '/stats/summary'),
  });
  const router = new Router({
    resources,
    groupVersions: groupVersions(resources.map((r) => r.strategy)),
    callContext,
    metrics,
    authenticator,
    authorizer,
    nodeProxy,
    metricsApi,
    isPublic: isPublicPath,
    serverAddress: () => `${config.bindAddress === '0.0.0.0' ? '127.0.0.1' : config.bindAddress}:${port}`,
  });

  const server: Http2SecureServer = createSecureServer(
    {
      key: pki.server.key,
      cert: pki.server.cert,
      ca: pki.ca.cert,
      requestCert: true,
      rejectUnauthorized: false,
      allowHTTP1: true,
      // Many watches share one HTTP/2 connection (informers): allow plenty of streams.
      settings: { maxConcurrentStreams: 1000 },
    },
    (req: Request, res: Response) => {
      router.handle(req, res).catch((err: unknown) => {
        try {
          sendError(res, err);
        } catch {
          // The response was already broken (client gone mid-write): drop it, keep serving.
          res.destroy?.();
        }
      });
    },
  );
  // Open sessions (watches, keep-alive clients) are tracked so close() can end them.
  const sessions = new Set<import('node:http2').ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  // HTTP/1.1 upgrades (allowHTTP1): kubectl's exec/attach/port-forward, WebSocket or SPDY.
  server.on('upgrade', (req, socket, head) => nodeProxy.handleUpgrade(req, socket, head));
  server.on('sessionError', () => {});
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.bindAddress, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host =
    config.bindAddress === '0.0.0.0' || config.bindAddress === '::' ? '127.0.0.1' : config.bindAddress;
  const url = `https://${host}:${port}`;
  writeKubeconfig(join(config.dataDir, 'kubeconfig.yaml'), url, pki);
  router.ready = true;

  let lastRevision = await store.currentRevision();
  const compaction = setInterval(() => {
    // Keep one interval of history for watchers and paging; drop what is older.
    const target = lastRevision;
    store
      .currentRevision()
      .then((rev) => {
        lastRevision = rev;
        return target > 0 ? store.compact(target) : undefined;
      })
      .catch(() => {});
  }, config.compactionIntervalMs);
  compaction.unref();

  return {
    url,
    port,
    store,
    pki,
    resources,
    lookup,
    storeFor,
    client,
    controllerManager,
    async close() {
      clearInterval(compaction);
      await controllerManager.stop();
      router.ready = false;
      for (const c of caches) c.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-lived HTTP/2 sessions and HTTP/1.1 keep-alive sockets would hold close() open.
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        setTimeout(resolve, 2000).unref();
      });
      await store.close();
    },
  };
}
