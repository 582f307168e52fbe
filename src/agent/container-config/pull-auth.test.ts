/** Registry credentials from imagePullSecrets, matched to images as the kubelet's keyring does. */
import type { Pod, Secret } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { normalizeImageRepository, pullAuthsFor } from './pull-auth.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const dockerConfigJson = (name: string, auths: Record<string, unknown>): Secret => ({
  metadata: { namespace: 'ns', name },
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
});

const secrets: Secret[] = [
  dockerConfigJson('hub', { 'https://index.docker.io/v1/': { username: 'hubuser', password: 'hubpass' } }),
  dockerConfigJson('private', {
    'registry.example.com:5000': { auth: b64('alice:s3cret:with:colons') },
    'quay.io': { username: 'q', password: 'general' },
    'quay.io/coreos': { username: 'q', password: 'coreos' },
    '*.gcr.io': { username: '_json_key', password: 'gcr' },
  }),
  {
    metadata: { namespace: 'ns', name: 'legacy' },
    type: 'kubernetes.io/dockercfg',
    data: { '.dockercfg': b64(JSON.stringify({ 'localhost:5000': { username: 'l', password: 'p' } })) },
  },
  {
    metadata: { namespace: 'ns', name: 'opaque' },
    type: 'Opaque',
    data: { '.dockerconfigjson': b64('{"auths":{"quay.io":{"username":"x","password":"y"}}}') },
  },
  {
    metadata: { namespace: 'ns', name: 'garbage' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64('{not json') },
  },
];
const getSecret = (ns: string, name: string) =>
  secrets.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name);
const pod = (...names: string[]): Pod => ({
  metadata: { namespace: 'ns', name: 'p' },
  spec: { containers: [], imagePullSecrets: names.map((name) => ({ name })) },
});
const all = pod('missing', 'garbage', 'opaque', 'hub', 'private', 'legacy');

describe('normalizeImageRepository', () => {
  const cases: Array<[string, string]> = [
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.27', 'docker.io/library/nginx'],
    ['bitnami/redis@sha256:abc', 'docker.io/bitnami/redis'],
    ['docker.io/library/nginx:latest', 'docker.io/library/nginx'],
    ['index.docker.io/foo/bar', 'docker.io/foo/bar'],
    ['localhost:5000/app:v1', 'localhost:5000/app'],
    ['localhost/app', 'localhost/app'],
    ['quay.io/coreos/etcd:v3', 'quay.io/coreos/etcd'],
  ];
  it.each(cases)('%s → %s', (image, want) => expect(normalizeImageRepository(image)).toBe(want));
});

describe('pullAuthsFor', () => {
  const cases: Array<[string, string, string[]]> = [
    ['Docker Hub short name uses the index.docker.io entry', 'nginx:1.27', ['hubuser:hubpass']],
    ['docker.io prefixed name too', 'docker.io/bitnami/redis', ['hubuser:hubpass']],
    [
      'host with port, auth field decoded at the first colon',
      'registry.example.com:5000/team/app:v2',
      ['alice:s3cret:with:colons'],
    ],
    ['the port must match', 'registry.example.com/team/app', []],
    ['more specific path first', 'quay.io/coreos/etcd', ['q:coreos', 'q:general']],
    ['path prefix does not match other paths', 'quay.io/other/x', ['q:general']],
    ['glob per host label', 'eu.gcr.io/proj/img', ['_json_key:gcr']],
    ['a glob does not span labels', 'gcr.io/proj/img', []],
    ['legacy dockercfg', 'localhost:5000/app', ['l:p']],
    ['no match', 'ghcr.io/x/y', []],
  ];
  it.each(cases)('%s', (_name, image, want) => {
    expect(pullAuthsFor(all, image, getSecret).map((a) => `${a.username}:${a.password}`)).toEqual(want);
  });

  it('follows the order of imagePullSecrets', () => {
    const other = dockerConfigJson('other', { 'quay.io': { username: 'o', password: 'o' } });
    secrets.push(other);
    const got = pullAuthsFor(pod('other', 'private'), 'quay.io/x/y', getSecret);
    expect(got.map((a) => a.password)).toEqual(['o', 'general']);
  });
});
