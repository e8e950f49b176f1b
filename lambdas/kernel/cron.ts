/**
 * EventBridge Scheduler cron expressions, read by their real grammar (EventBridge Scheduler User Guide, "Schedule
 * types", cron-based schedules): `cron(minutes hours day-of-month month day-of-week year)`.
 *
 * | field | values | wildcards |
 * |---|---|---|
 * | minutes | 0-59 | , - * / |
 * | hours | 0-23 | , - * / |
 * | day-of-month | 1-31 | , - * ? / L W |
 * | month | 1-12 or JAN-DEC | , - * / |
 * | day-of-week | 1-7 or SUN-SAT | , - * ? L # |
 * | year | 1970-2199 | , - * / |
 *
 * One of day-of-month and day-of-week must be `?` (they cannot both be set). Pure: no clock, no zone; the caller
 * asks which days of a calendar it fires on.
 */

/** A parsed expression: the values each field allows, and the day rules that need the calendar. */
export interface CronSpec {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  months: ReadonlySet<number>;
  years: ReadonlySet<number>;
  /** Day-of-month: a set of days, the last day (`L`), the nearest weekday to a day (`15W`), or any (`?` when day-of-week rules). */
  dayOfMonth: { kind: 'any' } | { kind: 'days'; days: ReadonlySet<number> } | { kind: 'last' } | { kind: 'last-weekday' } | { kind: 'weekday-nearest'; day: number };
  /** Day-of-week (1 = Sunday … 7 = Saturday): a set, the last given weekday of the month (`6L`), or the nth (`6#3`). */
  dayOfWeek: { kind: 'any' } | { kind: 'days'; days: ReadonlySet<number> } | { kind: 'last'; day: number } | { kind: 'nth'; day: number; nth: number };
}

/** A cron expression that cannot be used; the message says which field and why. */
export class CronError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldDef {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: Record<'minutes' | 'hours' | 'dayOfMonth' | 'month' | 'dayOfWeek' | 'year', FieldDef> = {
  minutes: { name: 'minutes', min: 0, max: 59 },
  hours: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: MONTHS },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: DAYS },
  year: { name: 'year', min: 1970, max: 2199 },
};

function value(raw: string, def: FieldDef): number {
  const upper = raw.toUpperCase();
  const named = def.names?.indexOf(upper) ?? -1;
  if (named >= 0) return def.min + named;
  if (!/^\d{1,4}$/.test(raw)) throw new CronError(`${def.name} field: "${raw}" is not a number${def.names ? ` or a name (${def.names.slice(0, 3).join(', ')}, …)` : ''}`);
  const n = Number(raw);
  if (n < def.min || n > def.max) throw new CronError(`${def.name} field: ${n} is outside ${def.min}-${def.max}`);
  return n;
}

/** A comma list of values, ranges (`a-b`), steps (`a/n`, `a-b/n`, or `*` then `/n`) and `*`. */
function set(field: string, def: FieldDef): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    if (part === '') throw new CronError(`${def.name} field: empty item in "${field}"`);
    const [range, stepRaw, extra] = part.split('/');
    if (extra !== undefined) throw new CronError(`${def.name} field: "${part}" has two steps`);
    const step = stepRaw === undefined ? 1 : Number(stepRaw);
    if (!Number.isInteger(step) || step < 1 || (stepRaw !== undefined && !/^\d+$/.test(stepRaw))) throw new CronError(`${def.name} field: step "${stepRaw ?? ''}" must be a whole number of 1 or more`);
    let from: number;
    let to: number;
    if (range === '*') {
      from = def.min;
      to = def.max;
    } else if (range!.includes('-')) {
      const [a, b, more] = range!.split('-');
      if (more !== undefined || !a || !b) throw new CronError(`${def.name} field: "${range}" is not a range such as 1-5`);
      from = value(a, def);
      to = value(b, def);
      if (from > to) throw new CronError(`${def.name} field: range ${range} runs backwards`);
    } else {
      from = value(range!, def);
      // `5/15`: from 5 every 15 to the end of the range.
      to = stepRaw === undefined ? from : def.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/**
 * Parses `cron(…)`.
 * @throws CronError naming the field at fault
 */
export function parseCron(expression: string): CronSpec {
  const m = /^cron\((.*)\)$/.exec(expression.trim());
  if (!m) throw new CronError('must look like cron(minutes hours day-of-month month day-of-week year), such as cron(0 3 * * ? *)');
  const fields = m[1]!.trim().split(/\s+/);
  if (fields.length !== 6) throw new CronError(`has ${fields.length} field(s); a Scheduler cron expression has six: minutes hours day-of-month month day-of-week year, such as cron(0 3 * * ? *)`);
  const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  if ((dom === '?') === (dow === '?')) throw new CronError('must have ? in exactly one of day-of-month and day-of-week, such as cron(0 3 * * ? *)');
  for (const [f, def] of [[min, FIELDS.minutes], [hour, FIELDS.hours], [month, FIELDS.month], [year, FIELDS.year]] as const) {
    // Month names (JUL) hold letters of the day wildcards; only the wildcards themselves are refused.
    const bare = f.toUpperCase().replace(new RegExp(MONTHS.join('|'), 'g'), '');
    if (/[?LW#]/.test(bare)) throw new CronError(`${def.name} field: "${f}" uses a wildcard only the day fields take`);
  }
  return {
    minutes: set(min, FIELDS.minutes),
    hours: set(hour, FIELDS.hours),
    months: set(month, FIELDS.month),
    years: set(year, FIELDS.year),
    dayOfMonth: parseDayOfMonth(dom),
    dayOfWeek: parseDayOfWeek(dow),
  };
}

function parseDayOfMonth(f: string): CronSpec['dayOfMonth'] {
  const def = FIELDS.dayOfMonth;
  if (f === '?') return { kind: 'any' };
  if (f.toUpperCase() === 'L') return { kind: 'last' };
  if (f.toUpperCase() === 'LW') return { kind: 'last-weekday' };
  const w = /^(\d{1,2})W$/i.exec(f);
  if (w) return { kind: 'weekday-nearest', day: value(w[1]!, def) };
  if (/[LW#]/i.test(f)) throw new CronError(`day-of-month field: "${f}" is not valid (L, LW, 15W or a list)`);
  return { kind: 'days', days: set(f, def) };
}

function parseDayOfWeek(f: string): CronSpec['dayOfWeek'] {
  const def = FIELDS.dayOfWeek;
  if (f === '?') return { kind: 'any' };
  const last = /^([A-Za-z]{3}|\d)L$/.exec(f);
  if (last) return { kind: 'last', day: value(last[1]!, def) };
  const nth = /^([A-Za-z]{3}|\d)#(\d)$/.exec(f);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new CronError(`day-of-week field: "#${n}" must be 1-5 (the nth weekday of the month)`);
    return { kind: 'nth', day: value(nth[1]!, def), nth: n };
  }
  if (/[LW#]/i.test(f)) throw new CronError(`day-of-week field: "${f}" is not valid (6L, 6#3 or a list)`);
  return { kind: 'days', days: set(f, def) };
}

/** Days in a month of a year (UTC calendar arithmetic). */
function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Whether the expression fires on a calendar date (year, month 1-12, day 1-31), at any of its times. */
export function firesOn(spec: CronSpec, year: number, month: number, day: number): boolean {
  if (!spec.years.has(year) || !spec.months.has(month)) return false;
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
  const last = daysIn(year, month);
  const dom = spec.dayOfMonth;
  switch (dom.kind) {
    case 'days':
      if (!dom.days.has(day)) return false;
      break;
    case 'last':
      if (day !== last) return false;
      break;
    case 'last-weekday': {
      const lastDow = new Date(Date.UTC(year, month - 1, last)).getUTCDay();
      const target = lastDow === 0 ? last - 2 : lastDow === 6 ? last - 1 : last;
      if (day !== target) return false;
      break;
    }
    case 'weekday-nearest': {
      if (dom.day > last) return false;
      const dow = new Date(Date.UTC(year, month - 1, dom.day)).getUTCDay();
      let target = dom.day;
      if (dow === 6) target = dom.day === 1 ? 3 : dom.day - 1;
      else if (dow === 0) target = dom.day === last ? dom.day - 2 : dom.day + 1;
      if (day !== target) return false;
      break;
    }
    case 'any':
      break;
  }
  const dw = spec.dayOfWeek;
  switch (dw.kind) {
    case 'days':
      return dw.days.has(weekday);
    case 'last':
      return weekday === dw.day && day + 7 > last;
    case 'nth':
      return weekday === dw.day && Math.ceil(day / 7) === dw.nth;
    case 'any':
      return true;
  }
}

/**
 * The first calendar date on or after `from` (UTC date) within `days` days on which the expression fires, or
 * undefined: a schedule that never fires in that span (30 February, a past year) is refused by config.
 */
export function firstFiringDay(spec: CronSpec, from: Date, days: number): Date | undefined {
  const start = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
  for (let i = 0; i < days; i++) {
    const d = new Date(start + i * 86_400_000);
    if (firesOn(spec, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())) return d;
  }
  return undefined;
}
