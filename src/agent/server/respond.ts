/**
 * Errors leave the agent as Kubernetes Status objects, on ordinary responses and on upgrade
 * sockets alike, so the API server can pass them through unchanged and kubectl prints them.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../../api/errors.js';
import { writeRawResponse } from '../streaming/handshake.js';

export function toApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : errors.internal((err as Error)?.message ?? String(err));
}

export function sendStatus(res: ServerResponse, err: unknown): void {
  const apiErr = toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(apiErr.toStatus());
  res.writeHead(apiErr.code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendRawStatus(socket: Duplex, err: unknown, headers: Record<string, string> = {}): void {
  const apiErr = toApiError(err);
  writeRawResponse(socket, apiErr.code, 'application/json', JSON.stringify(apiErr.toStatus()), headers);
}
