/**
 * Parses a request path into what it addresses, as apiserver's RequestInfoFactory does:
 * /api/v1/namespaces/default/pods/web/status → {group:'', version:'v1', namespace:'default',
 * resource:'pods', name:'web', subresource:'status'}. Pure; the router decides what exists.
 */

export interface RequestInfo {
  /** True for /api and /apis paths (resource requests and discovery). */
  isResourceRequest: boolean;
  group: string;
  version: string;
  namespace: string;
  resource: string;
  name: string;
  subresource: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection. */
  verb: string;
  /** Path segments after /api or /apis, for discovery requests. */
  discoveryParts?: string[];
}

const methodVerbs: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  DELETE: 'delete',
};

/**
 * Returns the RequestInfo for a resource path, or undefined if the path is not under /api or
 * /apis. `watch` is the parsed ?watch= flag.
 */
export function parseRequestInfo(method: string, path: string, watch: boolean): RequestInfo | undefined {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] !== 'api' && parts[0] !== 'apis') return undefined;
  const info: RequestInfo = {
    isResourceRequest: false,
    group: '',
    version: '',
    namespace: '',
    resource: '',
    name: '',
    subresource: '',
    verb: '',
  };
  let rest: string[];
  if (parts[0] === 'api') {
    if (parts.length < 3) return { ...info, discoveryParts: parts };
    info.version = parts[1];
    rest = parts.slice(2);
  } else {
    if (parts.length < 4) return { ...info, discoveryParts: parts };
    info.group = parts[1];
    info.version = parts[2];
    rest = parts.slice(3);
  }
  // Deprecated /watch/ prefix: .../watch/namespaces/x/pods
  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    // /namespaces/{ns}/{resource}[/{name}[/{subresource}]]
    info.namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === 'namespaces' && rest.length === 2) {
    // /namespaces/{name} addresses the namespace object itself; the name also scopes it.
    info.namespace = rest[1];
  }
  info.resource = rest[0] ?? '';
  info.name = rest[1] ?? '';
  info.subresource = rest.slice(2).join('/');
  info.isResourceRequest = info.resource !== '';

  if (method === 'GET' || method === 'HEAD') {
    if (watch || watchPath) info.verb = 'watch';
    else info.verb = info.name ? 'get' : 'list';
  } else if (method === 'DELETE' && !info.name) {
    info.verb = 'deletecollection';
  } else {
    info.verb = methodVerbs[method] ?? method.toLowerCase();
  }
  return info;
}
