/**
 * Hostile and malformed requests straight over HTTPS, below kubectl's own validation. Every one
 * must be answered with a 4xx whose JSON body is a Status carrying the same code, and none may
 * hurt the server: afterwards it is ready and a normal create still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../support/cluster.js';
import { type AdminTls, adminTls, type RawRequest, rawRequest } from '../support/https.js';

const cms = '/api/v1/namespaces/default/configmaps';
const cm = (name: string, extra: object = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, ...extra });

interface BadCase extends RawRequest {
  name: string;
  status: number;
  reason: string;
  /** A fragment the Status message must contain, so the refusal is for the right cause. */
  message: string | RegExp;
}

const cases: BadCase[] = [
  {
    name: 'malformed JSON',
    method: 'POST',
    path: cms,
    body: '{"apiVersion": "v1", "kind":',
    status: 400,
    reason: 'BadRequest',
    message: /JSON/,
  },
  {
    name: 'a JSON array',
    method: 'POST',
    path: cms,
    body: '[1,2]',
    status: 400,
    reason: 'BadRequest',
    message: /object/,
  },
  {
    name: 'YAML garbage',
    method: 'POST',
    path: cms,
    body: ': : - [ {',
    contentType: 'application/yaml',
    status: 400,
    reason: 'BadRequest',
    message: /YAML/,
  },
  {
    name: 'an empty body',
    method: 'POST',
    path: cms,
    body: '',
    status: 400,
    reason: 'BadRequest',
    message: /empty/,
  },
  {
    name: 'a wrong apiVersion',
    method: 'POST',
    path: cms,
    body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'ConfigMap', metadata: { name: 'x' } }),
    status: 400,
    reason: 'BadRequest',
    message: 'apps/v1',
  },
  {
    name: 'a wrong kind',
    method: 'POST',
    path: cms,
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }),
    status: 400,
    reason: 'BadRequest',
    message: 'Secret',
  },
  {
    name: 'a body over 3 MiB',
    method: 'POST',
    path: cms,
    body: cm('huge', { data: { blob: 'x'.repeat(3 * 1024 * 1024 + 1) } }),
    status: 413,
    reason: 'RequestEntityTooLarge',
    message: /too large/i,
  },
  {
    name: 'an unsupported content type',
    method: 'POST',
    path: cms,
    body: cm('text'),
    contentType: 'text/plain',
    status: 415,
    reason: 'UnsupportedMediaType',
    message: /unknown format/,
  },
  {
    name: 'an unknown core version',
    path: '/api/v9/pods',
    status: 404,
    reason: 'NotFound',
    message: /not find/,
  },
  {
    name: 'an unknown group',
    path: '/apis/nope/v1/things',
    status: 404,
    reason: 'NotFound',
    message: /not find/,
  },
  {
    name: 'an unknown resource',
    path: '/api/v1/namespaces/default/nothings',
    status: 404,
    reason: 'NotFound',
    message: /not find/,
  },
  {
    name: 'an invalid label selector',
    path: `${cms}?labelSelector=a%20b%20c`,
    status: 400,
    reason: 'BadRequest',
    message: 'a b c',
  },
  {
    name: 'an invalid field selector',
    path: `${cms}?fieldSelector=metadata.name`,
    status: 400,
    reason: 'BadRequest',
    message: /invalid (field )?selector/,
  },
  {
    name: 'an unsupported field selector field',
    path: `${cms}?fieldSelector=spec.nodeName%3Dx`,
    status: 400,
    reason: 'BadRequest',
    message: 'field label not supported: spec.nodeName',
  },
  {
    name: 'a bad fieldValidation value',
    method: 'POST',
    path: `${cms}?fieldValidation=Bogus`,
    body: cm('fv'),
    status: 400,
    reason: 'BadRequest',
    message: 'Bogus',
  },
  {
    name: 'a bad dryRun value',
    method: 'POST',
    path: `${cms}?dryRun=Maybe`,
    body: cm('dr'),
    status: 400,
    reason: 'BadRequest',
    message: 'Maybe',
  },
  {
    name: 'a non-numeric timeoutSeconds',
    path: `${cms}?timeoutSeconds=abc`,
    status: 400,
    reason: 'BadRequest',
    message: 'abc',
  },
  {
    name: 'an unknown resourceVersionMatch',
    path: `${cms}?resourceVersionMatch=Bogus&resourceVersion=1`,
    status: 422,
    reason: 'Invalid',
    message: 'Bogus',
  },
  {
    name: 'resourceVersionMatch without a resourceVersion',
    path: `${cms}?resourceVersionMatch=Exact`,
    status: 422,
    reason: 'Invalid',
    message: 'resourceVersionMatch is forbidden unless resourceVersion is provided',
  },
  {
    name: 'a non-numeric limit',
    path: `${cms}?limit=abc`,
    status: 400,
    reason: 'BadRequest',
    message: 'abc',
  },
  {
    name: 'a garbage continue token',
    path: `${cms}?limit=1&continue=garbage`,
    status: 400,
    reason: 'BadRequest',
    message: /continue/,
  },
  {
    name: 'a non-numeric resourceVersion',
    path: `${cms}?resourceVersion=abc`,
    status: 400,
    reason: 'BadRequest',
    message: 'abc',
  },
  {
    name: 'an update of a missing object',
    method: 'PUT',
    path: `${cms}/missing`,
    body: cm('missing'),
    status: 404,
    reason: 'NotFound',
    message: 'configmaps "missing" not found',
  },
  {
    name: 'an unauthenticated list',
    path: '/api/v1/pods',
    auth: false,
    status: 401,
    reason: 'Unauthorized',
    message: 'Unauthorized',
  },
];

describe('bad input over raw HTTPS', () => {
  let server: TestServer | undefined;
  let tls: AdminTls;
  const send = (req: RawRequest) => rawRequest(server!.port, tls, req);

  beforeAll(async () => {
    server = await startServer();
    tls = adminTls(server.dataDir);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(cases)('$name is refused with $status $reason as a Status', async (c) => {
    const res = await send(c);
    expect(res.status, res.text.slice(0, 300)).toBe(c.status);
    expect(res.contentType).toMatch(/^application\/json/);
    expect(res.json).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: c.reason,
      code: c.status,
    });
    if (typeof c.message === 'string') expect(res.json.message).toContain(c.message);
    else expect(res.json.message).toMatch(c.message);
  });

  it.each(['/healthz', '/livez', '/readyz', '/version'])(
    '%s answers without a client certificate',
    async (path) => {
      const res = await send({ path, auth: false });
      expect(res.status).toBe(200);
      if (path === '/version') expect(res.json.gitVersion).toMatch(/^v1\.32\./);
      else expect(res.text).toBe('ok');
    },
  );

  it('none of the refused writes created anything', async () => {
    const list = await send({ path: cms });
    expect(list.status).toBe(200);
    const refused = ['x', 'huge', 'text', 'fv', 'dr', 'missing'];
    expect(
      list.json.items.map((i: any) => i.metadata.name).filter((n: string) => refused.includes(n)),
    ).toEqual([]);
  });

  it('after all of it the server is ready and a normal create works', async () => {
    const ready = await send({ path: '/readyz' });
    expect([ready.status, ready.text]).toEqual([200, 'ok']);
    const created = await send({ method: 'POST', path: cms, body: cm('fine', { data: { k: 'v' } }) });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'fine' }, data: { k: 'v' } });
    const read = await send({ path: `${cms}/fine` });
    expect(read.json.metadata.uid).toBe(created.json.metadata.uid);
  });
});
