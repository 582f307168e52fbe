/**
 * Entry point for `application/vnd.kubernetes.protobuf` request bodies: checks the `k8s\0` magic,
 * reads the runtime.Unknown envelope, and decodes its raw bytes as the named kind into the same
 * JSON-shaped object the rest of the server handles.
 */
import { ApiError, errors } from '../errors.js';
import { decodeMessage } from './decode.js';
import { kindMessage } from './schema.js';
import { utf8 } from './special.js';
import { Reader, WireError, WireType } from './wire.js';

export { goDuration } from './special.js';

import { PROTOBUF_MEDIA_TYPE } from './media-type.js';

export { PROTOBUF_MEDIA_TYPE };

/** The 4-byte prefix of every Kubernetes protobuf document. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** A decoded body: the envelope's type and the object (with apiVersion and kind set). */
export interface DecodedProtobuf {
  apiVersion: string;
  kind: string;
  object: Record<string, unknown>;
}

/**
 * Decode a Kubernetes protobuf request body. Throws a BadRequest ApiError for malformed input and
 * for kinds this server has no protobuf schema for.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): DecodedProtobuf {
  try {
    return decodeDocument(body);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof WireError) throw errors.badRequest(`unable to decode protobuf body: ${err.message}`);
    if (err instanceof RangeError)
      throw errors.badRequest('unable to decode protobuf body: nested too deeply');
    throw err;
  }
}

function decodeDocument(body: Uint8Array): DecodedProtobuf {
  if (body.length < 4 || !PROTOBUF_MAGIC.every((b, i) => body[i] === b)) {
    throw errors.badRequest(
      'unable to decode protobuf body: missing the Kubernetes protobuf prefix "k8s\\x00"',
    );
  }
  const unknown = readUnknown(body.subarray(4));
  const { apiVersion, kind, raw } = unknown;
  if (!kind) throw errors.badRequest('unable to decode protobuf body: the object has no kind');
  if (unknown.contentEncoding) {
    throw errors.badRequest(
      `unable to decode protobuf body: content encoding "${unknown.contentEncoding}" is not supported`,
    );
  }
  const name = kindMessage(apiVersion, kind);
  if (!name) {
    throw errors.badRequest(
      `${kind} in ${apiVersion || 'an empty apiVersion'} is not supported in protobuf (${PROTOBUF_MEDIA_TYPE}) by this server; send it as application/json`,
    );
  }
  const decoded = decodeMessage(raw, name, nestedObject) as Record<string, unknown>;
  return { apiVersion, kind, object: { apiVersion, kind, ...decoded } };
}

/** A RawExtension holding a protobuf-encoded object decodes like a top-level body. */
function nestedObject(raw: Uint8Array): Record<string, unknown> {
  return decodeDocument(raw).object;
}

interface Unknown {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
}

/** runtime.Unknown: 1 typeMeta {1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding, 4 contentType. */
function readUnknown(buf: Uint8Array): Unknown {
  const out: Unknown = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '' };
  const r = new Reader(buf);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if (field >= 1 && field <= 4 && wire !== WireType.bytes) {
      throw new WireError(`envelope field ${field} has wire type ${wire}, expected 2`);
    }
    if (field === 1) readTypeMeta(r.bytes(), out);
    else if (field === 2) out.raw = r.bytes();
    else if (field === 3) out.contentEncoding = utf8(r.bytes());
    else r.skip(wire);
  }
  return out;
}

function readTypeMeta(buf: Uint8Array, out: Unknown): void {
  const r = new Reader(buf);
  while (!r.done()) {
    const { field, wire } = r.tag();
    if ((field === 1 || field === 2) && wire !== WireType.bytes) {
      throw new WireError(`typeMeta field ${field} has wire type ${wire}, expected 2`);
    }
    if (field === 1) out.apiVersion = utf8(r.bytes());
    else if (field === 2) out.kind = utf8(r.bytes());
    else r.skip(wire);
  }
}
