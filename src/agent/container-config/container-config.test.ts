/**
 * resolveContainerConfig over tables: env order and expansion, envFrom, valueFrom (ConfigMap,
 * Secret, fieldRef, resourceFieldRef), service links, command/args, and the kubelet's errors.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigMap, Container, EnvVar, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ContainerStartError } from '../runtime/runtime.js';
import { type ContainerConfigContext, resolveContainerConfig } from './container-config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

const configMaps: ConfigMap[] = [
  {
    metadata: { namespace: 'ns', name: 'cfg' },
    data: { LOG_LEVEL: 'debug', 'bad key': 'x', '1st': 'y', MODE: 'fast' },
  },
  { metadata: { namespace: 'ns', name: 'other' }, data: { MODE: 'slow' } },
];
const secrets: Secret[] = [
  { metadata: { namespace: 'ns', name: 'creds' }, data: { PASSWORD: b64('hunter2'), 'tls.crt': b64('pem') } },
];
const services: Service[] = [
  {
    metadata: { namespace: 'default', name: 'kubernetes' },
    spec: { clusterIP: '10.43.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
  },
  {
    metadata: { namespace: 'ns', name: 'redis-main' },
    spec: { clusterIP: '10.43.0.7', ports: [{ port: 6379 }] },
  },
  { metadata: { namespace: 'ns', name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  {
    metadata: { namespace: 'other', name: 'elsewhere' },
    spec: { clusterIP: '10.43.0.9', ports: [{ port: 80 }] },
  },
];

const dir = mkdtempSync(join(tmpdir(), `skiff-cc-${process.pid}-`));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(extra: Partial<ContainerConfigContext> = {}): ContainerConfigContext {
  return {
    getConfigMap: (ns, name) =>
      configMaps.find((c) => c.metadata?.namespace === ns && c.metadata?.name === name),
    getSecret: (ns, name) => secrets.find((s) => s.metadata?.namespace === ns && s.metadata?.name === name),
    nodeAllocatable: { cpu: '4', memory: '8Gi', 'ephemeral-storage': '100Gi' },
    hostIP: '192.168.1.10',
    podIP: '10.42.0.5',
    volumePaths: new Map(),
    etcHostsPath: '',
    resolvConfPath: '',
    ...extra,
  };
}

function podWith(container: Partial<Container>, spec: Partial<Pod['spec']> = {}): Pod {
  return {
    metadata: {
      name: 'web-0',
      namespace: 'ns',
      uid: 'uid-1',
      labels: { app: 'web', tier: 'front' },
      annotations: { note: 'say "hi"\n' },
    },
    spec: {
      nodeName: 'node-a',
      serviceAccountName: 'builder',
      enableServiceLinks: false,
      containers: [{ name: 'app', image: 'nginx', ...container }],
      ...spec,
    },
  };
}

const envOf = (pod: Pod, c = ctx()) => resolveContainerConfig(pod, pod.spec!.containers[0], c).env;
const envValue = (pod: Pod, name: string) => envOf(pod).find((e) => e.name === name)?.value;

describe('env values and $(VAR) expansion', () => {
  const cases: Array<{ name: string; env: EnvVar[]; expect: Record<string, string> }> = [
    {
      name: 'a later var sees earlier ones',
      env: [
        { name: 'A', value: 'x' },
        { name: 'B', value: '$(A)-y' },
        { name: 'C', value: '$(B)-z' },
      ],
      expect: { A: 'x', B: 'x-y', C: 'x-y-z' },
    },
    {
      name: 'a reference to a later var stays verbatim',
      env: [
        { name: 'A', value: '$(B)' },
        { name: 'B', value: 'b' },
      ],
      expect: { A: '$(B)', B: 'b' },
    },
    {
      name: '$$ escapes',
      env: [{ name: 'A', value: '$$(HOME) costs $$5' }],
      expect: { A: '$(HOME) costs $5' },
    },
    { name: 'an empty value is empty', env: [{ name: 'A' }], expect: { A: '' } },
    {
      name: 'a redefined name takes the later value',
      env: [
        { name: 'A', value: '1' },
        { name: 'A', value: '$(A)2' },
      ],
      expect: { A: '12' },
    },
  ];
  it.each(cases)('$name', ({ env, expect: want }) => {
    const got = Object.fromEntries(envOf(podWith({ env })).map((e) => [e.name, e.value]));
    expect(got).toEqual(want);
  });

  it('keeps declaration order', () => {
    const env = [
      { name: 'Z', value: '1' },
      { name: 'A', value: '2' },
      { name: 'M', value: '3' },
    ];
    expect(envOf(podWith({ env })).map((e) => e.name)).toEqual(['Z', 'A', 'M']);
  });
});

describe('envFrom', () => {
  it('takes valid keys with the prefix, skips invalid ones with a warning, and env overrides', () => {
    const warnings: string[] = [];
    const pod = podWith({
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
      env: [{ name: 'CFG_MODE', value: '$(CFG_MODE)-override' }],
    });
    const env = envOf(pod, ctx({ warn: (reason, message) => warnings.push(`${reason}: ${message}`) }));
    expect(Object.fromEntries(env.map((e) => [e.name, e.value]))).toEqual({
      CFG_LOG_LEVEL: 'debug',
      CFG_1st: 'y',
      CFG_MODE: 'fast-override',
      PASSWORD: 'hunter2',
      'tls.crt': 'pem',
    });
    expect(warnings).toEqual([
      'InvalidEnvironmentVariableNames: Keys [CFG_bad key] from the EnvFrom configMap ns/cfg were skipped since they are considered invalid environment variable names.',
    ]);
  });

  it('without a prefix a key starting with a digit is invalid', () => {
    const warnings: string[] = [];
    const env = envOf(
      podWith({ envFrom: [{ configMapRef: { name: 'cfg' } }] }),
      ctx({ warn: (_r, m) => warnings.push(m) }),
    );
    expect(env.map((e) => e.name)).toEqual(['LOG_LEVEL', 'MODE']);
    expect(warnings[0]).toContain('Keys [1st, bad key]');
  });

  it('a later source overrides an earlier one', () => {
    const pod = podWith({
      envFrom: [{ configMapRef: { name: 'cfg' } }, { configMapRef: { name: 'other' } }],
    });
    expect(envValue(pod, 'MODE')).toBe('slow');
  });

  it('an optional missing source contributes nothing', () => {
    const pod = podWith({
      envFrom: [
        { configMapRef: { name: 'nope', optional: true } },
        { secretRef: { name: 'gone', optional: true } },
      ],
    });
    expect(envOf(pod)).toEqual([]);
  });
});

describe('valueFrom', () => {
  const cases: Array<{ name: string; from: EnvVar['valueFrom']; want: string | undefined }> = [
    { name: 'configMapKeyRef', from: { configMapKeyRef: { name: 'cfg', key: 'LOG_LEVEL' } }, want: 'debug' },
    {
      name: 'secretKeyRef decodes base64',
      from: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } },
      want: 'hunter2',
    },
    {
      name: 'optional missing key leaves the var out',
      from: { configMapKeyRef: { name: 'cfg', key: 'NOPE', optional: true } },
      want: undefined,
    },
    {
      name: 'optional missing secret leaves the var out',
      from: { secretKeyRef: { name: 'gone', key: 'k', optional: true } },
      want: undefined,
    },
    { name: 'metadata.name', from: { fieldRef: { fieldPath: 'metadata.name' } }, want: 'web-0' },
    { name: 'metadata.namespace', from: { fieldRef: { fieldPath: 'metadata.namespace' } }, want: 'ns' },
    { name: 'metadata.uid', from: { fieldRef: { fieldPath: 'metadata.uid' } }, want: 'uid-1' },
    {
      name: "metadata.labels['app']",
      from: { fieldRef: { fieldPath: "metadata.labels['app']" } },
      want: 'web',
    },
    {
      name: 'a missing label is empty',
      from: { fieldRef: { fieldPath: "metadata.labels['nope']" } },
      want: '',
    },
    {
      name: "metadata.annotations['note']",
      from: { fieldRef: { fieldPath: "metadata.annotations['note']" } },
      want: 'say "hi"\n',
    },
    { name: 'spec.nodeName', from: { fieldRef: { fieldPath: 'spec.nodeName' } }, want: 'node-a' },
    {
      name: 'spec.serviceAccountName',
      from: { fieldRef: { fieldPath: 'spec.serviceAccountName' } },
      want: 'builder',
    },
    { name: 'status.hostIP', from: { fieldRef: { fieldPath: 'status.hostIP' } }, want: '192.168.1.10' },
    { name: 'status.hostIPs', from: { fieldRef: { fieldPath: 'status.hostIPs' } }, want: '192.168.1.10' },
    { name: 'status.podIP', from: { fieldRef: { fieldPath: 'status.podIP' } }, want: '10.42.0.5' },
    { name: 'status.podIPs', from: { fieldRef: { fieldPath: 'status.podIPs' } }, want: '10.42.0.5' },
    {
      name: 'explicit apiVersion v1',
      from: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
      want: 'web-0',
    },
  ];
  it.each(cases)('$name', ({ from, want }) => {
    expect(envValue(podWith({ env: [{ name: 'V', valueFrom: from }] }), 'V')).toBe(want);
  });

  it('whole label and annotation maps are sorted key="value" lines with Go quoting', () => {
    const pod = podWith({
      env: [
        { name: 'L', valueFrom: { fieldRef: { fieldPath: 'metadata.labels' } } },
        { name: 'A', valueFrom: { fieldRef: { fieldPath: 'metadata.annotations' } } },
      ],
    });
    expect(envValue(pod, 'L')).toBe('app="web"\ntier="front"');
    expect(envValue(pod, 'A')).toBe('note="say \\"hi\\"\\n"');
  });

  it('a valueFrom value is not expanded', () => {
    const pod = podWith({
      env: [
        { name: 'A', value: 'a' },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'LOG_LEVEL' } } },
      ],
    });
    expect(envValue(pod, 'B')).toBe('debug');
  });
});

describe('resourceFieldRef', () => {
  const resources = {
    requests: { cpu: '250m', memory: '64Mi', 'ephemeral-storage': '1Gi' },
    limits: { cpu: '1500m', memory: '128Mi' },
  };
  const cases: Array<[string, string, string | undefined, string]> = [
    ['requests.cpu rounds up to whole cores', 'requests.cpu', undefined, '1'],
    ['requests.cpu in millicores', 'requests.cpu', '1m', '250'],
    ['limits.cpu 1.5 rounds up', 'limits.cpu', '1', '2'],
    ['limits.cpu in millicores', 'limits.cpu', '1m', '1500'],
    ['requests.memory in bytes', 'requests.memory', undefined, '67108864'],
    ['requests.memory in Mi', 'requests.memory', '1Mi', '64'],
    ['limits.memory in decimal M rounds up', 'limits.memory', '1M', '135'],
    ['limits.memory in Gi rounds up', 'limits.memory', '1Gi', '1'],
    ['requests.ephemeral-storage', 'requests.ephemeral-storage', '1Mi', '1024'],
    ['missing limit falls back to node allocatable', 'limits.ephemeral-storage', '1Gi', '100'],
    ['a zero divisor counts as 1', 'requests.cpu', '0', '1'],
  ];
  it.each(cases)('%s', (_name, resource, divisor, want) => {
    const pod = podWith({
      resources,
      env: [{ name: 'V', valueFrom: { resourceFieldRef: { resource, divisor } } }],
    });
    expect(envValue(pod, 'V')).toBe(want);
  });

  it('no limits at all: cpu and memory limits are the node allocatable', () => {
    const pod = podWith({
      env: [
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
        { name: 'REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
      ],
    });
    expect([envValue(pod, 'CPU'), envValue(pod, 'MEM'), envValue(pod, 'REQ')]).toEqual(['4', '8192', '0']);
  });

  it('requests default to the limits the container sets', () => {
    const pod = podWith({
      resources: { limits: { memory: '1Gi' } },
      env: [{ name: 'V', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } }],
    });
    expect(envValue(pod, 'V')).toBe('1024');
  });

  it('may name another container of the pod', () => {
    const pod = podWith({
      env: [
        {
          name: 'V',
          valueFrom: {
            resourceFieldRef: { containerName: 'side', resource: 'limits.memory', divisor: '1Mi' },
          },
        },
      ],
    });
    pod.spec!.containers.push({ name: 'side', image: 'busybox', resources: { limits: { memory: '32Mi' } } });
    expect(envValue(pod, 'V')).toBe('32');
  });
});

describe('service links', () => {
  const withServices = ctx({ listServices: (ns) => services.filter((s) => s.metadata?.namespace === ns) });

  it('adds the kubernetes service always and the namespace services when enabled', () => {
    const off = envOf(podWith({}), withServices);
    expect(off.map((e) => e.name)).toContain('KUBERNETES_SERVICE_HOST');
    expect(off.map((e) => e.name)).not.toContain('REDIS_MAIN_SERVICE_HOST');
    const on = Object.fromEntries(
      envOf(podWith({}, { enableServiceLinks: true }), withServices).map((e) => [e.name, e.value]),
    );
    expect(on).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.43.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.43.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.43.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.43.0.1',
      REDIS_MAIN_SERVICE_HOST: '10.43.0.7',
      REDIS_MAIN_SERVICE_PORT: '6379',
    });
    expect(Object.keys(on).some((k) => k.startsWith('HEADLESS') || k.startsWith('ELSEWHERE'))).toBe(false);
  });

  it('service vars can be referenced, and a declared var wins over a service var', () => {
    const pod = podWith({
      env: [
        { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
        { name: 'KUBERNETES_SERVICE_PORT', value: '8443' },
      ],
    });
    const env = envOf(pod, withServices);
    expect(env.find((e) => e.name === 'API')?.value).toBe('https://10.43.0.1:443');
    expect(env.filter((e) => e.name === 'KUBERNETES_SERVICE_PORT')).toEqual([
      { name: 'KUBERNETES_SERVICE_PORT', value: '8443' },
    ]);
  });
});

describe('command and args', () => {
  it('expand against the container env; unset stays undefined', () => {
    const pod = podWith({
      command: ['/bin/sh', '-c', 'echo $(GREETING) $$(date) $(NOPE)'],
      env: [{ name: 'GREETING', value: 'hello' }],
    });
    const config = resolveContainerConfig(pod, pod.spec!.containers[0], ctx());
    expect(config.command).toEqual(['/bin/sh', '-c', 'echo hello $(date) $(NOPE)']);
    expect(config.args).toBeUndefined();
    const argsOnly = podWith({ args: ['--level=$(LEVEL)'], env: [{ name: 'LEVEL', value: '3' }] });
    const c2 = resolveContainerConfig(argsOnly, argsOnly.spec!.containers[0], ctx());
    expect([c2.command, c2.args]).toEqual([undefined, ['--level=3']]);
  });
});

describe('errors are CreateContainerConfigError with the kubelet message', () => {
  const cases: Array<{ name: string; c: Partial<Container>; message: string }> = [
    {
      name: 'missing configmap (envFrom)',
      c: { envFrom: [{ configMapRef: { name: 'x' } }] },
      message: 'configmap "x" not found',
    },
    {
      name: 'missing secret (envFrom)',
      c: { envFrom: [{ secretRef: { name: 'x' } }] },
      message: 'secret "x" not found',
    },
    {
      name: 'missing configmap (keyRef)',
      c: { env: [{ name: 'V', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] },
      message: 'configmap "x" not found',
    },
    {
      name: 'missing key in configmap',
      c: { env: [{ name: 'V', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] },
      message: "couldn't find key k in ConfigMap ns/cfg",
    },
    {
      name: 'missing key in secret',
      c: { env: [{ name: 'V', valueFrom: { secretKeyRef: { name: 'creds', key: 'k' } } }] },
      message: "couldn't find key k in Secret ns/creds",
    },
    {
      name: 'missing key is an error even when the source is optional but present',
      c: { env: [{ name: 'V', valueFrom: { secretKeyRef: { name: 'creds', key: 'k', optional: false } } }] },
      message: "couldn't find key k in Secret ns/creds",
    },
    {
      name: 'unsupported field',
      c: { env: [{ name: 'V', valueFrom: { fieldRef: { fieldPath: 'spec.hostname' } } }] },
      message: 'field label not supported: spec.hostname',
    },
    {
      name: 'subscript on a field without one',
      c: { env: [{ name: 'V', valueFrom: { fieldRef: { fieldPath: "metadata.name['x']" } } }] },
      message: "field label does not support subscript: metadata.name['x']",
    },
    {
      name: 'unsupported resource',
      c: { env: [{ name: 'V', valueFrom: { resourceFieldRef: { resource: 'limits.gpu' } } }] },
      message: 'unsupported container resource : limits.gpu',
    },
    {
      name: 'unknown container in resourceFieldRef',
      c: {
        env: [
          { name: 'V', valueFrom: { resourceFieldRef: { containerName: 'nope', resource: 'limits.cpu' } } },
        ],
      },
      message: 'container nope not found',
    },
    {
      name: 'missing volume',
      c: { volumeMounts: [{ name: 'data', mountPath: '/data' }] },
      message: 'cannot find volume "data" to mount into container "app"',
    },
  ];
  it.each(cases)('$name', ({ c, message }) => {
    const pod = podWith(c);
    let caught: unknown;
    try {
      resolveContainerConfig(pod, pod.spec!.containers[0], ctx());
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ContainerStartError);
    expect((caught as ContainerStartError).reason).toBe('CreateContainerConfigError');
    expect((caught as Error).message).toBe(message);
  });
});

describe('mounts', () => {
  it('volumes, /etc/hosts and /etc/resolv.conf', () => {
    const pod = podWith({ volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] });
    const config = resolveContainerConfig(
      pod,
      pod.spec!.containers[0],
      ctx({
        volumePaths: new Map([['data', dir]]),
        etcHostsPath: '/pods/uid-1/etc-hosts',
        resolvConfPath: '/pods/uid-1/resolv.conf',
      }),
    );
    expect(config.mounts).toEqual([
      { containerPath: '/data', hostPath: dir, readOnly: true },
      { containerPath: '/etc/hosts', hostPath: '/pods/uid-1/etc-hosts', readOnly: false },
      { containerPath: '/etc/resolv.conf', hostPath: '/pods/uid-1/resolv.conf', readOnly: false },
    ]);
  });

  it('a container mounting its own /etc/hosts gets no managed one', () => {
    const pod = podWith({ volumeMounts: [{ name: 'data', mountPath: '/etc/hosts', subPath: 'hosts' }] });
    const config = resolveContainerConfig(
      pod,
      pod.spec!.containers[0],
      ctx({ volumePaths: new Map([['data', dir]]), etcHostsPath: '/pods/uid-1/etc-hosts' }),
    );
    expect(config.mounts.map((m) => m.containerPath)).toEqual(['/etc/hosts']);
  });
});
