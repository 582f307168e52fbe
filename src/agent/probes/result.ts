/**
 * What one probe attempt says, as the kubelet's probe package does: success, failure (with the
 * output the Unhealthy event shows), warning (a success with a ProbeWarning event, e.g. a redirect
 * that was not followed). A probe that could not run at all throws instead (the kubelet's probe
 * "error": reported, retried, and never counted towards a threshold).
 */
export type ProbeOutcome = 'success' | 'failure' | 'warning';

export interface ProbeResult {
  result: ProbeOutcome;
  output: string;
}

/** The kubelet keeps at most 10 KiB of a probe's output or response body. */
export const MAX_OUTPUT = 10 * 1024;

/** Go's time.Duration formatting for whole and fractional seconds ("1s", "1.5s", "500ms"). */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  return `${ms / 1000}s`;
}

/** Go's net error text for a failed dial, from a Node errno. */
export function dialError(address: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${address}: connect: connection refused`;
    case 'EHOSTUNREACH':
      return `dial tcp ${address}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${address}: connect: network is unreachable`;
    case 'ECONNRESET':
      return `read tcp ${address}: read: connection reset by peer`;
    case 'EADDRNOTAVAIL':
      return `dial tcp ${address}: connect: cannot assign requested address`;
    default:
      return `dial tcp ${address}: ${err.message}`;
  }
}

/** host:port with IPv6 hosts bracketed (net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
