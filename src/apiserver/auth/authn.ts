/**
 * Authentication and authorization. Clients prove who they are with a client certificate signed
 * by the cluster CA (kubectl's admin credential) or a bearer token (the node token agents join
 * with). Authorization goes through the Authorizer interface; today every authenticated user is
 * allowed, and RBAC will slot in behind the same interface.
 */
import { timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { Request } from '../http.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface Authenticator {
  authenticate(req: Request): UserInfo | undefined;
}

export interface AuthorizationAttributes {
  user: UserInfo;
  verb: string;
  group: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  path: string;
}

export interface Authorizer {
  authorize(attrs: AuthorizationAttributes): { allowed: boolean; reason?: string };
}

/** Paths Kubernetes lets anyone read (system:public-info-viewer). */
const publicPaths = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function isPublicPath(path: string): boolean {
  return (
    publicPaths.has(path) ||
    path.startsWith('/healthz/') ||
    path.startsWith('/livez/') ||
    path.startsWith('/readyz/')
  );
}

function tlsSocketOf(req: Request): TLSSocket | undefined {
  const viaStream = (req as { stream?: { session?: { socket?: TLSSocket } } }).stream?.session?.socket;
  return viaStream ?? (req.socket as TLSSocket | undefined);
}

/**
 * The user a TLS connection's client certificate names, computed once per connection:
 * getPeerCertificate() builds a large object on every call, and connections are long-lived.
 */
const certificateUsers = new WeakMap<TLSSocket, UserInfo | null>();

function userFromCertificate(socket: TLSSocket): UserInfo | undefined {
  let user = certificateUsers.get(socket);
  if (user === undefined) {
    user = readCertificateUser(socket) ?? null;
    certificateUsers.set(socket, user);
  }
  return user ?? undefined;
}

/** Parses "CN=admin, O=system:masters"-style subjects from Node's peer certificate. */
function readCertificateUser(socket: TLSSocket): UserInfo | undefined {
  if (!socket.authorized) return undefined;
  const cert = socket.getPeerCertificate();
  if (!cert?.subject?.CN) return undefined;
  const org = cert.subject.O;
  const groups = Array.isArray(org) ? org : org ? [org] : [];
  return { name: String(cert.subject.CN), groups: [...groups, 'system:authenticated'] };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Client certificates first, then static bearer tokens. */
export class ClusterAuthenticator implements Authenticator {
  constructor(private readonly tokens: Array<{ token: string; user: UserInfo }>) {}

  authenticate(req: Request): UserInfo | undefined {
    const socket = tlsSocketOf(req);
    if (socket) {
      const user = userFromCertificate(socket);
      if (user) return user;
    }
    const header = req.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      const presented = header.slice(7).trim();
      for (const t of this.tokens) if (sameSecret(t.token, presented)) return t.user;
    }
    return undefined;
  }
}

/** Allows every authenticated request; the seat RBAC will take. */
export class AllowAllAuthorizer implements Authorizer {
  authorize(): { allowed: boolean } {
    return { allowed: true };
  }
}
