/**
 * EventBridge Scheduler cron expressions, evaluated in an IANA time zone: when does a schedule fire next.
 * Supports the forms a nightly schedule uses: numbers, `*`, `?`, lists, ranges, steps, and month and
 * weekday names. `L`, `W` and `#` are rejected with a clear error rather than misread.
 */
import { DateTime } from 'luxon';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function parseField(raw: string, min: number, max: number, names: string[] = [], nameBase = 1): Set<number> | undefined {
  if (raw === '*' || raw === '?') return undefined;
  if (/[LW#]/.test(raw)) throw new Error(`cron field "${raw}": L, W and # are not supported by the simulator`);
  const value = (v: string): number => {
    const i = names.indexOf(v.toUpperCase());
    const n = i >= 0 ? i + nameBase : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`cron field "${raw}": ${v} is outside ${min}-${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of raw.split(',')) {
    const [range = '', stepRaw] = part.split('/');
    const step = stepRaw === undefined ? 1 : Number(stepRaw);
    if (!Number.isInteger(step) || step < 1) throw new Error(`cron field "${raw}": bad step ${stepRaw}`);
    const [a, b] = range === '*' ? [min, max] : range.includes('-') ? range.split('-').map(value) : [value(range), stepRaw === undefined ? value(range) : max];
    for (let v = a ?? min; v <= (b ?? max); v += step) out.add(v);
  }
  return out;
}

/** A parsed cron expression. */
export interface Cron {
  minutes: number[];
  hours: number[];
  daysOfMonth?: Set<number>;
  months?: Set<number>;
  /** 1 = Sunday … 7 = Saturday, as in AWS cron. */
  daysOfWeek?: Set<number>;
  years?: Set<number>;
}

/** Parses `cron(m h dom mon dow year)`. */
export function parseCron(expression: string): Cron {
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  const fields = m?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6) throw new Error(`${expression} is not a six-field cron expression`);
  const [min = '', hour = '', dom = '', mon = '', dow = '', year = ''] = fields;
  const minutes = parseField(min, 0, 59);
  const hours = parseField(hour, 0, 23);
  return {
    minutes: minutes ? [...minutes].sort((a, b) => a - b) : Array.from({ length: 60 }, (_, i) => i),
    hours: hours ? [...hours].sort((a, b) => a - b) : Array.from({ length: 24 }, (_, i) => i),
    daysOfMonth: parseField(dom, 1, 31),
    months: parseField(mon, 1, 12, MONTHS),
    daysOfWeek: parseField(dow, 1, 7, DAYS),
    years: parseField(year, 1970, 2199),
  };
}

/** Whether the expression fires on a calendar day (in the schedule's zone). */
function firesOn(cron: Cron, day: DateTime): boolean {
  if (cron.years && !cron.years.has(day.year)) return false;
  if (cron.months && !cron.months.has(day.month)) return false;
  if (cron.daysOfMonth && !cron.daysOfMonth.has(day.day)) return false;
  // luxon: 1 = Monday … 7 = Sunday; AWS: 1 = Sunday … 7 = Saturday.
  if (cron.daysOfWeek && !cron.daysOfWeek.has((day.weekday % 7) + 1)) return false;
  return true;
}

/**
 * A wall-clock time of a day in a zone, or undefined when that time does not exist there (the hour the clocks skip
 * when daylight saving time starts). luxon moves a missing time forward; the hour and minute it returns tell.
 */
function localTime(day: DateTime, hour: number, minute: number, zone: string): DateTime | undefined {
  const t = DateTime.fromObject({ year: day.year, month: day.month, day: day.day, hour, minute }, { zone });
  return t.isValid && t.hour === hour && t.minute === minute ? t : undefined;
}

/**
 * The first time strictly after `after` at which the expression fires, read in `zone`. Daylight saving time as
 * EventBridge Scheduler handles it (EventBridge Scheduler User Guide, "Schedule types", "Daylight saving time":
 * "When the time shifts forward in Spring, your schedule invocation gets skipped if the cron expression falls on a
 * non-existent date and time. When the time shifts back in the Fall, your schedule runs only once"): a local time in
 * the spring gap does not fire that day; a repeated local time fires once (at the second occurrence, the standard-time
 * one luxon resolves it to: which of the two Scheduler takes is unconfirmed).
 */
export function nextFire(expression: string, zone: string, after: Date): Date {
  const cron = parseCron(expression);
  let day = DateTime.fromJSDate(after, { zone }).startOf('day');
  for (let i = 0; i < 366 * 8; i++, day = day.plus({ days: 1 })) {
    if (!firesOn(cron, day)) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        const t = localTime(day, hour, minute, zone);
        if (t && t.toMillis() > after.getTime()) return t.toJSDate();
      }
    }
  }
  throw new Error(`${expression} never fires after ${after.toISOString()}`);
}

/** A scheduled local time that does not exist in the zone, so EventBridge Scheduler skips it. */
export interface SkippedFire {
  /** The local date and time the expression names, e.g. 2027-03-28 02:30. */
  local: string;
  zone: string;
}

/**
 * The fires of the expression between `from` and `until` that fall in a daylight-saving gap of `zone` and are
 * skipped (see {@link nextFire}).
 */
export function skippedFires(expression: string, zone: string, from: Date, until: Date): SkippedFire[] {
  const cron = parseCron(expression);
  const out: SkippedFire[] = [];
  const end = DateTime.fromJSDate(until, { zone });
  for (let day = DateTime.fromJSDate(from, { zone }).startOf('day'); day <= end; day = day.plus({ days: 1 })) {
    if (!firesOn(cron, day)) continue;
    for (const hour of cron.hours) {
      for (const minute of cron.minutes) {
        if (localTime(day, hour, minute, zone)) continue;
        out.push({ local: `${day.toISODate() ?? ''} ${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`, zone });
      }
    }
  }
  return out;
}
