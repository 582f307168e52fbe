/**
 * PKCS#10 certificate requests, read synchronously: the API server validates a CSR's PEM and
 * signature on every write (as Kubernetes' validateCSR does), and strategies cannot await. A
 * small DER walker gives the subject, the SANs and the signed bytes; node:crypto checks the
 * signature. No ASN.1 library is loaded, so serving stays cheap; signing lives elsewhere.
 */
import { createPublicKey, verify } from 'node:crypto';

/** The parts of a certificate request the API server, approver and signer look at. */
export interface CertificateRequest {
  commonName: string;
  organizations: string[];
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
  /** DER SubjectPublicKeyInfo. */
  publicKey: Buffer;
  /** DER Name of the subject, as the issued certificate must carry it. */
  subject: Buffer;
  /** The signed CertificationRequestInfo and its signature. */
  signed: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
}

/** A DER element: tag, contents and the whole encoding. */
interface Element {
  tag: number;
  body: Buffer;
  raw: Buffer;
}

class MalformedError extends Error {}

function readElement(buf: Buffer, at: number): Element & { end: number } {
  if (at + 2 > buf.length) throw new MalformedError('truncated');
  const tag = buf[at];
  let len = buf[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new MalformedError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new MalformedError('truncated');
  return { tag, body: buf.subarray(start, end), raw: buf.subarray(at, end), end };
}

/** The elements inside a constructed element's contents. */
function children(body: Buffer): Element[] {
  const out: Element[] = [];
  for (let at = 0; at < body.length; ) {
    const e = readElement(body, at);
    out.push(e);
    at = e.end;
  }
  return out;
}

function expect(e: Element | undefined, tag: number): Element {
  if (!e || e.tag !== tag) throw new MalformedError(`expected tag ${tag}`);
  return e;
}

function oid(body: Buffer): string {
  if (body.length === 0) throw new MalformedError('empty OID');
  const parts = [Math.floor(body[0] / 40), body[0] % 40];
  let v = 0;
  for (let i = 1; i < body.length; i++) {
    v = v * 128 + (body[i] & 0x7f);
    if (!(body[i] & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

const SEQUENCE = 0x30;
const SET = 0x31;
const OID = 0x06;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const INTEGER = 0x02;
const ATTRIBUTES = 0xa0;

const OID_CN = '2.5.4.3';
const OID_O = '2.5.4.10';
const OID_EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const OID_SAN = '2.5.29.17';

/** Text of a directory string (UTF8String, PrintableString, IA5String, T61String; BMPString). */
function text(e: Element): string {
  if (e.tag === 0x1e) {
    let s = '';
    for (let i = 0; i + 1 < e.body.length; i += 2) s += String.fromCharCode(e.body.readUInt16BE(i));
    return s;
  }
  return e.body.toString(e.tag === 0x0c ? 'utf8' : 'latin1');
}

function readSubject(name: Element): Pick<CertificateRequest, 'commonName' | 'organizations'> {
  let commonName = '';
  const organizations: string[] = [];
  for (const rdn of children(expect(name, SEQUENCE).body)) {
    for (const atv of children(expect(rdn, SET).body)) {
      const [type, value] = children(expect(atv, SEQUENCE).body);
      const id = oid(expect(type, OID).body);
      if (!value) throw new MalformedError('attribute without value');
      // Go's pkix.Name keeps the last CN and every O, in order.
      if (id === OID_CN) commonName = text(value);
      else if (id === OID_O) organizations.push(text(value));
    }
  }
  return { commonName, organizations };
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) throw new MalformedError('bad IP address length');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // RFC 5952: the longest run (2 or more) of zero groups becomes "::".
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j > i ? j : i + 1;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

type Names = Pick<CertificateRequest, 'dnsNames' | 'ipAddresses' | 'emailAddresses' | 'uris'>;

function readSANs(extnValue: Buffer, into: Names): void {
  const [names] = children(extnValue);
  for (const gn of children(expect(names, SEQUENCE).body)) {
    if (gn.tag === 0x81) into.emailAddresses.push(gn.body.toString('latin1'));
    else if (gn.tag === 0x82) into.dnsNames.push(gn.body.toString('latin1'));
    else if (gn.tag === 0x86) into.uris.push(gn.body.toString('latin1'));
    else if (gn.tag === 0x87) into.ipAddresses.push(ipText(gn.body));
  }
}

function readAttributes(attrs: Element | undefined, into: Names): void {
  if (!attrs) return;
  if (attrs.tag !== ATTRIBUTES) throw new MalformedError('bad attributes');
  for (const attr of children(attrs.body)) {
    const [type, values] = children(expect(attr, SEQUENCE).body);
    if (oid(expect(type, OID).body) !== OID_EXTENSION_REQUEST) continue;
    for (const exts of children(expect(values, SET).body)) {
      for (const ext of children(expect(exts, SEQUENCE).body)) {
        const parts = children(expect(ext, SEQUENCE).body);
        const id = oid(expect(parts[0], OID).body);
        const value = expect(parts[parts.length - 1], OCTET_STRING);
        if (id === OID_SAN) readSANs(value.body, into);
      }
    }
  }
}

/** Parses DER CertificationRequest bytes; throws with Go's wording when they are not one. */
export function parseCertificateRequestDER(der: Buffer): CertificateRequest {
  try {
    const top = readElement(der, 0);
    if (top.tag !== SEQUENCE || top.end !== der.length) throw new MalformedError('trailing data');
    const [info, algorithm, signature] = children(top.body);
    const [version, subject, spki, attrs] = children(expect(info, SEQUENCE).body);
    expect(version, INTEGER);
    const names: Names = { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
    readAttributes(attrs, names);
    const sig = expect(signature, BIT_STRING).body;
    return {
      ...readSubject(subject),
      ...names,
      publicKey: Buffer.from(expect(spki, SEQUENCE).raw),
      subject: Buffer.from(subject.raw),
      signed: Buffer.from(info.raw),
      signatureAlgorithm: oid(expect(children(expect(algorithm, SEQUENCE).body)[0], OID).body),
      signature: Buffer.from(sig.subarray(1)),
    };
  } catch (err) {
    if (err instanceof MalformedError) throw new Error('x509: malformed certificate request');
    throw err;
  }
}

/** The DER bytes of the first PEM block, if it has the given type. */
export function pemBlock(pem: Buffer | string, type: string): Buffer | undefined {
  const s = typeof pem === 'string' ? pem : pem.toString('latin1');
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(s);
  if (!m || m[1] !== type) return undefined;
  const body = m[2].replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  return Buffer.from(body, 'base64');
}

/** Kubernetes' ParseCSR: the first PEM block must be a CERTIFICATE REQUEST. */
export function parseCSR(pem: Buffer | string): CertificateRequest {
  const der = pemBlock(pem, 'CERTIFICATE REQUEST');
  if (!der) throw new Error('PEM block type must be CERTIFICATE REQUEST');
  return parseCertificateRequestDER(der);
}

/** Signature algorithms Go's x509 checks a CSR with: OID → hash (null: Ed25519) and kind. */
const algorithms: Record<string, { hash: string | null; kind: 'ECDSA' | 'RSA' | 'Ed25519' }> = {
  '1.2.840.10045.4.3.2': { hash: 'sha256', kind: 'ECDSA' },
  '1.2.840.10045.4.3.3': { hash: 'sha384', kind: 'ECDSA' },
  '1.2.840.10045.4.3.4': { hash: 'sha512', kind: 'ECDSA' },
  '1.2.840.10045.4.1': { hash: 'sha1', kind: 'ECDSA' },
  '1.2.840.113549.1.1.11': { hash: 'sha256', kind: 'RSA' },
  '1.2.840.113549.1.1.12': { hash: 'sha384', kind: 'RSA' },
  '1.2.840.113549.1.1.13': { hash: 'sha512', kind: 'RSA' },
  '1.2.840.113549.1.1.5': { hash: 'sha1', kind: 'RSA' },
  '1.3.101.112': { hash: null, kind: 'Ed25519' },
};

/** Go's CertificateRequest.CheckSignature: throws with its wording when the signature is bad. */
export function checkSignature(csr: CertificateRequest): void {
  const alg = algorithms[csr.signatureAlgorithm];
  if (!alg) throw new Error('x509: cannot verify signature: algorithm unimplemented');
  let ok = false;
  try {
    const key = createPublicKey({ key: csr.publicKey, format: 'der', type: 'spki' });
    ok = verify(alg.hash, csr.signed, key, csr.signature);
  } catch {
    ok = false;
  }
  if (ok) return;
  if (alg.kind === 'RSA') throw new Error('crypto/rsa: verification error');
  throw new Error(`x509: ${alg.kind} verification failure`);
}
