/**
 * The API server's side of pods/log, pods/exec, pods/attach and pods/portforward: after the
 * usual authentication it finds the pod's node and that node's agent endpoint, and connects to
 * the agent with the API server's kubelet-client certificate. Logs are a streaming HTTP proxy
 * (kubectl logs -f sees each line as the agent sends it); the upgrade subresources send the
 * rewritten request to the agent and then pipe raw bytes both ways, so WebSocket and SPDY
 * sessions run end to end between kubectl and the agent.
 */
import type { IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { ApiError, errors } from '../../api/errors.js';
import type { Authenticator, Authorizer } from '../auth/authn.js';
import type { KeyPairPem } from '../auth/pki.js';
import type { CallContext } from '../call.js';
import { type Request, type Response, sendJSON } from '../http.js';
import { parseRequestInfo, type RequestInfo } from '../request-info.js';
import { execQuery, logQuery, portForwardQuery } from './params.js';
import {
  boundNode,
  checkLogState,
  checkRunning,
  nodeEndpoint,
  pickContainer,
  unreachable,
} from './resolve.js';

/** Pod subresources served by the node's agent. */
export const NODE_PROXY_SUBRESOURCES = new Set(['log', 'exec', 'attach', 'portforward']);

export interface NodeProxyDeps {
  ctx: Pick<CallContext, 'lookup' | 'storeFor'>;
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** The API server's client certificate for agents (CN kube-apiserver-kubelet-client). */
  kubeletClient: KeyPairPem;
  /** How long connecting to an agent may take (default 10 s). */
  dialTimeoutMs?: number;
}

/** Request headers not passed on to the agent: credentials are per hop, and framing is ours. */
const dropHeaders = new Set([
  'host',
  'authorization',
  'proxy-authorization',
  'proxy-connection',
  'keep-alive',
]);

interface AgentTarget {
  node: string;
  host: string;
  port: number;
  path: string;
}

export class NodeProxy {
  constructor(private readonly deps: NodeProxyDeps) {}

  /** Whether the router should hand this request here. */
  static handles(info: RequestInfo): boolean {
    return info.group === '' && info.resource === 'pods' && NODE_PROXY_SUBRESOURCES.has(info.subresource);
  }

  /** Non-upgrade requests (already authenticated and authorized by the router). */
  async serve(req: Request, res: Response, info: RequestInfo, params: URLSearchParams): Promise<void> {
    if (info.subresource !== 'log') throw errors.badRequest('Upgrade request required');
    if (info.verb !== 'get') throw errors.methodNotAllowed(info.verb);
    const pod = await this.pod(info.namespace, info.name);
    const container = pickContainer(pod, params.get('container'));
    const query = logQuery(params, info.name);
    checkLogState(pod, container, query.has('previous'));
    const target = await this.target(
      pod,
      `/containerLogs/${enc(info.namespace)}/${enc(info.name)}/${enc(container)}?${query}`,
    );
    await this.proxyLogs(req, res, target);
  }

  /** An HTTP/1.1 upgrade request (the secure server's 'upgrade' event). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    this.upgrade(req, socket, head).catch((err: unknown) => {
      const apiErr = err instanceof ApiError ? err : errors.internal((err as Error)?.message ?? String(err));
      writeStatus(socket, apiErr);
    });
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://skiff');
    const info = parseRequestInfo(req.method ?? 'GET', url.pathname, false);
    if (
      !info?.isResourceRequest ||
      info.version !== 'v1' ||
      !NodeProxy.handles(info) ||
      info.subresource === 'log'
    )
      throw errors.badRequest(
        `upgrade requests are served only for pods/exec, pods/attach and pods/portforward (${url.pathname})`,
      );
    const user = this.deps.authenticator.authenticate(req);
    if (!user) throw errors.unauthorized();
    // Kubernetes authorizes these as "create" whatever the method (a WebSocket upgrade is a GET).
    const decision = this.deps.authorizer.authorize({ user, ...info, verb: 'create', path: url.pathname });
    if (!decision.allowed) throw errors.forbidden(decision.reason ?? 'forbidden');
    const pod = await this.pod(info.namespace, info.name);
    const params = url.searchParams;
    let path: string;
    if (info.subresource === 'portforward') {
      const q = portForwardQuery(params).toString();
      path = `/portForward/${enc(info.namespace)}/${enc(info.name)}${q ? `?${q}` : ''}`;
    } else {
      const container = pickContainer(pod, params.get('container'));
      const query = execQuery(params, info.subresource === 'exec');
      checkRunning(pod, container);
      path = `/${info.subresource}/${enc(info.namespace)}/${enc(info.name)}/${enc(container)}?${query}`;
    }
    const target = await this.target(pod, path);
    const agent = await this.dial(target);
    if (socket.destroyed) {
      // The client left while we looked things up.
      agent.destroy();
      return;
    }
    const lines = [`${req.method} ${target.path} HTTP/1.1`, `Host: ${hostPort(target.host, target.port)}`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i];
      const lower = name.toLowerCase();
      if (dropHeaders.has(lower) || lower.startsWith('impersonate-')) continue;
      lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
    }
    agent.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length > 0) agent.write(head);
    tune(socket);
    tune(agent);
    // From here on the agent answers (101 or a Status) and both sides talk through us.
    agent.pipe(socket);
    socket.pipe(agent);
    agent.on('error', () => socket.destroy());
    agent.on('close', () => socket.destroy());
    socket.on('close', () => agent.destroy());
  }

  /** GETs a JSON document from a node's agent (e.g. /stats/summary for the metrics API). */
  async nodeJSON<T>(nodeName: string, path: string): Promise<T> {
    const served = this.deps.ctx.lookup('', 'nodes');
    if (!served) throw errors.noRoute('nodes');
    const node = (await this.deps.ctx.storeFor(served).getLatest('', nodeName)).obj as Node;
    const target: AgentTarget = { node: nodeName, ...nodeEndpoint(node), path };
    const { cert, key } = this.deps.kubeletClient;
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: target.host, port: target.port, path, cert, key, rejectUnauthorized: false, agent: false },
        (res) => {
          readSmall(res, 16 << 20).then((text) => {
            if (res.statusCode !== 200)
              reject(new Error(`agent of node "${nodeName}" answered ${res.statusCode}`));
            else resolve(JSON.parse(text) as T);
          }, reject);
        },
      );
      req.setTimeout(this.deps.dialTimeoutMs ?? 10_000, () => req.destroy(new Error('timed out')));
      req.on('error', (err) => reject(unreachable(target.node, target.host, target.port, err)));
      req.end();
    });
  }

  private async pod(namespace: string, name: string): Promise<Pod> {
    const served = this.deps.ctx.lookup('', 'pods');
    if (!served) throw errors.noRoute('pods');
    return (await this.deps.ctx.storeFor(served).getLatest(namespace, name)).obj as Pod;
  }

  private async target(pod: Pod, path: string): Promise<AgentTarget> {
    const nodeName = boundNode(pod);
    const served = this.deps.ctx.lookup('', 'nodes');
    if (!served) throw errors.noRoute('nodes');
    let node: Node;
    try {
      node = (await this.deps.ctx.storeFor(served).getLatest('', nodeName)).obj as Node;
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound')
        throw errors.unavailable(`node "${nodeName}" of pod "${pod.metadata?.name}" does not exist`);
      throw err;
    }
    return { node: nodeName, ...nodeEndpoint(node), path };
  }

  private dial(target: AgentTarget): Promise<TLSSocket> {
    const { cert, key } = this.deps.kubeletClient;
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: target.host,
        port: target.port,
        cert,
        key,
        // kube-apiserver does not verify kubelet serving certificates unless told a CA for them.
        rejectUnauthorized: false,
        ALPNProtocols: ['http/1.1'],
      });
      const timer = setTimeout(
        () => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })),
        this.deps.dialTimeoutMs ?? 10_000,
      );
      let connected = false;
      socket.once('secureConnect', () => {
        connected = true;
        clearTimeout(timer);
        resolve(socket);
      });
      // Stays attached: an error after connecting (the agent went away) must not crash us.
      socket.on('error', (err) => {
        clearTimeout(timer);
        if (!connected) reject(unreachable(target.node, target.host, target.port, err));
        socket.destroy();
      });
    });
  }

  private proxyLogs(req: Request, res: Response, target: AgentTarget): Promise<void> {
    const { cert, key } = this.deps.kubeletClient;
    return new Promise((resolve, reject) => {
      const upstream = httpsRequest({
        host: target.host,
        port: target.port,
        path: target.path,
        method: 'GET',
        cert,
        key,
        rejectUnauthorized: false,
        agent: false,
        headers: { accept: '*/*', 'user-agent': String(req.headers['user-agent'] ?? 'skiff-apiserver') },
      });
      const timer = setTimeout(
        () => upstream.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })),
        this.deps.dialTimeoutMs ?? 10_000,
      );
      res.on('close', () => upstream.destroy());
      upstream.on('error', (err) => {
        clearTimeout(timer);
        if (!res.headersSent) reject(unreachable(target.node, target.host, target.port, err));
        else {
          res.end();
          resolve();
        }
      });
      upstream.on('response', (ar) => {
        clearTimeout(timer);
        const code = ar.statusCode ?? 502;
        if (code !== 200) {
          readSmall(ar).then((text) => {
            const status = parseStatus(text);
            if (status) sendJSON(res, code, text);
            else
              reject(
                new ApiError(
                  code >= 400 ? code : 502,
                  'InternalError',
                  `agent of node "${target.node}" answered ${code}: ${text.trim()}`,
                ),
              );
            resolve();
          }, reject);
          return;
        }
        res.writeHead(200, {
          'content-type': String(ar.headers['content-type'] ?? 'text/plain'),
          'cache-control': 'no-cache, private',
        });
        ar.on('data', (chunk: Buffer) => {
          // Written as it comes: followers must see each line at once, so nothing is batched.
          if (!(res as import('node:http').ServerResponse).write(chunk)) {
            ar.pause();
            res.once('drain', () => ar.resume());
          }
        });
        ar.on('end', () => {
          res.end();
          resolve();
        });
        ar.on('error', () => {
          res.end();
          resolve();
        });
      });
      upstream.end();
    });
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function tune(socket: Duplex): void {
  const s = socket as Duplex & { setNoDelay?(v: boolean): void; setTimeout?(ms: number): void };
  s.setNoDelay?.(true);
  s.setTimeout?.(0);
}

function readSmall(stream: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
    });
    stream.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.on('error', reject);
  });
}

function parseStatus(text: string): unknown {
  try {
    const v = JSON.parse(text) as { kind?: string };
    return v?.kind === 'Status' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a Status as a complete HTTP/1.1 response on a raw socket and closes it. */
function writeStatus(socket: Duplex, err: ApiError): void {
  if (socket.destroyed || !socket.writable) return;
  const body = Buffer.from(JSON.stringify(err.toStatus()));
  socket.end(
    Buffer.concat([
      Buffer.from(
        `HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nCache-Control: no-cache, private\r\nConnection: close\r\n\r\n`,
      ),
      body,
    ]),
  );
}
