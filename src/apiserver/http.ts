/**
 * HTTP plumbing shared by every handler: bounded body reading, JSON/YAML decoding, and writing
 * objects and Status errors. Works on both HTTP/1.1 and HTTP/2 compat requests.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { ApiError, errors } from '../api/errors.js';
import { PROTOBUF_MEDIA_TYPE } from '../api/protobuf/media-type.js';

export type Request = IncomingMessage | Http2ServerRequest;
export type Response = ServerResponse | Http2ServerResponse;

/** Kubernetes refuses request bodies over 3 MiB. */
export const maxBodyBytes = 3 * 1024 * 1024;

/** Reads the whole body, refusing more than maxBodyBytes with 413. */
export function readBody(req: Request, limit = maxBodyBytes): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // Too large: keep reading (and dropping) so the client finishes its upload and can read the
    // 413; answering mid-upload makes clients fail with EPIPE instead of seeing the Status. Past
    // the drain cap, the connection is cut.
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (tooLarge) {
        chunks.length = 0;
        if (size > drainCapBytes) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (tooLarge ? reject(errors.tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', (err) => reject(tooLarge ? errors.tooLarge() : err));
  });
}

/** How much of an over-limit body is read and dropped before the connection is cut. */
const drainCapBytes = 64 * 1024 * 1024;

/** The media type of a request body, without parameters. */
export function mediaType(req: Request): string {
  const raw = String(req.headers['content-type'] ?? 'application/json');
  return raw.split(';')[0].trim().toLowerCase();
}

/**
 * Decodes a JSON, YAML or protobuf body into a value; malformed input is a 400. The YAML and
 * protobuf decoders load on first use: most requests are JSON, and start-up stays small.
 */
export async function decodeBody(body: Buffer, type: string): Promise<unknown> {
  if (type === PROTOBUF_MEDIA_TYPE) {
    // kubectl's typed clients (create deployment, create secret, ...) send protobuf.
    const { decodeKubernetesProtobuf } = await import('../api/protobuf/index.js');
    return decodeKubernetesProtobuf(body).object;
  }
  const text = body.toString('utf8');
  if (text.trim() === '') throw errors.badRequest('the request body is empty');
  if (type.includes('yaml')) {
    const { parseAllDocuments, parse: parseYaml } = await import('yaml');
    try {
      const docs = parseAllDocuments(text, { uniqueKeys: false });
      if (Array.isArray(docs)) {
        if (docs.length !== 1)
          throw errors.badRequest('the request body must hold exactly one YAML document');
        if (docs[0].errors.length > 0) throw new Error(docs[0].errors[0].message);
      }
      return parseYaml(text, { uniqueKeys: false });
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw errors.badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** Writes a JSON body (a string or Buffer is sent as already-serialized JSON). */
export function sendJSON(
  res: Response,
  code: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // Encode once: the length header and the body come from the same bytes.
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  res.writeHead(code, {
    'content-type': 'application/json',
    'content-length': String(bytes.length),
    'cache-control': 'no-cache, private',
    ...headers,
  });
  res.end(bytes);
}

/** Writes a Status for any error; unknown errors become 500 without leaking internals. */
export function sendError(res: Response, err: unknown): ApiError {
  const apiErr = err instanceof ApiError ? err : errors.internal((err as Error)?.message ?? String(err));
  sendJSON(res, apiErr.code, apiErr.toStatus());
  return apiErr;
}

/** Parses a boolean query flag as Kubernetes does: absent, "", "0" and "false" are false. */
export function queryFlag(value: string | null): boolean {
  if (value === null || value === '' || value === '0') return false;
  return value.toLowerCase() !== 'false';
}

/** Parses an integer query parameter; malformed is a 400. */
export function queryInt(params: URLSearchParams, name: string): number | undefined {
  const raw = params.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw errors.badRequest(`invalid value for ${name}: "${raw}" is not an integer`);
  return Number(raw);
}
