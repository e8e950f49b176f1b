/**
 * Time zones with the runtime's own Intl (ICU) only, no date library in the functions' bundles: whether a zone
 * exists, and a UTC instant shown in a zone. Both give exactly what luxon gave before (the scripts still use luxon;
 * test/lambdas/kernel/time-zones.test.ts compares the two over many zones and instants).
 */

/** Whether Intl accepts the zone: luxon's IANAZone.isValidZone, the same check. */
export function isValidZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone }).format();
    return true;
  } catch {
    return false;
  }
}

/**
 * An ISO 8601 calendar date-time, as the ledger and RDS's times are written (`Date.prototype.toISOString`): date,
 * optional time to the millisecond (longer fractions are cut, as luxon cuts them), optional `Z` or offset; a time
 * without an offset is UTC.
 */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

/** The instant of an ISO date-time in milliseconds, or undefined when it is not one (or names no real date). */
export function parseIsoInstant(iso: string): number | undefined {
  const m = ISO_DATE_TIME.exec(iso);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const millis = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  const utc = date.setUTCHours(hour, minute, second, millis);
  const zone = m[8];
  if (zone === undefined || zone === 'Z' || zone === 'z') return utc;
  const digits = zone.replace(':', '');
  const offsetHours = Number(digits.slice(1, 3));
  const offsetMinutes = digits.length > 3 ? Number(digits.slice(3, 5)) : 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  return utc - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

/** One formatter per zone: building one costs far more than using it. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    // luxon's own options for a zone's short name (ZZZZ: en-US, `short`), plus the seconds.
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      timeZoneName: 'short',
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * `yyyy-MM-dd HH:mm:ss <zone's short name>` of an instant in a zone, as luxon's
 * `DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).toFormat('yyyy-MM-dd HH:mm:ss ZZZZ')` wrote it:
 * `2026-07-01 03:00:00 GMT+2`; `UTC` and `GMT` (any case) are luxon's fixed zone, named `UTC`;
 * `Invalid DateTime` when the text is no date-time or the zone none Intl knows.
 */
export function formatInZone(iso: string, zone: string): string {
  const ms = parseIsoInstant(iso);
  const lowered = zone.toLowerCase();
  const fixedUtc = lowered === 'utc' || lowered === 'gmt';
  if (ms === undefined || (!fixedUtc && !isValidZone(zone))) return 'Invalid DateTime';
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatterFor(fixedUtc ? 'UTC' : zone).formatToParts(ms)) parts[part.type] = part.value;
  const year = (parts.year ?? '').padStart(4, '0');
  const name = fixedUtc ? 'UTC' : parts.timeZoneName;
  return `${year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${name}`;
}
