/**
 * The HTTP client: the Client interface over HTTPS for processes outside the server (agents, the
 * CLI). Everything shares ONE HTTP/2 session, so thousands of requests and a few long watches
 * multiplex on one TCP connection; the session is re-opened lazily when it drops. Failures become
 * ApiErrors built from the server's Status body, so callers test reasons, never text.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2';
import { ApiError, type Status, type StatusReason } from '../api/errors.js';
import type { KObject } from '../api/object.js';
import type {
  Client,
  DeleteOptions,
  ListOptions,
  ListResult,
  PatchType,
  ResourceClient,
  WatchCallbacks,
  WatchEvent,
  WatchHandle,
} from './types.js';

/** Where the server is and how to trust it and prove who we are. */
export interface HttpClientOptions {
  /** e.g. https://127.0.0.1:6443 */
  server: string;
  /** Sent as `Authorization: Bearer <token>` (the node token for agents). */
  token?: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string | Buffer;
  /** Client certificate and key (PEM), for certificate authentication. */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Accept any server certificate: only when no CA is known; callers should warn. */
  insecureSkipTLSVerify?: boolean;
  /** Requests (not watches) in flight at once; the rest wait their turn (default 256). */
  maxInFlight?: number;
}

/** A Client with a close() for its connection. */
export interface HttpClient extends Client {
  close(): void;
}

const patchTypes: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
};

/** The reason Kubernetes gives a status code, for error bodies that are not a Status. */
function reasonForCode(code: number): StatusReason {
  const reasons: Record<number, StatusReason> = {
    400: 'BadRequest',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'NotFound',
    405: 'MethodNotAllowed',
    406: 'NotAcceptable',
    409: 'Conflict',
    410: 'Expired',
    413: 'RequestEntityTooLarge',
    415: 'UnsupportedMediaType',
    422: 'Invalid',
    429: 'TooManyRequests',
    503: 'ServiceUnavailable',
    504: 'Timeout',
  };
  return reasons[code] ?? 'InternalError';
}

/** An ApiError from a response body: a Status when the server sent one, else the raw text. */
export function errorFromBody(code: number, body: string): ApiError {
  try {
    const status = JSON.parse(body) as Partial<Status>;
    if (status && status.kind === 'Status') {
      return new ApiError(
        status.code || code,
        (status.reason || reasonForCode(status.code || code)) as StatusReason,
        status.message ?? '',
        status.details,
      );
    }
  } catch {
    // Not JSON: fall through to the text.
  }
  return new ApiError(code, reasonForCode(code), body.trim() || `the server responded with status ${code}`);
}

/** Counts requests in flight and queues the rest, so bursts do not exceed the stream limit. */
class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<R>(fn: () => Promise<R>): Promise<R> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

interface Response {
  status: number;
  body: string;
}

/** The one HTTP/2 session and the raw request/stream primitives on it. */
class Connection {
  private session: ClientHttp2Session | undefined;
  private readonly gate: Gate;
  private closed = false;
  private openStreams = 0;
  private readonly origin: string;
  private readonly tls: SecureClientSessionOptions;

  constructor(private readonly options: HttpClientOptions) {
    const url = new URL(options.server);
    if (url.protocol !== 'https:') throw new Error(`server URL must be https: ${options.server}`);
    this.origin = url.origin;
    this.gate = new Gate(options.maxInFlight ?? 256);
    this.tls = {
      ca: options.ca,
      cert: options.cert,
      key: options.key,
      rejectUnauthorized: !options.insecureSkipTLSVerify,
    };
  }

  private current(): ClientHttp2Session {
    if (this.closed) throw new ApiError(503, 'ServiceUnavailable', 'client is closed');
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.origin, this.tls);
    // Drop the session on any failure; the next request opens a fresh one.
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    session.on('error', forget);
    session.on('close', forget);
    session.on('goaway', forget);
    // Idle clients must not keep the process alive; active streams do.
    if (this.openStreams === 0) session.unref();
    this.session = session;
    return session;
  }

  /** Opens a stream; the caller reads the response. */
  open(method: string, path: string, contentType?: string, hasBody = false): ClientHttp2Stream {
    const headers: Record<string, string> = {
      [constants.HTTP2_HEADER_METHOD]: method,
      [constants.HTTP2_HEADER_PATH]: path,
      accept: 'application/json',
    };
    if (contentType) headers['content-type'] = contentType;
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const session = this.current();
    // Node ends GET and DELETE streams up front unless told otherwise; DELETE carries options.
    const stream = session.request(headers, { endStream: !hasBody });
    // Open streams keep the process alive; an idle session does not (it is unref'd).
    this.openStreams++;
    session.ref();
    stream.once('close', () => {
      if (--this.openStreams === 0 && this.session) this.session.unref();
    });
    return stream;
  }

  request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    return this.gate.run(
      () =>
        new Promise<Response>((resolve, reject) => {
          let stream: ClientHttp2Stream;
          try {
            stream = this.open(
              method,
              path,
              body === undefined ? undefined : contentType,
              body !== undefined,
            );
          } catch (err) {
            reject(err);
            return;
          }
          let status = 0;
          const chunks: Buffer[] = [];
          stream.on('response', (headers: IncomingHttpHeaders) => {
            status = Number(headers[constants.HTTP2_HEADER_STATUS]);
          });
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
          stream.on('error', (err) =>
            reject(new ApiError(503, 'ServiceUnavailable', `${method} ${path}: ${err.message}`)),
          );
          if (body !== undefined) stream.end(JSON.stringify(body));
        }),
    );
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }
}

function query(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v!)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

class HttpResource<T extends KObject> implements ResourceClient<T> {
  private readonly base: string;

  constructor(
    private readonly conn: Connection,
    group: string,
    version: string,
    private readonly resource: string,
  ) {
    this.base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  }

  private path(namespace: string, name?: string, subresource?: string): string {
    let p = this.base;
    if (namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
    p += `/${this.resource}`;
    if (name !== undefined) p += `/${encodeURIComponent(name)}`;
    if (subresource) p += `/${subresource}`;
    return p;
  }

  private async call<R>(method: string, path: string, body?: unknown, contentType?: string): Promise<R> {
    const res = await this.conn.request(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) throw errorFromBody(res.status, res.body);
    return JSON.parse(res.body) as R;
  }

  get(namespace: string, name: string): Promise<T> {
    return this.call('GET', this.path(namespace, name));
  }

  async list(namespace: string, options: ListOptions = {}): Promise<ListResult<T>> {
    const q = query({ labelSelector: options.labelSelector, fieldSelector: options.fieldSelector });
    const list = await this.call<{ items: T[]; metadata: { resourceVersion?: string } }>(
      'GET',
      this.path(namespace) + q,
    );
    return { items: list.items ?? [], resourceVersion: list.metadata?.resourceVersion ?? '' };
  }

  watch(
    namespace: string,
    resourceVersion: string,
    options: ListOptions,
    callbacks: WatchCallbacks<T>,
  ): WatchHandle {
    const q = query({
      watch: 'true',
      resourceVersion,
      labelSelector: options.labelSelector,
      fieldSelector: options.fieldSelector,
    });
    return watchStream(this.conn, this.path(namespace) + q, callbacks);
  }

  create(namespace: string, obj: T): Promise<T> {
    return this.call('POST', this.path(namespace), obj);
  }

  update(namespace: string, obj: T): Promise<T> {
    return this.call('PUT', this.path(namespace, obj.metadata.name!), obj);
  }

  updateStatus(namespace: string, obj: T): Promise<T> {
    return this.call('PUT', this.path(namespace, obj.metadata.name!, 'status'), obj);
  }

  patch(namespace: string, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<T> {
    return this.call('PATCH', this.path(namespace, name, subresource), patch, patchTypes[type]);
  }

  async delete(namespace: string, name: string, options: DeleteOptions = {}): Promise<void> {
    await this.call('DELETE', this.path(namespace, name), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...options,
    });
  }

  async createSubresource(
    namespace: string,
    name: string,
    subresource: string,
    body: unknown,
  ): Promise<void> {
    await this.call('POST', this.path(namespace, name, subresource), body);
  }
}

/** Reads a watch response: newline-delimited JSON events; ERROR events carry a Status. */
function watchStream<T>(conn: Connection, path: string, callbacks: WatchCallbacks<T>): WatchHandle {
  let done = false;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    callbacks.onClose(err);
  };
  let stream: ClientHttp2Stream;
  try {
    stream = conn.open('GET', path);
  } catch (err) {
    queueMicrotask(() => finish(err as Error));
    return { stop: () => (done = true) };
  }
  let status = 0;
  let buffer = '';
  const errorChunks: string[] = [];
  stream.setEncoding('utf8');
  stream.on('response', (headers: IncomingHttpHeaders) => {
    status = Number(headers[constants.HTTP2_HEADER_STATUS]);
  });
  stream.on('data', (chunk: string) => {
    if (done) return;
    if (status !== 200) {
      errorChunks.push(chunk);
      return;
    }
    buffer += chunk;
    let nl = buffer.indexOf('\n');
    while (nl >= 0 && !done) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      if (line.trim()) deliver(line);
      nl = buffer.indexOf('\n');
    }
  });
  const deliver = (line: string) => {
    let event: { type: string; object: unknown };
    try {
      event = JSON.parse(line);
    } catch {
      stream.close();
      finish(new ApiError(500, 'InternalError', `malformed watch event: ${line.slice(0, 200)}`));
      return;
    }
    if (event.type === 'ERROR') {
      stream.close();
      finish(errorFromBody(410, JSON.stringify(event.object)));
    } else if (event.type === 'ADDED' || event.type === 'MODIFIED' || event.type === 'DELETED') {
      callbacks.onEvent(event as WatchEvent<T>);
    }
    // BOOKMARK and unknown types carry nothing the callbacks can use.
  };
  stream.on('end', () => {
    if (status !== 200) finish(errorFromBody(status || 500, errorChunks.join('')));
    else finish();
  });
  stream.on('error', (err) =>
    finish(new ApiError(503, 'ServiceUnavailable', `watch ${path}: ${err.message}`)),
  );
  stream.on('close', () => finish());
  return {
    stop() {
      done = true;
      stream.close();
    },
  };
}

/** A Client talking HTTPS to the server over one shared HTTP/2 connection. */
export function httpClient(options: HttpClientOptions): HttpClient {
  const conn = new Connection(options);
  const clients = new Map<string, ResourceClient>();
  return {
    resource<T extends KObject>(group: string, version: string, resource: string): ResourceClient<T> {
      const key = `${group}/${version}/${resource}`;
      let client = clients.get(key);
      if (!client) {
        client = new HttpResource(conn, group, version, resource);
        clients.set(key, client);
      }
      return client as ResourceClient<T>;
    },
    close: () => conn.close(),
  };
}
