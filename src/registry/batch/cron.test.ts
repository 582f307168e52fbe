import { describe, expect, it } from 'vitest';
import { cronScheduleError, parseCronSchedule } from './cron.js';

describe('cron schedules', () => {
  const valid = [
    '*/5 * * * *',
    '0 0 * * *',
    '30 2 1,15 * mon-fri',
    '0 9-17/2 * JAN-MAR,dec SUN',
    '15 10 ? * *',
    '5/15 * * * *',
    '@hourly',
    '@daily',
    '@midnight',
    '@weekly',
    '@monthly',
    '@yearly',
    '@annually',
    '@every 1h30m',
  ];
  for (const spec of valid) {
    it(`accepts ${spec}`, () => {
      expect(cronScheduleError(spec)).toBeUndefined();
    });
  }

  const invalid: Array<[string, string]> = [
    ['', 'empty spec string'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 0 * * * *', 'expected exactly 5 fields, found 6: [0 0 * * * *]'],
    ['60 * * * *', 'end of range (60) above maximum (59): 60'],
    ['* 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['* * 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['* * * 13 *', 'end of range (13) above maximum (12): 13'],
    ['* * * * 7', 'end of range (7) above maximum (6): 7'],
    ['5-1 * * * *', 'beginning of range (5) beyond end of range (1): 5-1'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['1-2-3 * * * *', 'too many hyphens: 1-2-3'],
    ['*/2/3 * * * *', 'too many slashes: */2/3'],
    ['x * * * *', 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'],
    ['@fortnightly', 'unrecognized descriptor: @fortnightly'],
    ['@every soon', 'failed to parse duration @every soon: time: invalid duration "soon"'],
  ];
  for (const [spec, want] of invalid) {
    it(`rejects ${JSON.stringify(spec)} with robfig/cron's message`, () => {
      expect(cronScheduleError(spec)).toBe(want);
    });
  }

  it('expands ranges, steps and names into allowed values', () => {
    const s = parseCronSchedule('0,30 9-17/4 * jan,Jul mon-wed');
    expect([...s.minute]).toEqual([0, 30]);
    expect([...s.hour]).toEqual([9, 13, 17]);
    expect([...s.month]).toEqual([1, 7]);
    expect([...s.dayOfWeek]).toEqual([1, 2, 3]);
    expect(s.dayOfMonthStar).toBe(true);
    expect(s.dayOfWeekStar).toBe(false);
  });

  it('reads descriptors, intervals and a CRON_TZ prefix', () => {
    const weekly = parseCronSchedule('@weekly');
    expect([...weekly.dayOfWeek]).toEqual([0]);
    expect(parseCronSchedule('@every 90s').everySeconds).toBe(90);
    expect(parseCronSchedule('CRON_TZ=Europe/Berlin 0 6 * * *').timeZone).toBe('Europe/Berlin');
    expect(cronScheduleError('TZ=Mars/Olympus 0 6 * * *')).toMatch(/^provided bad location Mars\/Olympus/);
  });
});
