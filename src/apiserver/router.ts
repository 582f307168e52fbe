/**
 * Routes one request: health and version (public), then authentication, then metrics, OpenAPI,
 * discovery and resource paths. Every failure leaves as a Status; the server keeps serving.
 */
import { errors } from '../api/errors.js';
import type { ResourceStrategy } from '../registry/types.js';
import type { Authenticator, Authorizer } from './auth/authn.js';
import type { CallContext } from './call.js';
import {
  apiGroupDocument,
  apiGroupList,
  coreVersions,
  type GroupVersion,
  resourceList,
  versionInfo,
} from './discovery.js';
import { queryFlag, type Request, type Response, sendJSON } from './http.js';
import type { ApiMetrics } from './metrics.js';
import { handleMetricsRequest, isMetricsPath, withMetricsGroup } from './metrics-api/handler.js';
import type { MetricsAPI } from './metrics-api/metrics-api.js';
import { NodeProxy } from './node-proxy/node-proxy.js';
import { buildOpenAPI } from './openapi/openapi.js';
import { parseRequestInfo } from './request-info.js';
import { handleResource } from './rest.js';
import type { ServedResource } from './served-resource.js';

export interface RouterDeps {
  resources: ServedResource[];
  groupVersions: GroupVersion[];
  callContext: CallContext;
  metrics: ApiMetrics;
  authenticator: Authenticator;
  authorizer: Authorizer;
  isPublic(path: string): boolean;
  serverAddress(): string;
  /** Serves pods/log (and refuses non-upgrade exec/attach/portforward); the node agents' side. */
  nodeProxy?: NodeProxy;
  /** metrics.k8s.io, from the agents' cgroup statistics. */
  metricsApi?: MetricsAPI;
}

export class Router {
  /** False until start-up finished (and again while closing): /readyz answers 503. */
  ready = false;
  private readonly byPath = new Map<string, ServedResource>();
  private readonly openapi: ReturnType<typeof buildOpenAPI>;

  constructor(private readonly deps: RouterDeps) {
    for (const r of deps.resources)
      this.byPath.set(`${r.strategy.group}/${r.strategy.version}/${r.strategy.resource}`, r);
    this.openapi = buildOpenAPI(deps.resources.map((r) => r.strategy as ResourceStrategy));
  }

  async handle(req: Request, res: Response): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://skiff');
    const path = url.pathname;
    if (path === '/healthz' || path === '/livez') return sendText(res, 200, 'ok');
    if (path === '/readyz') return sendText(res, this.ready ? 200 : 503, this.ready ? 'ok' : 'not ready');
    if (path === '/version') return sendJSON(res, 200, versionInfo());

    const user = this.deps.authenticator.authenticate(req);
    if (!user && !this.deps.isPublic(path)) throw errors.unauthorized();
    if (path === '/metrics') {
      const text = await this.deps.metrics.registry.metrics();
      res.writeHead(200, { 'content-type': this.deps.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (this.deps.metricsApi && isMetricsPath(path))
      return handleMetricsRequest(req, res, url, this.deps.metricsApi);
    if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) return this.serveOpenAPI(req, res, path);
    if (path === '/openapi/v2') throw errors.noRoute(path);

    const info = parseRequestInfo(req.method ?? 'GET', path, queryFlag(url.searchParams.get('watch')));
    if (!info) throw errors.noRoute(path);
    if (info.discoveryParts) return this.serveDiscovery(req, res, info.discoveryParts);
    if (!info.isResourceRequest) return this.serveResourceList(res, info.group, info.version, path);

    const served = this.byPath.get(`${info.group}/${info.version}/${info.resource}`);
    if (!served) throw errors.noRoute(path);
    if (!served.strategy.namespaced && info.namespace && info.resource !== 'namespaces')
      throw errors.noRoute(path);
    if (info.resource === 'namespaces' && !info.name) {
      // /api/v1/namespaces/{name} parsed its name as a namespace: it names the object.
      info.name = info.namespace;
    }
    if (info.resource === 'namespaces') info.namespace = '';
    const decision = this.deps.authorizer.authorize({ user: user!, ...info, path });
    if (!decision.allowed) throw errors.forbidden(decision.reason ?? 'forbidden');

    const labels = {
      verb: info.verb,
      group: info.group,
      resource: info.resource,
      subresource: info.subresource,
    };
    const started = process.hrtime.bigint();
    if (info.verb === 'watch')
      this.deps.metrics.watches.inc({ verb: 'WATCH', group: info.group, resource: info.resource });
    res.on('close', () => {
      const code = String(res.statusCode);
      this.deps.metrics.requests.inc({ ...labels, code });
      if (info.verb === 'watch')
        this.deps.metrics.watches.dec({ verb: 'WATCH', group: info.group, resource: info.resource });
      else this.deps.metrics.latency.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    if (this.deps.nodeProxy && NodeProxy.handles(info))
      return this.deps.nodeProxy.serve(req, res, info, url.searchParams);
    await handleResource(req, res, info, url.searchParams, served, this.deps.callContext, user);
  }

  private serveDiscovery(req: Request, res: Response, parts: string[]): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw errors.methodNotAllowed(req.method ?? '');
    if (parts[0] === 'api' && parts.length === 1)
      return sendJSON(res, 200, coreVersions(this.deps.serverAddress()));
    if (parts[0] === 'apis' && parts.length === 1) {
      const list = apiGroupList(this.deps.groupVersions);
      return sendJSON(res, 200, this.deps.metricsApi ? withMetricsGroup(list) : list);
    }
    if (parts[0] === 'api' && parts.length === 2)
      return this.serveResourceList(res, '', parts[1], `/${parts.join('/')}`);
    if (parts[0] === 'apis' && parts.length === 2) {
      const doc = apiGroupDocument(this.deps.groupVersions, parts[1]);
      if (!doc) throw errors.noRoute(`/${parts.join('/')}`);
      return sendJSON(res, 200, doc);
    }
    if (parts[0] === 'apis' && parts.length === 3)
      return this.serveResourceList(res, parts[1], parts[2], `/${parts.join('/')}`);
    throw errors.noRoute(`/${parts.join('/')}`);
  }

  private serveResourceList(res: Response, group: string, version: string, path: string): void {
    const gv = this.deps.groupVersions.find((g) => g.group === group && g.version === version);
    if (!gv) throw errors.noRoute(path);
    sendJSON(res, 200, resourceList(gv));
  }

  private serveOpenAPI(req: Request, res: Response, path: string): void {
    if (path === '/openapi/v3') return sendJSON(res, 200, this.openapi.index());
    const docPath = path.slice('/openapi/v3/'.length);
    const doc = this.openapi.document(docPath);
    if (!doc) throw errors.noRoute(path);
    const etag = `"${this.openapi.hash(docPath)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    // A hash in the URL pins the content: clients may cache it for good, as with kube-apiserver.
    const immutable = new URL(req.url ?? '/', 'https://skiff').searchParams.has('hash');
    sendJSON(res, 200, doc, {
      etag,
      'cache-control': immutable ? 'public, immutable' : 'no-cache, private',
    });
  }
}

function sendText(res: Response, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
}
