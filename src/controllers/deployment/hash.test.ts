/** The pod-template-hash: stable, order-independent, collision-count aware. */
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  fnv32a,
  podTemplateHash,
  podTemplateHashLabel,
  templatesEqualIgnoringHash,
} from './hash.js';

const template = {
  metadata: { labels: { app: 'web', tier: 'front' } },
  spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] },
};

describe('podTemplateHash', () => {
  it('uses only the safe alphabet, at most 10 characters', () => {
    expect(podTemplateHash(template)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('is the same for the same template whatever the key order', () => {
    const reordered = {
      spec: { containers: [{ image: 'nginx:1.25', name: 'app' }] },
      metadata: { labels: { tier: 'front', app: 'web' } },
    };
    expect(podTemplateHash(reordered)).toBe(podTemplateHash(template));
  });

  it('changes when the template or the collision count changes', () => {
    const other = structuredClone(template);
    other.spec.containers[0].image = 'nginx:1.26';
    expect(podTemplateHash(other)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template));
    expect(podTemplateHash(template, 1)).not.toBe(podTemplateHash(template, 2));
  });

  it('computes FNV-1a as published (offset basis for no input, "a" → 0xe40c292c)', () => {
    expect(fnv32a(new Uint8Array())).toBe(0x811c9dc5);
    expect(fnv32a(new TextEncoder().encode('a'))).toBe(0xe40c292c);
  });

  it('serializes canonically', () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
  });
});

describe('templatesEqualIgnoringHash', () => {
  const cases = [
    {
      name: 'a ReplicaSet template with the hash label equals the deployment template',
      other: withHash(template),
      want: true,
    },
    {
      name: 'a different image is a different template',
      other: { ...template, spec: { containers: [{ name: 'app', image: 'x' }] } },
      want: false,
    },
    {
      name: 'a template annotation (rollout restart) makes a different template',
      other: {
        ...template,
        metadata: { ...template.metadata, annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' } },
      },
      want: false,
    },
  ];
  for (const c of cases) it(c.name, () => expect(templatesEqualIgnoringHash(template, c.other)).toBe(c.want));
});

function withHash(t: typeof template) {
  const copy = structuredClone(t);
  (copy.metadata.labels as Record<string, string>)[podTemplateHashLabel] = 'abc';
  return copy;
}
