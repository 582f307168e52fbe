import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry, parseImageReference } from './reference.js';

const digest = `sha256:${'a'.repeat(64)}`;

describe('parseImageReference', () => {
  const cases: Array<{ name: string; input: string; ref: string; domain: string; path: string }> = [
    {
      name: 'a bare name is a Docker Hub library image at latest',
      input: 'busybox',
      ref: 'docker.io/library/busybox:latest',
      domain: 'docker.io',
      path: 'library/busybox',
    },
    {
      name: 'a tag is kept',
      input: 'busybox:1.36',
      ref: 'docker.io/library/busybox:1.36',
      domain: 'docker.io',
      path: 'library/busybox',
    },
    {
      name: 'a user repository on Docker Hub gets no library/',
      input: 'bitnami/nginx',
      ref: 'docker.io/bitnami/nginx:latest',
      domain: 'docker.io',
      path: 'bitnami/nginx',
    },
    {
      name: 'index.docker.io is docker.io',
      input: 'index.docker.io/library/busybox',
      ref: 'docker.io/library/busybox:latest',
      domain: 'docker.io',
      path: 'library/busybox',
    },
    {
      name: 'docker.io with one component gets library/',
      input: 'docker.io/busybox:1',
      ref: 'docker.io/library/busybox:1',
      domain: 'docker.io',
      path: 'library/busybox',
    },
    {
      name: 'a host with a port keeps it',
      input: '127.0.0.1:5000/team/app:v1',
      ref: '127.0.0.1:5000/team/app:v1',
      domain: '127.0.0.1:5000',
      path: 'team/app',
    },
    {
      name: 'a dotted first component is a host',
      input: 'quay.io/coreos/etcd',
      ref: 'quay.io/coreos/etcd:latest',
      domain: 'quay.io',
      path: 'coreos/etcd',
    },
    {
      name: 'localhost is a host',
      input: 'localhost/app',
      ref: 'localhost/app:latest',
      domain: 'localhost',
      path: 'app',
    },
    {
      name: 'an IPv6 host is a host',
      input: '[::1]:5000/app',
      ref: '[::1]:5000/app:latest',
      domain: '[::1]:5000',
      path: 'app',
    },
    {
      name: 'a digest pins the image',
      input: `busybox@${digest}`,
      ref: `docker.io/library/busybox@${digest}`,
      domain: 'docker.io',
      path: 'library/busybox',
    },
    {
      name: 'a tag beside a digest is dropped',
      input: `busybox:1.36@${digest}`,
      ref: `docker.io/library/busybox@${digest}`,
      domain: 'docker.io',
      path: 'library/busybox',
    },
    {
      name: 'separators inside path components are allowed',
      input: 'my-org/my__app.v2',
      ref: 'docker.io/my-org/my__app.v2:latest',
      domain: 'docker.io',
      path: 'my-org/my__app.v2',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = parseImageReference(c.input);
      expect(r.ref).toBe(c.ref);
      expect(r.domain).toBe(c.domain);
      expect(r.path).toBe(c.path);
      expect(r.name).toBe(`${c.domain}/${c.path}`);
    });
  }

  const invalid: Array<{ name: string; input: string; message: RegExp }> = [
    { name: 'an empty name', input: '', message: /empty/ },
    { name: 'upper case in the repository', input: 'BusyBox', message: /must be lowercase/ },
    { name: 'a 64-hex name', input: 'a'.repeat(64), message: /64-byte hexadecimal/ },
    { name: 'a bad character', input: 'busy box', message: /invalid reference format/ },
    { name: 'an empty tag', input: 'busybox:', message: /invalid reference format/ },
    {
      name: 'a short sha256 digest',
      input: 'busybox@sha256:abc',
      message: /invalid reference format|checksum/,
    },
    {
      name: 'a wrong-length sha256 digest',
      input: `busybox@sha256:${'a'.repeat(63)}b0`,
      message: /checksum/,
    },
    {
      name: 'an unknown digest algorithm',
      input: `busybox@md5:${'a'.repeat(32)}`,
      message: /unsupported digest algorithm/,
    },
    { name: 'a trailing separator', input: 'busybox-', message: /invalid reference format/ },
    { name: 'a too long name', input: `x/${'a'.repeat(260)}`, message: /more than 255/ },
  ];
  for (const c of invalid) {
    it(`rejects ${c.name}`, () => {
      expect(() => parseImageReference(c.input)).toThrow(c.message);
    });
  }
});

describe('isLoopbackRegistry', () => {
  it('treats localhost, 127.0.0.0/8 and ::1 as loopback, with or without a port', () => {
    for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000']) {
      expect(isLoopbackRegistry(h)).toBe(true);
    }
  });
  it('treats everything else as remote', () => {
    for (const h of ['docker.io', '10.0.0.1:5000', 'localhost.example.com', '128.0.0.1', '[::2]:5000']) {
      expect(isLoopbackRegistry(h)).toBe(false);
    }
  });
});
