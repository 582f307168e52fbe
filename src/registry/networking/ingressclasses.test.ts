import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { copy, create, messages, TEST_NOW, update } from '../apps/testkit.js';
import { ingressClassStrategy as s } from './ingressclasses.js';

const ingressClass = (spec: Record<string, unknown>): KObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name: 'nginx' },
  spec,
});

describe('ingressclasses', () => {
  it('defaults the parameters scope to Cluster', () => {
    const { obj, errors } = create(
      s,
      ingressClass({
        controller: 'k8s.io/ingress-nginx',
        parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p' },
      }),
    );
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({ parameters: { scope: 'Cluster' } });
    expect(s.row?.(obj, TEST_NOW)).toEqual([
      'nginx',
      'k8s.io/ingress-nginx',
      'Params.k8s.example.com/p',
      '60m',
    ]);
  });

  it('requires a domain-prefixed controller', () => {
    expect(messages(create(s, ingressClass({})).errors)).toEqual(['spec.controller: Required value']);
    expect(messages(create(s, ingressClass({ controller: 'nginx' })).errors)).toEqual([
      'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
  });

  it('requires a namespace for namespaced parameters', () => {
    const obj = ingressClass({
      controller: 'k8s.io/x',
      parameters: { kind: 'P', name: 'p', scope: 'Namespace' },
    });
    expect(messages(create(s, obj).errors)).toEqual([
      'spec.parameters.namespace: Required value: `parameters.scope` is set to Namespace',
    ]);
  });

  it('keeps the controller immutable', () => {
    const old = create(s, ingressClass({ controller: 'k8s.io/ingress-nginx' })).obj;
    const next = copy(old);
    (next.spec as { controller: string }).controller = 'traefik.io/ingress-controller';
    expect(messages(update(s, next, old))).toEqual([
      'spec.controller: Invalid value: "traefik.io/ingress-controller": field is immutable',
    ]);
  });
});
