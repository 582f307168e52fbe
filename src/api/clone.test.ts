import { describe, expect, it } from 'vitest';
import { cloneJSON } from './clone.js';

describe('cloneJSON', () => {
  it('copies nested objects and arrays without sharing them', () => {
    const pod = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }], nodeName: null },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const copy = cloneJSON(pod);
    expect(copy).toEqual(pod);
    copy.spec.containers[0].ports[0].containerPort = 8080;
    copy.metadata.labels.app = 'other';
    expect(pod.spec.containers[0].ports[0].containerPort).toBe(80);
    expect(pod.metadata.labels.app).toBe('web');
    expect(cloneJSON('x')).toBe('x');
    expect(cloneJSON(null)).toBeNull();
  });

  it('keeps a "__proto__" key as data, never as the copy\'s prototype', () => {
    const parsed = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = cloneJSON(parsed);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__', 'a']);
  });

  it('falls back to structuredClone for values that are not plain JSON', () => {
    const when = new Date(0);
    const copy = cloneJSON({ when });
    expect(copy.when).toBeInstanceOf(Date);
    expect(copy.when).not.toBe(when);
  });
});
