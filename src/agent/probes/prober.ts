/**
 * One probe attempt of any kind (exec, httpGet, tcpSocket, grpc), built from the container's
 * probe spec as the kubelet builds it: the pod IP unless the probe names a host, ports by number
 * or by the container's port name, the kubelet's default headers. An attempt that cannot run
 * (a bad port, an exec that fails to start) throws; the worker retries it like the kubelet
 * (three tries) and then reports "probe errored".
 */
import type { Container, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock } from '../../client/types.js';
import { goQuote } from '../container-config/downward.js';
import { grpcProbe } from './grpc.js';
import { httpProbe } from './http.js';
import { joinHostPort, MAX_OUTPUT, type ProbeResult } from './result.js';
import { tcpProbe } from './tcp.js';

export interface ProberDeps {
  clock: Clock;
  execProbe(
    podUID: string,
    container: string,
    command: string[],
    timeoutMs: number,
  ): Promise<{ exitCode: number; output: string }>;
  /** e.g. kube-probe/1.32. */
  userAgent: string;
}

export interface ProbeTarget {
  podUID: string;
  podIP: string;
  container: Container;
}

/** A probe's port: a number, or the name of one of the container's ports (ResolveContainerPort). */
export function resolvePort(port: number | string, container: Container): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = container.ports?.find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (/^[+-]?[0-9]+$/.test(port)) n = Number(port);
    else throw new Error(`strconv.Atoi: parsing ${goQuote(port)}: invalid syntax`);
  }
  if (n > 0 && n < 65536) return n;
  throw new Error(`invalid port number: ${n}`);
}

/** The request an httpGet probe makes (NewRequestForHTTPGetAction). */
export function httpRequestFor(probe: NonNullable<Probe['httpGet']>, target: ProbeTarget, userAgent: string) {
  const scheme = (probe.scheme ?? 'HTTP').toLowerCase() || 'http';
  const host = probe.host || target.podIP;
  const port = resolvePort(probe.port, target.container);
  const path = probe.path ?? '';
  let url: URL;
  try {
    url = new URL(
      path.startsWith('/') || path === '' ? path : `/${path}`,
      `${scheme}://${joinHostPort(host, port)}`,
    );
  } catch {
    throw new Error(`parse ${goQuote(path)}: invalid URL`);
  }
  const headers: Record<string, string> = {};
  for (const h of probe.httpHeaders ?? []) headers[h.name] = h.value;
  const has = (name: string) => Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (!has('user-agent')) headers['User-Agent'] = userAgent;
  const accept = has('accept');
  if (!accept) headers.Accept = '*/*';
  else if (headers[accept] === '') delete headers[accept];
  return { url, headers };
}

const truncate = (s: string) => (s.length > MAX_OUTPUT ? s.slice(0, MAX_OUTPUT) : s);

/** Runs one attempt of the probe; throws when it could not run. */
export async function runProbe(deps: ProberDeps, probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutMs = (probe.timeoutSeconds ?? 1) * 1000;
  if (probe.exec) {
    const command = probe.exec.command ?? [];
    const { exitCode, output } = await deps.execProbe(
      target.podUID,
      target.container.name,
      command,
      timeoutMs,
    );
    if (exitCode === 0) return { result: 'success', output: truncate(output) };
    if (exitCode === -1)
      return { result: 'failure', output: `command ${goQuote(command.join(' '))} timed out` };
    return { result: 'failure', output: truncate(output) };
  }
  if (probe.httpGet)
    return httpProbe(deps.clock, httpRequestFor(probe.httpGet, target, deps.userAgent), timeoutMs);
  if (probe.tcpSocket) {
    const port = resolvePort(probe.tcpSocket.port, target.container);
    return tcpProbe(deps.clock, probe.tcpSocket.host || target.podIP, port, timeoutMs);
  }
  if (probe.grpc) {
    const port = resolvePort(probe.grpc.port, target.container);
    return grpcProbe(deps.clock, target.podIP, port, probe.grpc.service ?? '', timeoutMs);
  }
  throw new Error('missing probe handler');
}

/** runProbeWithRetries: an attempt that errors is tried again, up to three times in all. */
export async function runProbeWithRetries(
  deps: ProberDeps,
  probe: Probe,
  target: ProbeTarget,
): Promise<ProbeResult> {
  let last: unknown;
  for (let i = 0; i < 3; i++) {
    try {
      return await runProbe(deps, probe, target);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
