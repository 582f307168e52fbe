/**
 * Round trips of the objects kubectl's typed clients send, through the test encoder and back, plus
 * the BadRequest cases for malformed bodies and kinds without a schema.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { decodeKubernetesProtobuf } from './index.js';
import { encodeDocument, encodeMessage, Writer } from './test-encoder.js';

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'busybox',
            image: 'busybox',
            resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '128Mi' } },
          },
        ],
      },
    },
    strategy: {},
  },
  status: {},
};

const secret = {
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'creds', namespace: 'default', creationTimestamp: null },
  immutable: false,
  data: { 'key.bin': Buffer.from([0, 1, 2, 0xff, 0xfe]).toString('base64'), password: 'czNjcjN0' },
  type: 'Opaque',
};

const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings', creationTimestamp: null, annotations: { note: 'ünïcode ✓' } },
  data: { 'app.properties': 'a=1\nb=2\n', empty: '' },
  binaryData: { 'logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64') },
};

const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', creationTimestamp: null, labels: { app: 'web' } },
  spec: {
    ports: [
      { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
      { name: 'https', protocol: 'TCP', port: 443, targetPort: 'https' },
    ],
    selector: { app: 'web' },
    type: 'ClusterIP',
  },
  status: { loadBalancer: {} },
};

const eviction = {
  apiVersion: 'policy/v1',
  kind: 'Eviction',
  metadata: { name: 'web-1', namespace: 'default', creationTimestamp: null },
  deleteOptions: { gracePeriodSeconds: 0, dryRun: ['All'] },
};

const namespace = {
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'dev', creationTimestamp: null, labels: { team: 'a' } },
  spec: {},
  status: {},
};

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'p',
    creationTimestamp: '2026-01-02T03:04:05Z',
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u-1', controller: true },
    ],
    managedFields: [
      {
        manager: 'kubectl',
        operation: 'Update',
        apiVersion: 'v1',
        time: '2026-01-02T03:04:05Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:containers': {} } },
      },
    ],
  },
  spec: {
    volumes: [
      {
        name: 'cfg',
        configMap: { name: 'settings', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 420 },
      },
      { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
    ],
    containers: [
      {
        name: 'app',
        image: 'nginx:1.27',
        command: ['nginx', '-g', 'daemon off;'],
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
        env: [
          { name: 'PLAIN', value: 'x' },
          {
            name: 'FROM_SECRET',
            valueFrom: { secretKeyRef: { name: 'creds', key: 'password', optional: true } },
          },
        ],
        envFrom: [{ configMapRef: { name: 'settings' } }],
        volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
        readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 5 },
        livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 3 },
        securityContext: { runAsUser: 0, allowPrivilegeEscalation: false },
      },
    ],
    terminationGracePeriodSeconds: 0,
    priority: -5,
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    securityContext: { supplementalGroups: [1000, 2000] },
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }],
        },
      },
    },
  },
};

const cronJob = {
  apiVersion: 'batch/v1',
  kind: 'CronJob',
  metadata: { name: 'nightly', creationTimestamp: null },
  spec: {
    schedule: '0 3 * * *',
    jobTemplate: {
      metadata: { name: 'nightly', creationTimestamp: null },
      spec: {
        template: {
          metadata: { creationTimestamp: null },
          spec: {
            containers: [{ name: 'job', image: 'busybox', resources: {} }],
            restartPolicy: 'OnFailure',
          },
        },
      },
    },
  },
  status: {},
};

const lease = {
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'node-1', namespace: 'kube-node-lease', creationTimestamp: null },
  spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2026-01-02T03:04:05.123456Z' },
};

const ingress = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'web', creationTimestamp: null },
  spec: {
    rules: [
      {
        host: 'example.test',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } },
          ],
        },
      },
    ],
  },
  status: { loadBalancer: {} },
};

const cases: [string, Record<string, unknown>, string][] = [
  ['a Deployment as kubectl create deployment builds it', deployment, 'apps.v1.Deployment'],
  ['a Secret with binary data and an explicit immutable: false', secret, 'core.v1.Secret'],
  ['a ConfigMap with data, binaryData and non-ASCII annotations', configMap, 'core.v1.ConfigMap'],
  ['a Service with numeric and named target ports', service, 'core.v1.Service'],
  ['an Eviction with gracePeriodSeconds 0', eviction, 'policy.v1.Eviction'],
  ['a Namespace', namespace, 'core.v1.Namespace'],
  ['a Pod with inline volume sources, probes, negative ints and managed fields', pod, 'core.v1.Pod'],
  ['a CronJob with a job template', cronJob, 'batch.v1.CronJob'],
  ['a Lease with a MicroTime', lease, 'coordination.v1.Lease'],
  ['an Ingress with an inline rule value', ingress, 'networking.v1.Ingress'],
];

describe('decodeKubernetesProtobuf round trips', () => {
  it.each(cases)('decodes %s', (_name, object, message) => {
    const decoded = decodeKubernetesProtobuf(encodeDocument(object, message));
    expect(decoded.apiVersion).toBe(object.apiVersion);
    expect(decoded.kind).toBe(object.kind);
    expect(decoded.object).toEqual(object);
  });

  it('decodes repeated numbers whether packed or not', () => {
    const packed = decodeKubernetesProtobuf(encodeDocument(pod, 'core.v1.Pod', { packed: true }));
    expect(packed.object).toEqual(pod);
  });

  it('decodes DeleteOptions sent under any group version as meta/v1 DeleteOptions', () => {
    const options = {
      apiVersion: 'apps/v1',
      kind: 'DeleteOptions',
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'abc', resourceVersion: '7' },
    };
    expect(decodeKubernetesProtobuf(encodeDocument(options, 'meta.v1.DeleteOptions')).object).toEqual(
      options,
    );
  });

  it('decodes a ControllerRevision whose RawExtension holds JSON', () => {
    const rev = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'r1', creationTimestamp: null },
      data: { spec: { template: { spec: { containers: [{ name: 'a' }] } } } },
      revision: 2,
    };
    expect(decodeKubernetesProtobuf(encodeDocument(rev, 'apps.v1.ControllerRevision')).object).toEqual(rev);
  });
});

describe('Go zero-value rules', () => {
  /** DeploymentSpec as gogo writes it: every non-pointer scalar present even when zero. */
  const spec = new Writer()
    .tag(1, 0)
    .varint(0) // replicas: *int32, set to 0
    .tag(5, 0)
    .varint(0) // minReadySeconds: int32
    .tag(7, 0)
    .varint(0) // paused: bool
    .bytes(4, new Writer().string(1, '').finish()) // strategy {type: ""}
    .finish();
  const body = (raw: Uint8Array) =>
    Buffer.concat([
      Buffer.from('k8s\0'),
      new Writer()
        .bytes(1, new Writer().string(1, 'apps/v1').string(2, 'Deployment').finish())
        .bytes(2, raw)
        .finish(),
    ]);

  it('keeps a pointer scalar set to zero and drops zero non-pointer scalars', () => {
    const raw = new Writer().bytes(2, spec).finish();
    expect(decodeKubernetesProtobuf(body(raw)).object).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: { replicas: 0, strategy: {} },
    });
  });

  it('skips fields the table does not know, of every wire type', () => {
    const unknown = new Writer()
      .tag(90, 0)
      .varint(-1)
      .tag(91, 1)
      .raw(new Uint8Array(8))
      .bytes(92, Buffer.from('x'))
      .tag(93, 5)
      .raw(new Uint8Array(4))
      .finish();
    const raw = new Writer().raw(unknown).bytes(2, spec).raw(unknown).finish();
    expect(decodeKubernetesProtobuf(body(raw)).object).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: { replicas: 0, strategy: {} },
    });
  });
});

function badRequest(body: Uint8Array): ApiError {
  try {
    decodeKubernetesProtobuf(body);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe('BadRequest');
    expect((err as ApiError).code).toBe(400);
    return err as ApiError;
  }
  throw new Error('expected a BadRequest');
}

const envelope = (apiVersion: string, kind: string, raw: Uint8Array, extra?: (w: Writer) => void) => {
  const w = new Writer().bytes(1, new Writer().string(1, apiVersion).string(2, kind).finish()).bytes(2, raw);
  extra?.(w);
  return Buffer.concat([Buffer.from('k8s\0'), w.finish()]);
};
const nsRaw = encodeMessage({ metadata: { name: 'x' } }, 'core.v1.Namespace');

describe('malformed bodies are BadRequest', () => {
  const bad: [string, Uint8Array, RegExp][] = [
    ['an empty body', new Uint8Array(0), /prefix/],
    ['a JSON body', Buffer.from('{"kind":"Namespace"}'), /prefix/],
    [
      'a wrong magic byte',
      Buffer.concat([Buffer.from('k8s\x01'), envelope('v1', 'Namespace', nsRaw).subarray(4)]),
      /prefix/,
    ],
    [
      'a truncated varint',
      Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x28, 0xff, 0xff])]),
      /end of input/,
    ],
    ['a length running past the end', envelope('v1', 'Namespace', nsRaw).subarray(0, 20), /end of input/],
    [
      'an 11-byte varint',
      Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x28, ...Array(10).fill(0xff), 1])]),
      /10 bytes/,
    ],
    ['a group wire type', Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0b])]), /wire type 3/],
    ['a field number 0', Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x02, 0x00])]), /field key/],
    ['no kind', envelope('v1', '', nsRaw), /no kind/],
    [
      'a string field sent as a varint',
      envelope('v1', 'Namespace', Buffer.from([0x0a, 0x02, 0x08, 0x01])),
      /wire type 0/,
    ],
    [
      'invalid UTF-8 in a string',
      envelope(
        'v1',
        'Namespace',
        new Writer().bytes(1, new Writer().bytes(1, Buffer.from([0xc3, 0x28])).finish()).finish(),
      ),
      /UTF-8/,
    ],
    [
      'a gzip content encoding',
      envelope('v1', 'Namespace', nsRaw, (w) => w.string(3, 'gzip')),
      /content encoding/,
    ],
  ];
  it.each(bad)('rejects %s', (_name, body, message) => {
    expect(badRequest(body).message).toMatch(message);
  });
});

describe('kinds without a protobuf schema are BadRequest suggesting JSON', () => {
  const kinds: [string, string][] = [
    ['apps/v1', 'Frobnicator'],
    ['example.com/v1', 'Widget'],
    ['apps/v1beta9', 'Deployment'],
    ['v1', 'PodSpec'],
  ];
  it.each(kinds)('rejects %s %s', (apiVersion, kind) => {
    const err = badRequest(envelope(apiVersion, kind, new Uint8Array(0)));
    expect(err.message).toContain(`${kind} in ${apiVersion} is not supported in protobuf`);
    expect(err.message).toContain('application/json');
  });
});
