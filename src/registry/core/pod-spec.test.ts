import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { defaultPodSpec, defaultPullPolicy, validatePodSpec, validatePodTemplate } from './pod-spec.js';

function spec(over: Partial<PodSpec> = {}): PodSpec {
  return { containers: [{ name: 'web', image: 'nginx:1.27' }], ...over };
}

describe('defaultPodSpec', () => {
  it('fills the pod-level and container defaults Kubernetes applies', () => {
    const s = spec({
      containers: [
        {
          name: 'web',
          image: 'nginx',
          ports: [{ containerPort: 80 }],
          livenessProbe: { httpGet: { port: 80 } },
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        },
      ],
      volumes: [{ name: 'cfg', configMap: { name: 'c' } }, { name: 'scratch' }],
    });
    defaultPodSpec(s);
    expect(s).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
    });
    const c = s.containers[0];
    expect(c).toMatchObject({
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      imagePullPolicy: 'Always',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    expect(c.livenessProbe).toMatchObject({
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
      httpGet: { path: '/', scheme: 'HTTP' },
    });
    expect(c.env?.[0].valueFrom?.fieldRef?.apiVersion).toBe('v1');
    expect(s.volumes?.[0].configMap?.defaultMode).toBe(420);
    expect(s.volumes?.[1].emptyDir).toEqual({});
  });

  const pullCases: Array<[string, string]> = [
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost:5000/app', 'Always'],
    ['localhost:5000/app:v1', 'IfNotPresent'],
    ['nginx@sha256:abcd', 'IfNotPresent'],
  ];
  for (const [image, policy] of pullCases) {
    it(`pulls ${image} with ${policy}`, () => {
      expect(defaultPullPolicy(image)).toBe(policy);
    });
  }
});

describe('validatePodSpec', () => {
  const cases: Array<{ name: string; spec: PodSpec; errors: Array<[string, string]> }> = [
    { name: 'a minimal pod spec is valid', spec: spec(), errors: [] },
    {
      name: 'a pod needs at least one container',
      spec: { containers: [] },
      errors: [['spec.containers', 'FieldValueRequired']],
    },
    {
      name: 'a container needs an image',
      spec: spec({ containers: [{ name: 'web' }] }),
      errors: [['spec.containers[0].image', 'FieldValueRequired']],
    },
    {
      name: 'container names must be DNS labels',
      spec: spec({ containers: [{ name: 'Web_1', image: 'x' }] }),
      errors: [['spec.containers[0].name', 'FieldValueInvalid']],
    },
    {
      name: 'container names are unique across init and app containers',
      spec: spec({ initContainers: [{ name: 'web', image: 'x' }] }),
      errors: [['spec.containers[0].name', 'FieldValueDuplicate']],
    },
    {
      name: 'port names are unique within a container',
      spec: spec({
        containers: [
          {
            name: 'web',
            image: 'x',
            ports: [
              { name: 'http', containerPort: 80, protocol: 'TCP' },
              { name: 'http', containerPort: 81, protocol: 'TCP' },
            ],
          },
        ],
      }),
      errors: [['spec.containers[0].ports[1].name', 'FieldValueDuplicate']],
    },
    {
      name: 'container ports must be in range',
      spec: spec({
        containers: [{ name: 'web', image: 'x', ports: [{ containerPort: 70000, protocol: 'TCP' }] }],
      }),
      errors: [['spec.containers[0].ports[0].containerPort', 'FieldValueInvalid']],
    },
    {
      name: 'env names must be valid',
      spec: spec({ containers: [{ name: 'web', image: 'x', env: [{ name: '1BAD', value: 'v' }] }] }),
      errors: [['spec.containers[0].env[0].name', 'FieldValueInvalid']],
    },
    {
      name: 'restartPolicy is an enum',
      spec: spec({ restartPolicy: 'Sometimes' }),
      errors: [['spec.restartPolicy', 'FieldValueNotSupported']],
    },
    {
      name: 'dnsPolicy is an enum',
      spec: spec({ dnsPolicy: 'Google' }),
      errors: [['spec.dnsPolicy', 'FieldValueNotSupported']],
    },
    {
      name: 'volume names are unique',
      spec: spec({
        volumes: [
          { name: 'v', emptyDir: {} },
          { name: 'v', emptyDir: {} },
        ],
      }),
      errors: [['spec.volumes[1].name', 'FieldValueDuplicate']],
    },
    {
      name: 'a volume has exactly one source',
      spec: spec({ volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/x' } }] }),
      errors: [['spec.volumes[0].emptyDir', 'FieldValueForbidden']],
    },
    {
      name: 'a volume mount names an existing volume',
      spec: spec({
        containers: [{ name: 'web', image: 'x', volumeMounts: [{ name: 'nope', mountPath: '/d' }] }],
      }),
      errors: [['spec.containers[0].volumeMounts[0].name', 'FieldValueInvalid']],
    },
    {
      name: 'requests may not exceed limits',
      spec: spec({
        containers: [
          { name: 'web', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } } },
        ],
      }),
      errors: [['spec.containers[0].resources.requests[cpu]', 'FieldValueInvalid']],
    },
    {
      name: 'resource quantities must parse',
      spec: spec({ containers: [{ name: 'web', image: 'x', resources: { limits: { memory: '1Gb' } } }] }),
      errors: [['spec.containers[0].resources.limits[memory]', 'FieldValueInvalid']],
    },
    {
      name: 'a probe needs a handler',
      spec: spec({ containers: [{ name: 'web', image: 'x', readinessProbe: { periodSeconds: 5 } }] }),
      errors: [['spec.containers[0].readinessProbe', 'FieldValueRequired']],
    },
    {
      name: 'a probe may not have two handlers',
      spec: spec({
        containers: [
          {
            name: 'web',
            image: 'x',
            livenessProbe: { exec: { command: ['true'] }, tcpSocket: { port: 80 } },
          },
        ],
      }),
      errors: [['spec.containers[0].livenessProbe.tcpSocket', 'FieldValueForbidden']],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const errs = validatePodSpec(c.spec, 'spec');
      expect(errs.map((e) => [e.field, e.type])).toEqual(c.errors);
    });
  }

  it('words the request-over-limit error as Kubernetes does', () => {
    const errs = validatePodSpec(
      spec({
        containers: [
          { name: 'web', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
        ],
      }),
      'spec',
    );
    expect(errs[0].message).toBe('Invalid value: "2": must be less than or equal to cpu limit of 1');
  });
});

describe('validatePodTemplate', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: spec() };

  it('accepts labels that the selector matches', () => {
    expect(validatePodTemplate(template, 'spec.template', { matchLabels: { app: 'web' } })).toEqual([]);
  });

  it('rejects labels the selector does not match', () => {
    const errs = validatePodTemplate(template, 'spec.template', { matchLabels: { app: 'api' } });
    expect(errs).toEqual([
      {
        type: 'FieldValueInvalid',
        field: 'spec.template.metadata.labels',
        message: 'Invalid value: {"app":"web"}: `selector` does not match template `labels`',
      },
    ]);
  });

  it('requires a template and reports spec errors under its path', () => {
    expect(validatePodTemplate(undefined, 'spec.template')[0]).toMatchObject({
      field: 'spec.template',
      type: 'FieldValueRequired',
    });
    const errs = validatePodTemplate({ metadata: {}, spec: { containers: [] } }, 'spec.template');
    expect(errs.map((e) => e.field)).toEqual(['spec.template.spec.containers']);
  });
});
