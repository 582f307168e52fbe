/**
 * When a cron schedule fires, in an IANA time zone: robfig/cron v3's SpecSchedule.Next (what
 * Kubernetes' CronJob controller uses), re-done over JavaScript instants with wall-clock fields
 * from Intl. DST behaves as in Go: a time in the spring-forward gap does not exist and is skipped
 * for that day; a time in the repeated fall-back hour fires for each occurrence.
 */
import type { CronSchedule } from '../../registry/batch/cron.js';

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock fields of an instant in a zone. */
export function zoneFields(ms: number, timeZone: string): Fields {
  if (timeZone === 'UTC') {
    const d = new Date(ms);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      weekday: d.getUTCDay(),
    };
  }
  const out: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour),
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday] ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
export function zoneOffset(ms: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const f = zoneFields(ms, timeZone);
  const wall = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  return wall - Math.floor(ms / SECOND) * SECOND;
}

/**
 * The instant of a wall-clock time in a zone, normalizing overflowing fields and resolving gaps
 * and overlaps as Go's time.Date does (month 13 is next January; a time in a spring-forward gap
 * is read with the offset after the change).
 */
export function zoneInstant(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const guess = zoneOffset(wall, timeZone);
  const utc = wall - guess;
  const actual = zoneOffset(utc, timeZone);
  return actual === guess ? utc : wall - actual;
}

function dayMatches(s: CronSchedule, f: Fields): boolean {
  const dom = s.dayOfMonth.has(f.day);
  const dow = s.dayOfWeek.has(f.weekday);
  return s.dayOfMonthStar || s.dayOfWeekStar ? dom && dow : dom || dow;
}

/** The first time strictly after `after` that the schedule fires, or undefined within 5 years. */
export function nextAfter(s: CronSchedule, after: Date, timeZone = 'UTC'): Date | undefined {
  let t = Math.floor(after.getTime() / SECOND) * SECOND + SECOND;
  if (s.everySeconds !== undefined) return new Date(t - SECOND + s.everySeconds * SECOND);
  const z = (ms: number) => zoneFields(ms, timeZone);
  let added = false;
  const yearLimit = z(t).year + 5;
  wrap: for (;;) {
    let f = z(t);
    if (f.year > yearLimit) return undefined;
    while (!s.month.has(f.month)) {
      if (!added) {
        added = true;
        t = zoneInstant(f.year, f.month, 1, 0, 0, 0, timeZone);
        f = z(t);
      }
      t = zoneInstant(f.year, f.month + 1, f.day, f.hour, f.minute, f.second, timeZone);
      f = z(t);
      if (f.month === 1) continue wrap;
    }
    while (!dayMatches(s, f)) {
      if (!added) {
        added = true;
        t = zoneInstant(f.year, f.month, f.day, 0, 0, 0, timeZone);
        f = z(t);
      }
      t = zoneInstant(f.year, f.month, f.day + 1, f.hour, f.minute, f.second, timeZone);
      f = z(t);
      // Midnight may have moved by DST: get back to it.
      if (f.hour !== 0) {
        t += f.hour > 12 ? (24 - f.hour) * HOUR : -f.hour * HOUR;
        f = z(t);
      }
      if (f.day === 1) continue wrap;
    }
    while (!s.hour.has(f.hour)) {
      if (!added) {
        added = true;
        t = zoneInstant(f.year, f.month, f.day, f.hour, 0, 0, timeZone);
      }
      t += HOUR;
      f = z(t);
      if (f.hour === 0) continue wrap;
    }
    while (!s.minute.has(f.minute)) {
      if (!added) {
        added = true;
        t -= t % MINUTE;
      }
      t += MINUTE;
      f = z(t);
      if (f.minute === 0) continue wrap;
    }
    // Standard specs fire at second 0 only.
    if (f.second !== 0) {
      added = true;
      t += (60 - f.second) * SECOND;
      continue;
    }
    return new Date(t);
  }
}

export interface MostRecent {
  /** The latest fire time in (earliest, now], if any. */
  time?: Date;
  /** How many fire times (earliest, now] holds; estimated when there are very many. */
  missed: number;
}

const EXACT_STEPS = 200;

/**
 * The most recent time the schedule fired after `earliest` and at or before `now`
 * (Kubernetes' mostRecentScheduleTime): only that one runs, however many were missed.
 */
export function mostRecentScheduleTime(
  s: CronSchedule,
  earliest: Date,
  now: Date,
  timeZone = 'UTC',
): MostRecent {
  const t1 = nextAfter(s, earliest, timeZone);
  if (!t1 || t1 > now) return { missed: 0 };
  let time = t1;
  let missed = 1;
  for (let next = nextAfter(s, time, timeZone); next && next <= now; next = nextAfter(s, time, timeZone)) {
    time = next;
    missed++;
    if (missed < EXACT_STEPS) continue;
    // Far behind (a long outage): jump near now by the schedule's interval instead of stepping.
    const interval = (nextAfter(s, t1, timeZone)?.getTime() ?? now.getTime()) - t1.getTime();
    if (interval <= 0) break;
    missed = Math.floor((now.getTime() - t1.getTime()) / interval) + 1;
    const cursor = new Date(Math.max(time.getTime(), now.getTime() - 2 * interval));
    for (let n = nextAfter(s, cursor, timeZone); n && n <= now; n = nextAfter(s, n, timeZone)) time = n;
    break;
  }
  return { time, missed };
}

/** RFC 3339 in the zone, with its offset ("2025-03-30T02:30:00+02:00"; "Z" for UTC). */
export function formatInZone(d: Date, timeZone = 'UTC'): string {
  const off = zoneOffset(d.getTime(), timeZone);
  if (off === 0) return d.toISOString().replace(/\.\d+Z$/, 'Z');
  const f = zoneFields(d.getTime(), timeZone);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off) / MINUTE;
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}:${pad(f.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
