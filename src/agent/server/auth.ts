/**
 * Who may use the agent's endpoint. Like the kubelet's port 10250 it trusts client certificates
 * signed by the cluster CA (the TLS layer checks the signature); of those, only the API server's
 * kubelet-client identity and cluster admins may stream from pods. A missing or foreign
 * certificate is 401 (unauthenticated), a valid one without the right is 403.
 */
import type { TLSSocket } from 'node:tls';
import { ApiError } from '../../api/errors.js';

export interface AgentUser {
  name: string;
  groups: string[];
}

/** The API server's client identity for talking to node agents (CN of its kubelet-client cert). */
export const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';

/** The default rule: the API server's kubelet client, or anyone in system:masters. */
export function defaultAuthorize(user: AgentUser): boolean {
  return user.name === KUBELET_CLIENT_USER || user.groups.includes('system:masters');
}

/** The certificate's user, or a 401/403 ApiError. */
export function authenticate(socket: TLSSocket, authorize: (u: AgentUser) => boolean): AgentUser {
  if (!socket.authorized) {
    const cert = socket.getPeerCertificate?.();
    const presented = cert && Object.keys(cert).length > 0;
    throw new ApiError(
      401,
      'Unauthorized',
      presented
        ? `Unauthorized: client certificate not signed by the cluster CA (${socket.authorizationError ?? 'unknown issuer'})`
        : 'Unauthorized: a client certificate signed by the cluster CA is required',
    );
  }
  const cert = socket.getPeerCertificate();
  const org = cert.subject?.O;
  const user: AgentUser = {
    name: String(cert.subject?.CN ?? ''),
    groups: Array.isArray(org) ? org.map(String) : org ? [String(org)] : [],
  };
  if (!authorize(user)) {
    throw new ApiError(
      403,
      'Forbidden',
      `Forbidden (user=${user.name}): only the API server may use this endpoint`,
    );
  }
  return user;
}
