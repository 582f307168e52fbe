import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { copy, create, messages, object, podTemplate, TEST_NOW, update } from '../apps/testkit.js';
import { jobStrategy as s } from './jobs.js';

const UID = '6f1d3c1e-0000-4000-8000-000000000001';

function job(spec: Record<string, unknown> = {}): KObject {
  return object('batch/v1', 'Job', 'pi', { template: podTemplate({}, 'Never'), ...spec });
}

describe('jobs', () => {
  it('fills Kubernetes defaults and generates the controller-uid selector', () => {
    const { obj, errors } = create(s, job());
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': UID } },
      template: {
        metadata: {
          labels: {
            'batch.kubernetes.io/controller-uid': UID,
            'batch.kubernetes.io/job-name': 'pi',
            'controller-uid': UID,
            'job-name': 'pi',
          },
        },
      },
    });
    expect(obj.metadata.labels).toEqual({
      'batch.kubernetes.io/controller-uid': UID,
      'batch.kubernetes.io/job-name': 'pi',
      'controller-uid': UID,
      'job-name': 'pi',
    });
    expect(obj.status).toEqual({});
  });

  it('defaults only parallelism when completions is set', () => {
    const { obj } = create(s, job({ completions: 5 }));
    expect(obj.spec).toMatchObject({ completions: 5, parallelism: 1 });
    const { obj: workQueue } = create(s, job({ parallelism: 3 }));
    expect((workQueue.spec as Record<string, unknown>).completions).toBeUndefined();
  });

  const invalid: Array<{ name: string; spec: Record<string, unknown>; want: string }> = [
    {
      name: 'pods of a job may not restart Always',
      spec: { template: podTemplate({}) },
      want: 'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    },
    {
      name: 'a forged controller-uid selector is rejected',
      spec: { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'other' } } },
      want: 'spec.selector: Invalid value: {"matchLabels":{"batch.kubernetes.io/controller-uid":"other"}}: `selector` not auto-generated',
    },
    {
      name: 'a manual selector must match the template',
      spec: { manualSelector: true, selector: { matchLabels: { app: 'pi' } } },
      want: 'spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`',
    },
    {
      name: 'a manual selector is required',
      spec: { manualSelector: true, template: podTemplate({ app: 'pi' }, 'Never') },
      want: 'spec.selector: Required value',
    },
    {
      name: 'an Indexed job needs completions',
      spec: { completionMode: 'Indexed', parallelism: 2 },
      want: 'spec.completions: Required value: when completion mode is Indexed',
    },
    {
      name: 'a negative backoff limit is invalid',
      spec: { backoffLimit: -1 },
      want: 'spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, job(c.spec)).errors)).toContain(c.want);
    });
  }

  it('keeps the template immutable once the job may have started', () => {
    const old = create(s, job()).obj;
    const next = copy(old);
    (
      next.spec as { template: { spec: { containers: Array<{ image: string }> } } }
    ).template.spec.containers[0].image = 'perl:5.34';
    expect(messages(update(s, next, old))).toEqual([
      expect.stringMatching(/^spec\.template: Invalid value: .*: field is immutable$/),
    ]);
  });

  it('lets a suspended job that never started change its template', () => {
    const old = create(s, job({ suspend: true })).obj;
    const next = copy(old);
    (next.spec as { template: { spec: Record<string, unknown> } }).template.spec.nodeSelector = { zone: 'a' };
    (next.spec as { suspend: boolean }).suspend = false;
    expect(update(s, next, old)).toEqual([]);
  });

  it('keeps completions immutable except for elastic indexed jobs', () => {
    const old = create(s, job({ completions: 2 })).obj;
    const next = copy(old);
    (next.spec as { completions: number }).completions = 3;
    expect(messages(update(s, next, old))).toEqual([
      'spec.completions: Invalid value: 3: field is immutable',
    ]);
    const indexed = create(s, job({ completionMode: 'Indexed', completions: 2, parallelism: 2 })).obj;
    const scaled = copy(indexed);
    Object.assign(scaled.spec as object, { completions: 4, parallelism: 4 });
    expect(update(s, scaled, indexed)).toEqual([]);
  });

  const rows: Array<{
    name: string;
    spec?: Record<string, unknown>;
    status: Record<string, unknown>;
    want: unknown[];
  }> = [
    {
      name: 'a running job shows its elapsed duration',
      status: { startTime: '2024-05-01T11:58:30Z', active: 1 },
      want: ['Running', '0/1', '90s'],
    },
    {
      name: 'a complete job shows the time it took',
      status: {
        startTime: '2024-05-01T11:00:00Z',
        completionTime: '2024-05-01T11:00:12Z',
        succeeded: 1,
        conditions: [{ type: 'Complete', status: 'True' }],
      },
      want: ['Complete', '1/1', '12s'],
    },
    {
      name: 'a work-queue job shows parallelism',
      spec: { parallelism: 3 },
      status: { conditions: [{ type: 'Failed', status: 'True' }] },
      want: ['Failed', '0/1 of 3', ''],
    },
  ];
  for (const r of rows) {
    it(r.name, () => {
      const { obj } = create(s, job(r.spec));
      obj.status = r.status;
      const row = s.row?.(obj, TEST_NOW) ?? [];
      expect(row.slice(1, 4)).toEqual(r.want);
      expect(row[0]).toBe('pi');
      expect(row[7]).toBe(`batch.kubernetes.io/controller-uid=${UID}`);
    });
  }

  it('selects on status.successful', () => {
    const { obj } = create(s, job());
    obj.status = { succeeded: 2 };
    expect(s.fieldSelectors?.['status.successful'](obj)).toBe('2');
  });
});
