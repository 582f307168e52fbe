import { describe, expect, it } from 'vitest';
import { parseCronSchedule } from '../../registry/batch/cron.js';
import { formatInZone, mostRecentScheduleTime, nextAfter, zoneInstant } from './schedule.js';

const at = (iso: string) => new Date(iso);

describe('cron next run', () => {
  const cases: Array<{ name: string; spec: string; tz?: string; after: string; want: string }> = [
    {
      name: 'every minute fires at the next whole minute',
      spec: '* * * * *',
      after: '2025-01-01T10:00:30Z',
      want: '2025-01-01T10:01:00Z',
    },
    {
      name: 'a time exactly on the schedule is not "after" it',
      spec: '*/5 * * * *',
      after: '2025-01-01T10:05:00Z',
      want: '2025-01-01T10:10:00Z',
    },
    {
      name: 'hour and minute wrap into the next day',
      spec: '30 2 * * *',
      after: '2025-01-01T03:00:00Z',
      want: '2025-01-02T02:30:00Z',
    },
    {
      name: 'month names and the year wrap',
      spec: '0 0 1 jan *',
      after: '2025-02-01T00:00:00Z',
      want: '2026-01-01T00:00:00Z',
    },
    {
      name: 'restricted day-of-month and day-of-week are ORed',
      spec: '0 0 13 * fri',
      after: '2025-06-01T00:00:00Z',
      want: '2025-06-06T00:00:00Z',
    },
    {
      name: 'a starred day-of-week leaves only the day-of-month',
      spec: '0 0 31 * *',
      after: '2025-04-01T00:00:00Z',
      want: '2025-05-31T00:00:00Z',
    },
    {
      name: 'February 29th waits for a leap year',
      spec: '0 0 29 2 *',
      after: '2025-01-01T00:00:00Z',
      want: '2028-02-29T00:00:00Z',
    },
    {
      name: '@hourly is minute 0 of every hour',
      spec: '@hourly',
      after: '2025-01-01T10:59:59Z',
      want: '2025-01-01T11:00:00Z',
    },
    {
      name: '@every adds its interval',
      spec: '@every 90s',
      after: '2025-01-01T10:00:00.500Z',
      want: '2025-01-01T10:01:30Z',
    },
    {
      name: 'a time zone shifts the wall clock (Tokyo 09:00 is 00:00 UTC)',
      spec: '0 9 * * *',
      tz: 'Asia/Tokyo',
      after: '2025-01-01T01:00:00Z',
      want: '2025-01-02T00:00:00Z',
    },
    {
      name: "the weekday is the zone's, not UTC's",
      spec: '0 8 * * mon',
      tz: 'Pacific/Auckland',
      after: '2025-01-04T00:00:00Z',
      want: '2025-01-05T19:00:00Z',
    },
    {
      name: 'spring forward: 02:30 does not exist that day and is skipped',
      spec: '30 2 * * *',
      tz: 'America/New_York',
      after: '2025-03-09T05:00:00Z',
      want: '2025-03-10T06:30:00Z',
    },
    {
      name: 'spring forward: 03:30 fires at its usual wall time in the new offset',
      spec: '30 3 * * *',
      tz: 'America/New_York',
      after: '2025-03-09T05:00:00Z',
      want: '2025-03-09T07:30:00Z',
    },
    {
      name: 'fall back: 01:30 fires in daylight time first',
      spec: '30 1 * * *',
      tz: 'America/New_York',
      after: '2025-11-02T04:00:00Z',
      want: '2025-11-02T05:30:00Z',
    },
    {
      name: 'fall back: and again in standard time an hour later',
      spec: '30 1 * * *',
      tz: 'America/New_York',
      after: '2025-11-02T05:30:00Z',
      want: '2025-11-02T06:30:00Z',
    },
    {
      name: 'a daily midnight job survives a DST change overnight',
      spec: '0 0 * * *',
      tz: 'Europe/Berlin',
      after: '2025-03-29T23:30:00Z',
      want: '2025-03-30T22:00:00Z',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(nextAfter(parseCronSchedule(c.spec), at(c.after), c.tz)?.toISOString()).toBe(
        at(c.want).toISOString(),
      );
    });
  }

  it('returns undefined for a date that never comes', () => {
    expect(nextAfter(parseCronSchedule('0 0 30 2 *'), at('2025-01-01T00:00:00Z'))).toBeUndefined();
  });

  it('resolves a wall time in the spring-forward gap with the later offset, as Go time.Date does', () => {
    // 02:30 does not exist; Go reads it with EDT's offset, which is 01:30 EST.
    expect(new Date(zoneInstant(2025, 3, 9, 2, 30, 0, 'America/New_York')).toISOString()).toBe(
      '2025-03-09T06:30:00.000Z',
    );
  });
});

describe('most recent schedule time', () => {
  const everyMinute = parseCronSchedule('* * * * *');

  it('is nothing when the first fire time is still ahead', () => {
    expect(
      mostRecentScheduleTime(everyMinute, at('2025-01-01T10:00:10Z'), at('2025-01-01T10:00:50Z')),
    ).toEqual({ missed: 0 });
  });

  it('is the latest of several missed times, with their count', () => {
    const r = mostRecentScheduleTime(everyMinute, at('2025-01-01T10:00:00Z'), at('2025-01-01T10:03:30Z'));
    expect(r).toEqual({ time: at('2025-01-01T10:03:00Z'), missed: 3 });
  });

  it('jumps over a long outage without stepping through every missed minute', () => {
    const r = mostRecentScheduleTime(everyMinute, at('2024-01-01T00:00:00Z'), at('2025-01-01T10:03:30Z'));
    expect(r.time).toEqual(at('2025-01-01T10:03:00Z'));
    expect(r.missed).toBeGreaterThan(500_000);
  });
});

describe('scheduled timestamp annotation', () => {
  it('is RFC 3339 in the CronJob time zone', () => {
    expect(formatInZone(at('2025-01-02T00:00:00Z'), 'Asia/Tokyo')).toBe('2025-01-02T09:00:00+09:00');
    expect(formatInZone(at('2025-01-02T00:00:00Z'), 'America/St_Johns')).toBe('2025-01-01T20:30:00-03:30');
    expect(formatInZone(at('2025-01-02T00:00:00Z'))).toBe('2025-01-02T00:00:00Z');
  });
});
