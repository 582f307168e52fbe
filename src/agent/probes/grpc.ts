/**
 * grpc probes: the standard health check (grpc.health.v1.Health/Check) over plaintext HTTP/2,
 * as the kubelet's grpc prober calls it, spoken directly with node:http2 and a hand-encoded
 * protobuf (one string field out, one enum field back). SERVING is healthy; the failure texts are
 * the kubelet's.
 */
import { connect } from 'node:http2';
import type { Clock } from '../../client/types.js';
import { dialError, goDuration, joinHostPort, type ProbeResult } from './result.js';

const STATUS_NAMES = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];
const GRPC_UNIMPLEMENTED = 12;
const GRPC_DEADLINE_EXCEEDED = 4;

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 0x7f) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

/** HealthCheckRequest{service} in a gRPC length-prefixed frame. */
function requestFrame(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const message = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

/** HealthCheckResponse.status (field 1, varint) from a frame; 0 (UNKNOWN) when absent. */
function responseStatus(frame: Buffer): number {
  const message = frame.subarray(5, 5 + frame.readUInt32BE(1));
  let i = 0;
  let status = 0;
  while (i < message.length) {
    const tag = message[i++];
    let value = 0;
    let shift = 0;
    if ((tag & 7) === 0) {
      for (;;) {
        const b = message[i++];
        value |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
      }
      if (tag >> 3 === 1) status = value;
    } else if ((tag & 7) === 2) {
      let len = 0;
      for (;;) {
        const b = message[i++];
        len |= (b & 0x7f) << shift;
        if (!(b & 0x80)) break;
        shift += 7;
      }
      i += len;
    } else {
      break;
    }
  }
  return status;
}

export function grpcProbe(
  clock: Clock,
  host: string,
  port: number,
  service: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const addr = joinHostPort(host, port);
  const timeout = goDuration(timeoutMs);
  return new Promise((resolve) => {
    let connected = false;
    let done = false;
    const session = connect(`http://${addr}`);
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      cancel();
      session.destroy();
      resolve(r);
    };
    const cancel = clock.after(timeoutMs, () =>
      finish({
        result: 'failure',
        output: connected
          ? `timeout: health rpc did not complete within ${timeout}`
          : `timeout: failed to connect service "${addr}" within ${timeout}: context deadline exceeded`,
      }),
    );
    const fail = (err: Error & { cause?: NodeJS.ErrnoException }) => {
      const errno = (err.cause ?? err) as NodeJS.ErrnoException;
      finish({
        result: 'failure',
        output: connected
          ? `error: health rpc probe failed: ${err.message}`
          : `timeout: failed to connect service "${addr}" within ${timeout}: ${errno.code ? dialError(addr, errno) : err.message}`,
      });
    };
    session.on('error', fail);
    session.on('connect', () => {
      connected = true;
    });
    const stream = session.request({
      ':method': 'POST',
      ':path': '/grpc.health.v1.Health/Check',
      'content-type': 'application/grpc',
      te: 'trailers',
      'user-agent': 'kube-probe',
    });
    const chunks: Buffer[] = [];
    let httpStatus = 0;
    let grpcStatus: number | undefined;
    let grpcMessage = '';
    const readStatus = (headers: Record<string, unknown>) => {
      if (headers['grpc-status'] !== undefined) grpcStatus = Number(headers['grpc-status']);
      if (headers['grpc-message'] !== undefined)
        grpcMessage = decodeURIComponent(String(headers['grpc-message']));
    };
    stream.on('response', (headers) => {
      httpStatus = Number(headers[':status']);
      readStatus(headers);
    });
    stream.on('trailers', readStatus);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', fail);
    stream.on('end', () => {
      if (grpcStatus === GRPC_UNIMPLEMENTED) {
        return finish({
          result: 'failure',
          output: `server does not implement the grpc health protocol (grpc.health.v1.Health): ${grpcMessage}`,
        });
      }
      if (grpcStatus === GRPC_DEADLINE_EXCEEDED) {
        return finish({
          result: 'failure',
          output: `timeout: health rpc did not complete within ${timeout}`,
        });
      }
      if (httpStatus !== 200 || grpcStatus !== 0) {
        const detail =
          grpcStatus === undefined
            ? `unexpected HTTP status code ${httpStatus}`
            : `code = ${grpcStatus} desc = ${grpcMessage}`;
        return finish({ result: 'failure', output: `error: health rpc probe failed: rpc error: ${detail}` });
      }
      const frame = Buffer.concat(chunks);
      const status = frame.length >= 5 ? responseStatus(frame) : 0;
      if (status !== 1) {
        return finish({
          result: 'failure',
          output: `service unhealthy (responded with "${STATUS_NAMES[status] ?? status}")`,
        });
      }
      finish({ result: 'success', output: 'service healthy' });
    });
    stream.end(requestFrame(service));
  });
}
