import { describe, expect, it } from 'vitest';
import { mergeList, metaFrom } from './test-meta.js';

describe('metaFrom builds PatchMeta from a plain description', () => {
  const meta = metaFrom({
    spec: {
      containers: mergeList('name', { env: mergeList('name') }),
      strategy: { $strategy: 'retainKeys' },
    },
    metadata: { labels: { $values: {} }, finalizers: mergeList() },
  });

  it('walks fields, list items and map values', () => {
    const containers = meta.field('spec')?.field('containers');
    expect(containers?.patchStrategy).toBe('merge');
    expect(containers?.patchMergeKey).toBe('name');
    expect(containers?.items()?.field('env')?.patchMergeKey).toBe('name');
    expect(meta.field('metadata')?.field('labels')?.values()).toBeDefined();
    expect(meta.field('spec')?.field('strategy')?.patchStrategy).toBe('retainKeys');
  });

  it('answers undefined for undescribed fields and never exposes the $ entries as fields', () => {
    expect(meta.field('status')).toBeUndefined();
    expect(meta.field('spec')?.field('containers')?.field('$items')).toBeUndefined();
    expect(meta.field('metadata')?.field('finalizers')?.patchMergeKey).toBeUndefined();
    expect(meta.field('spec')?.items()).toBeUndefined();
  });
});
