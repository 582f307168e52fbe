import type { Secret } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { credentialsFor, keyMatches, keyringKey } from './credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function configJson(auths: Record<string, object>): Secret {
  return {
    metadata: { name: 'pull' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) },
  };
}

function dockercfg(entries: Record<string, object>): Secret {
  return {
    metadata: { name: 'legacy' },
    type: 'kubernetes.io/dockercfg',
    data: { '.dockercfg': b64(JSON.stringify(entries)) },
  };
}

describe('keyringKey', () => {
  it('drops the scheme and a /v1/ or /v2/ path', () => {
    expect(keyringKey('https://index.docker.io/v1/')).toBe('index.docker.io');
    expect(keyringKey('http://registry.example:5000/v2/')).toBe('registry.example:5000');
    expect(keyringKey('registry.example')).toBe('registry.example');
  });
  it('keeps a repository path', () => {
    expect(keyringKey('quay.io/coreos')).toBe('quay.io/coreos');
    expect(keyringKey('https://quay.io/v2/coreos')).toBe('quay.io/coreos');
  });
});

describe('keyMatches', () => {
  const cases: Array<[string, string, boolean]> = [
    ['quay.io', 'quay.io/coreos/etcd', true],
    ['quay.io/coreos', 'quay.io/coreos/etcd', true],
    ['quay.io/other', 'quay.io/coreos/etcd', false],
    ['*.example.com', 'registry.example.com/app', true],
    ['*.example.com', 'example.com/app', false],
    ['*.example.com', 'a.b.example.com/app', false],
    ['registry.example.com:5000', 'registry.example.com/app', false],
    ['127.0.0.1:5000', '127.0.0.1:5000/app', true],
    ['registry-?.example.com', 'registry-1.example.com/app', true],
  ];
  for (const [key, target, want] of cases) {
    it(`${key} ${want ? 'matches' : 'does not match'} ${target}`, () => {
      expect(keyMatches(key, target)).toBe(want);
    });
  }
});

describe('credentialsFor', () => {
  it('decodes auth (base64 user:pass, which wins over username/password fields)', () => {
    const s = configJson({
      '127.0.0.1:5000': { auth: b64('alice:pa:ss'), username: 'ignored', password: 'x' },
    });
    expect(credentialsFor('127.0.0.1:5000/app:v1', [s])).toEqual([{ username: 'alice', password: 'pa:ss' }]);
  });

  it('uses username and password fields when there is no auth', () => {
    const s = configJson({ 'https://registry.example/v1/': { username: 'bob', password: 'pw' } });
    expect(credentialsFor('registry.example/team/app', [s])).toEqual([{ username: 'bob', password: 'pw' }]);
  });

  it('returns nothing for another registry', () => {
    const s = configJson({ 'registry.example': { auth: b64('a:b') } });
    expect(credentialsFor('quay.io/app', [s])).toEqual([]);
  });

  it('tries more specific keys first, across secrets in order', () => {
    const a = configJson({ 'quay.io': { auth: b64('host:1') } });
    const b = configJson({ 'quay.io/coreos': { auth: b64('path:2') }, 'quay.io': { auth: b64('host:3') } });
    expect(credentialsFor('quay.io/coreos/etcd', [a, b])).toEqual([
      { username: 'path', password: '2' },
      { username: 'host', password: '1' },
      { username: 'host', password: '3' },
    ]);
  });

  it('matches Docker Hub images to the index.docker.io key', () => {
    const s = configJson({ 'https://index.docker.io/v1/': { auth: b64('hub:pw') } });
    expect(credentialsFor('busybox', [s])).toEqual([{ username: 'hub', password: 'pw' }]);
    expect(credentialsFor('docker.io/team/app', [s])).toEqual([{ username: 'hub', password: 'pw' }]);
    expect(credentialsFor('quay.io/team/app', [s])).toEqual([]);
  });

  it('reads legacy dockercfg secrets', () => {
    expect(
      credentialsFor('registry.example/app', [dockercfg({ 'registry.example': { auth: b64('old:pw') } })]),
    ).toEqual([{ username: 'old', password: 'pw' }]);
  });

  it('ignores other secret types, malformed secrets and an unparsable image', () => {
    const opaque: Secret = {
      metadata: { name: 'o' },
      type: 'Opaque',
      data: { '.dockerconfigjson': b64('{}') },
    };
    const broken: Secret = {
      metadata: { name: 'b' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64('{nope') },
    };
    const good = configJson({ 'registry.example': { auth: b64('a:b') } });
    expect(credentialsFor('registry.example/app', [opaque, broken, good])).toEqual([
      { username: 'a', password: 'b' },
    ]);
    expect(credentialsFor('Not An Image', [good])).toEqual([]);
  });
});
