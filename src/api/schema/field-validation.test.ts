import { describe, expect, it } from 'vitest';
import { isReason } from '../errors.js';
import {
  duplicateFields,
  fieldValidationDirective,
  patchStrictDecodingIssues,
  strictDecodingError,
  strictDecodingIssues,
  unknownFields,
  unknownFieldsInSchema,
  warningHeaderValue,
} from './field-validation.js';

function deployment(extra: { spec?: object; container?: object; metadata?: object } = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      labels: { app: 'web', 'example.com/tier': 'front' },
      annotations: { a: 'b' },
      ...extra.metadata,
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              ports: [{ containerPort: 80 }],
              resources: { limits: { cpu: '500m', memory: 1024 } },
              readinessProbe: { httpGet: { port: 'http', path: '/' } },
              ...extra.container,
            },
          ],
        },
      },
      ...extra.spec,
    },
  };
}

describe('unknownFields', () => {
  const cases = [
    { name: 'a valid deployment has none', obj: deployment(), want: [] },
    {
      name: 'a misspelt spec field is reported',
      obj: deployment({ spec: { replicass: 3 } }),
      want: ['spec.replicass'],
    },
    {
      name: 'a misspelt container field is reported with its list index',
      obj: deployment({ container: { imagee: 'x' } }),
      want: ['spec.template.spec.containers[0].imagee'],
    },
    {
      name: 'metadata is checked against ObjectMeta',
      obj: deployment({ metadata: { unknownMeta: 1 } }),
      want: ['metadata.unknownMeta'],
    },
    {
      name: 'nothing inside an unknown field is looked at',
      obj: deployment({ spec: { extra: { deeper: { still: 1 } } } }),
      want: ['spec.extra'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(unknownFields(c.obj, 'apps', 'v1', 'Deployment')).toEqual(c.want);
    });
  }

  it('accepts any key in ConfigMap data', () => {
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { 'any.key': 'v', other: 'w' },
    };
    expect(unknownFields(cm, '', 'v1', 'ConfigMap')).toEqual([]);
  });

  it('does not look inside RawExtension values', () => {
    const rev = {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'r' },
      revision: 1,
      data: { x: 1 },
    };
    expect(unknownFields(rev, 'apps', 'v1', 'ControllerRevision')).toEqual([]);
  });

  it('reports nothing for kinds without a schema', () => {
    expect(unknownFields({ spec: { anything: 1 } }, 'stable.example.com', 'v1', 'CronTab')).toEqual([]);
  });

  it('honours x-kubernetes-preserve-unknown-fields in custom schemas', () => {
    const schema = {
      type: 'object',
      properties: {
        spec: { type: 'object', properties: { known: { type: 'string' } } },
        raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    };
    expect(unknownFieldsInSchema({ spec: { known: 'a', other: 1 }, raw: { free: 1 } }, schema)).toEqual([
      'spec.other',
    ]);
  });
});

describe('duplicateFields', () => {
  const cases = [
    { name: 'no duplicates', json: '{"a":1,"b":{"c":2}}', want: [] },
    { name: 'a top-level duplicate', json: '{"a":1,"a":2}', want: ['a'] },
    {
      name: 'a nested duplicate carries its path',
      json: '{"metadata":{"name":"x","name":"y"}}',
      want: ['metadata.name'],
    },
    {
      name: 'duplicates inside list elements carry the index',
      json: '{"spec":{"containers":[{"name":"a"},{"name":"b","image":"x","image":"y"}]}}',
      want: ['spec.containers[1].image'],
    },
    { name: 'the same key in sibling objects is not a duplicate', json: '[{"a":1},{"a":2}]', want: [] },
    { name: 'escaped keys are compared decoded', json: '{"a\\u0062":1,"ab":2}', want: ['ab'] },
    {
      name: 'strings containing braces and quotes do not confuse it',
      json: '{"a":"}{\\"","a":"x"}',
      want: ['a'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(duplicateFields(c.json)).toEqual(c.want);
    });
  }

  it('returns what it found before a syntax error', () => {
    expect(duplicateFields('{"a":1,"a":2,')).toEqual(['a']);
  });
});

describe('strictDecodingIssues', () => {
  it('lists unknown and duplicate fields in document order as kube-apiserver does', () => {
    const body = `{
      "apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "a", "name": "b", "unknownMeta": 1, "labels": {"app": "x"}},
      "spec": {
        "unknown1": 1, "unknownDupe": 1, "unknownDupe": 2, "paused": true, "paused": false,
        "selector": {"matchLabels": {"app": "x"}},
        "template": {"spec": {"containers": [
          {"name": "c", "image": "i", "unknownNested": 1, "imagePullPolicy": "Always", "imagePullPolicy": "Never"}
        ]}}
      }
    }`;
    expect(strictDecodingIssues(body, 'apps', 'v1', 'Deployment')).toEqual([
      'duplicate field "metadata.name"',
      'unknown field "metadata.unknownMeta"',
      'unknown field "spec.unknown1"',
      'unknown field "spec.unknownDupe"',
      'duplicate field "spec.paused"',
      'unknown field "spec.template.spec.containers[0].unknownNested"',
      'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
    ]);
  });

  it('accepts int-or-string values and label maps', () => {
    const json = JSON.stringify(deployment());
    expect(strictDecodingIssues(json, 'apps', 'v1', 'Deployment')).toEqual([]);
  });

  it('reports duplicate map keys', () => {
    const body = '{"metadata":{"labels":{"app":"a","app":"b"}}}';
    expect(strictDecodingIssues(body, 'apps', 'v1', 'Deployment')).toEqual([
      'duplicate field "metadata.labels.app"',
    ]);
  });
});

describe('patchStrictDecodingIssues', () => {
  it('lists patch duplicates first, then unknown fields of the result in key order', () => {
    const patch = `{"spec": {"unknown1": 1, "unknownDupe": 1, "unknownDupe": 2, "paused": true, "paused": false,
      "template": {"spec": {"containers": [{"name": "web", "unknownNested": 1, "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}}`;
    const patched = deployment({
      spec: { unknown1: 1, unknownDupe: 2, paused: false },
      container: { unknownNested: 1, imagePullPolicy: 'Never' },
    });
    expect(patchStrictDecodingIssues(patch, patched, 'apps', 'v1', 'Deployment')).toEqual([
      'duplicate field "spec.unknownDupe"',
      'duplicate field "spec.paused"',
      'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
      'unknown field "spec.template.spec.containers[0].unknownNested"',
      'unknown field "spec.unknown1"',
      'unknown field "spec.unknownDupe"',
    ]);
  });
});

describe('messages', () => {
  it('builds the BadRequest kube-apiserver returns for a Strict create', () => {
    const err = strictDecodingError('Deployment', 'v1', ['unknown field "spec.replicass"']);
    expect(isReason(err, 'BadRequest')).toBe(true);
    expect(err.code).toBe(400);
    expect(err.message).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replicass"',
    );
  });

  it('quotes warning text for the Warning header', () => {
    expect(warningHeaderValue('unknown field "spec.foo"')).toBe('299 - "unknown field \\"spec.foo\\""');
  });

  const directives = [
    { param: undefined, want: 'Warn' },
    { param: '', want: 'Warn' },
    { param: 'Strict', want: 'Strict' },
    { param: 'Ignore', want: 'Ignore' },
    { param: 'strict', want: undefined },
  ];
  for (const d of directives) {
    it(`reads fieldValidation=${d.param} as ${d.want}`, () => {
      expect(fieldValidationDirective(d.param)).toBe(d.want);
    });
  }
});
