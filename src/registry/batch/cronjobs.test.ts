import { describe, expect, it } from 'vitest';
import type { KObject } from '../../api/object.js';
import { create, messages, object, podTemplate, TEST_NOW } from '../apps/testkit.js';
import { isValidTimeZone, cronJobStrategy as s } from './cronjobs.js';

function cronJob(spec: Record<string, unknown> = {}): KObject {
  return object('batch/v1', 'CronJob', 'backup', {
    schedule: '0 3 * * *',
    jobTemplate: { spec: { template: podTemplate({}, 'OnFailure') } },
    ...spec,
  });
}

describe('cronjobs', () => {
  it('fills Kubernetes defaults', () => {
    const { obj, errors } = create(s, cronJob());
    expect(errors).toEqual([]);
    expect(obj.spec).toMatchObject({
      concurrencyPolicy: 'Allow',
      suspend: false,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 1,
    });
  });

  const invalid: Array<{ name: string; spec: Record<string, unknown>; want: string }> = [
    {
      name: 'a malformed schedule reports the parser error',
      spec: { schedule: '0 25 * * *' },
      want: 'spec.schedule: Invalid value: "0 25 * * *": end of range (25) above maximum (23): 25',
    },
    {
      name: 'a time zone in the schedule is refused',
      spec: { schedule: 'CRON_TZ=UTC 0 3 * * *' },
      want: 'spec.schedule: Invalid value: "CRON_TZ=UTC 0 3 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    },
    {
      name: 'an unknown time zone is invalid',
      spec: { timeZone: 'Mars/Olympus_Mons' },
      want: 'spec.timeZone: Invalid value: "Mars/Olympus_Mons": unknown time zone',
    },
    {
      name: 'an unknown concurrency policy is not supported',
      spec: { concurrencyPolicy: 'Sometimes' },
      want: 'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
    },
    {
      name: 'a job template may not carry a selector',
      spec: {
        jobTemplate: {
          spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate({ a: 'b' }, 'Never') },
        },
      },
      want: 'spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated',
    },
    {
      name: 'job pods may not restart Always',
      spec: { jobTemplate: { spec: { template: podTemplate({}) } } },
      want: 'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
    },
  ];
  for (const c of invalid) {
    it(c.name, () => {
      expect(messages(create(s, cronJob(c.spec)).errors)).toContain(c.want);
    });
  }

  it('checks time zones against the IANA database as Go does', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('America/Argentina/Buenos_Aires')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('europe/berlin')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
    expect(isValidTimeZone('../etc/passwd')).toBe(false);
  });

  it('limits names to 52 characters so job names fit', () => {
    expect(s.validateName?.('a'.repeat(52))).toEqual([]);
    expect(s.validateName?.('a'.repeat(53))).toEqual(['must be no more than 52 characters']);
  });

  it('renders the row kubectl shows', () => {
    const { obj } = create(s, cronJob({ timeZone: 'Europe/Berlin' }));
    expect(s.row?.(obj, TEST_NOW).slice(0, 7)).toEqual([
      'backup',
      '0 3 * * *',
      'Europe/Berlin',
      'False',
      0,
      '<none>',
      '60m',
    ]);
    obj.status = { lastScheduleTime: '2024-05-01T11:55:00Z', active: [{ name: 'backup-1' }] };
    expect(s.row?.(obj, TEST_NOW).slice(4, 6)).toEqual([1, '5m']);
  });
});
