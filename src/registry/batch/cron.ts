/**
 * Cron schedules as CronJobs accept them: robfig/cron v3's ParseStandard (five fields, month and
 * weekday names, ranges, steps, "?" and the @yearly/@monthly/@weekly/@daily/@hourly/@every
 * descriptors, an optional TZ=/CRON_TZ= prefix), with its error wording, which Kubernetes
 * returns verbatim in `spec.schedule: Invalid value`.
 */

/** The parsed schedule: the allowed values of each field, or a fixed interval for @every. */
export interface CronSchedule {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  /** A "*" or "?" day field: cron then requires the other day field only (not either of them). */
  dayOfMonthStar: boolean;
  dayOfWeekStar: boolean;
  /** Set for "@every <duration>" schedules. */
  everySeconds?: number;
  /** From a TZ= or CRON_TZ= prefix. */
  timeZone?: string;
}

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const DAYS: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS },
];

const DESCRIPTORS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-9,
  us: 1e-6,
  µs: 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
};

function mustParseInt(expr: string): number {
  if (!/^[+-]?[0-9]+$/.test(expr)) {
    throw new Error(
      `failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`,
    );
  }
  const n = Number.parseInt(expr, 10);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? mustParseInt(expr);
}

/** One comma-separated part of a field: "*", "5", "1-5", "*\/15", "10/5", "mon-fri". */
function parseRange(expr: string, b: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let star = false;
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    [start, end, star] = [b.min, b.max, true];
  } else {
    start = parseIntOrName(lowAndHigh[0], b.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], b.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    // "10/5" means "from 10 to the maximum, every 5".
    if (lowAndHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

function parseField(field: string, b: Bounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) star = parseRange(part, b, values) || star;
  return { values, star };
}

const DURATION_RE = /^([+-]?)((?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:ns|us|µs|ms|s|m|h))+|0)$/;

/** Go's time.ParseDuration, in seconds. */
function parseGoDuration(s: string): number {
  const m = DURATION_RE.exec(s);
  if (!m) throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
  let total = 0;
  for (const part of m[2].matchAll(/([0-9.]+)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]];
  }
  return m[1] === '-' ? -total : total;
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function splitTimeZone(spec: string): { timeZone?: string; rest: string } {
  if (!spec.startsWith('TZ=') && !spec.startsWith('CRON_TZ=')) return { rest: spec };
  const space = spec.indexOf(' ');
  const eq = spec.indexOf('=');
  const timeZone = spec.slice(eq + 1, space < 0 ? undefined : space);
  if (!isTimeZone(timeZone)) {
    throw new Error(`provided bad location ${timeZone}: unknown time zone ${timeZone}`);
  }
  return { timeZone, rest: space < 0 ? '' : spec.slice(space).trim() };
}

function parseDescriptor(spec: string): CronSchedule {
  if (spec.startsWith('@every ')) {
    const raw = spec.slice('@every '.length);
    let seconds: number;
    try {
      seconds = parseGoDuration(raw);
    } catch (e) {
      throw new Error(`failed to parse duration ${spec}: ${(e as Error).message}`);
    }
    const all = parseFields('* * * * *');
    return { ...all, everySeconds: Math.max(1, Math.round(seconds)) };
  }
  const expansion = DESCRIPTORS[spec];
  if (!expansion) throw new Error(`unrecognized descriptor: ${spec}`);
  return parseFields(expansion);
}

function parseFields(spec: string): CronSchedule {
  const fields = spec.split(/\s+/).filter((f) => f !== '');
  if (fields.length !== 5) {
    throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  }
  const [minute, hour, dom, month, dow] = fields.map((f, i) => parseField(f, FIELDS[i]));
  return {
    minute: minute.values,
    hour: hour.values,
    dayOfMonth: dom.values,
    month: month.values,
    dayOfWeek: dow.values,
    dayOfMonthStar: dom.star,
    dayOfWeekStar: dow.star,
  };
}

/** Parse a standard cron spec; throws an Error with robfig/cron's message when it is invalid. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.trim() === '') throw new Error('empty spec string');
  const { timeZone, rest } = splitTimeZone(spec.trim());
  const parsed = rest.startsWith('@') ? parseDescriptor(rest) : parseFields(rest);
  return timeZone ? { ...parsed, timeZone } : parsed;
}

/** The error message for an invalid spec, or undefined when it parses. */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
