/**
 * The node's own API credential, got the way the kubelet's TLS bootstrap gets it: the join
 * token only files a CertificateSigningRequest (signer kube-apiserver-client-kubelet, subject
 * CN=system:node:<name>, O=system:nodes); the server's approver and signer answer it, and from
 * then on the agent authenticates with that client certificate as system:node:<name>. The
 * certificate and key are kept in <dir>/kubelet-client.{crt,key} (0600) and reused while they
 * are valid for this node and this CA, so a restart files no new request.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertificateSigningRequest } from 'kubernetes-types/certificates/v1.js';
import { ApiError } from '../../api/errors.js';
import type { KObject } from '../../api/object.js';
import { httpClient } from '../../client/http.js';
import type { ResourceClient, WatchHandle } from '../../client/types.js';
import { KUBELET_CLIENT_SIGNER } from '../../registry/certificates/helpers.js';

export interface NodeCredentialOptions {
  /** The API server, e.g. https://10.0.0.1:6443. */
  serverURL: string;
  /** The join (node) token: used only to file the request. */
  token: string;
  /** PEM of the cluster CA: verifies the server and the certificate it issues. */
  ca: string | Buffer;
  nodeName: string;
  /** Where kubelet-client.crt and kubelet-client.key live. */
  dir: string;
  /** How long to wait for approval and issue (default 60 s). */
  timeoutMs?: number;
  /** Asks for a shorter lifetime than the signer's default (>= 600). */
  expirationSeconds?: number;
  /** Injected clock for the validity check of a stored certificate. */
  now?: () => Date;
  log?: (line: string) => void;
}

export interface NodeCredential {
  cert: string;
  key: string;
}

type CSR = CertificateSigningRequest & KObject;

/** A certificate is renewed once less than this share of its lifetime remains (kubelet: 10-30%). */
const RENEW_REMAINING = 0.2;

/** Why a certificate/key pair is not this node's credential from this CA; undefined when it is. */
export function credentialProblem(
  pair: NodeCredential,
  caPem: string,
  nodeName: string,
  now?: Date,
): string | undefined {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(pair.cert);
    ca = new X509Certificate(caPem);
  } catch (err) {
    return `unreadable certificate: ${(err as Error).message}`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'not signed by the cluster CA';
  try {
    if (!cert.checkPrivateKey(createPrivateKey(pair.key))) return 'the key does not match the certificate';
  } catch (err) {
    return `unreadable key: ${(err as Error).message}`;
  }
  const subject = cert.subject.split('\n');
  if (!subject.includes(`CN=system:node:${nodeName}`) || !subject.includes('O=system:nodes'))
    return `issued to "${cert.subject.replace(/\n/g, ', ')}", not system:node:${nodeName}`;
  if (now) {
    const from = Date.parse(cert.validFrom);
    const to = Date.parse(cert.validTo);
    const t = now.getTime();
    if (t >= to) return `expired at ${new Date(to).toISOString()}`;
    if (t < from) return `not valid before ${new Date(from).toISOString()}`;
    if (to - t < (to - from) * RENEW_REMAINING) return `expires soon (${new Date(to).toISOString()})`;
  }
  return undefined;
}

function readPair(dir: string): NodeCredential | undefined {
  const cert = join(dir, 'kubelet-client.crt');
  const key = join(dir, 'kubelet-client.key');
  if (!existsSync(cert) || !existsSync(key)) return undefined;
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

/** Writes both files 0600 through a rename, so a crash never leaves half a credential. */
function writePair(dir: string, pair: NodeCredential): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of [
    ['kubelet-client.key', pair.key],
    ['kubelet-client.crt', pair.cert],
  ]) {
    const tmp = join(dir, `.${name}.${process.pid}`);
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, join(dir, name));
  }
}

/** A new ECDSA P-256 key and a CSR for the node's identity (both PEM). */
/** The key and CSR maker, with @peculiar/x509, loaded only when a credential must be made. */
const requestMaker = () => import('./credential-request.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connection failures and 5xx are worth retrying (the server may still be starting); 4xx are not. */
function retryable(err: unknown): boolean {
  return !(err instanceof ApiError) || err.code >= 500 || err.code === 429;
}

/** Files the request, retrying while the server is unreachable. */
async function fileRequest(csrs: ResourceClient<CSR>, body: CSR, deadline: number): Promise<CSR> {
  for (;;) {
    try {
      return await csrs.create('', body);
    } catch (err) {
      if (!retryable(err) || Date.now() > deadline)
        throw new Error(`cannot create certificate signing request: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}

/** The issued certificate's PEM, or an error for a denied/failed request; undefined while pending. */
function outcome(csr: CSR): string | Error | undefined {
  for (const c of csr.status?.conditions ?? []) {
    if (c.type === 'Denied')
      return new Error(`certificate signing request is denied, reason: ${c.reason}, message: ${c.message}`);
    if (c.type === 'Failed')
      return new Error(`certificate signing request failed, reason: ${c.reason}, message: ${c.message}`);
  }
  const cert = csr.status?.certificate;
  return cert ? Buffer.from(cert, 'base64').toString('utf8') : undefined;
}

/** Waits for the request to be issued: a watch on it, re-established (after a GET) if it drops. */
function waitForCertificate(csrs: ResourceClient<CSR>, created: CSR, deadline: number): Promise<string> {
  const name = created.metadata.name!;
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    let handle: WatchHandle | undefined;
    let retry: NodeJS.Timeout | undefined;
    const finish = (result: string | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(retry);
      handle?.stop();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(`timed out waiting for certificate signing request ${name} to be approved and issued`),
        ),
      Math.max(0, deadline - Date.now()),
    );
    const consider = (csr: CSR) => {
      const result = outcome(csr);
      if (result !== undefined) finish(result);
    };
    const watchFrom = (resourceVersion: string) => {
      if (settled) return;
      handle = csrs.watch(
        '',
        resourceVersion,
        { fieldSelector: `metadata.name=${name}` },
        {
          onEvent: (e) => {
            if (e.type === 'DELETED') finish(new Error(`csr "${name}" was deleted`));
            else consider(e.object);
          },
          onClose: () => {
            if (settled) return;
            // Dropped (server restart, 410): read the current state, then watch again.
            retry = setTimeout(() => {
              csrs.get('', name).then(
                (csr) => {
                  consider(csr);
                  watchFrom(csr.metadata.resourceVersion ?? '');
                },
                (err) => {
                  if (err instanceof ApiError && err.reason === 'NotFound')
                    finish(new Error(`csr "${name}" was deleted`));
                  else watchFrom('');
                },
              );
            }, 500);
          },
        },
      );
    };
    consider(created);
    watchFrom(created.metadata.resourceVersion ?? '');
  });
}

/** Requests a new credential with the join token and waits for it. */
async function bootstrap(o: NodeCredentialOptions, caPem: string): Promise<NodeCredential> {
  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  const { key, csr } = await (await requestMaker()).makeRequest(o.nodeName);
  const client = httpClient({ server: o.serverURL, token: o.token, ca: o.ca });
  try {
    const csrs = client.resource<CSR>('certificates.k8s.io', 'v1', 'certificatesigningrequests');
    const body: CSR = {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'node-csr-' },
      spec: {
        request: Buffer.from(csr).toString('base64'),
        signerName: KUBELET_CLIENT_SIGNER,
        usages: ['digital signature', 'client auth'],
        ...(o.expirationSeconds ? { expirationSeconds: o.expirationSeconds } : {}),
      },
    };
    const created = await fileRequest(csrs, body, deadline);
    o.log?.(`waiting for certificate signing request ${created.metadata.name} to be approved and issued`);
    const cert = await waitForCertificate(csrs, created, deadline);
    const pair = { cert, key };
    // The issued certificate must be what was asked for; its dates are the signer's business.
    const problem = credentialProblem(pair, caPem, o.nodeName);
    if (problem)
      throw new Error(
        `certificate signing request ${created.metadata.name}: the issued certificate is ${problem}`,
      );
    return pair;
  } finally {
    client.close();
  }
}

/**
 * This node's client certificate and key: the stored pair when it is still good for this node
 * and CA, else a new one through a CertificateSigningRequest filed with the join token.
 */
export async function nodeCredential(o: NodeCredentialOptions): Promise<NodeCredential> {
  const caPem = typeof o.ca === 'string' ? o.ca : o.ca.toString('utf8');
  const stored = readPair(o.dir);
  if (stored) {
    const problem = credentialProblem(stored, caPem, o.nodeName, (o.now ?? (() => new Date()))());
    if (!problem) return stored;
    o.log?.(`node certificate in ${o.dir} is ${problem}: requesting a new one`);
  }
  const pair = await bootstrap(o, caPem);
  writePair(o.dir, pair);
  o.log?.(`node certificate for system:node:${o.nodeName} stored in ${o.dir}`);
  return pair;
}
