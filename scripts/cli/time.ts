/**
 * Times as the commands print them: in the configured zone, with the date, and with the zone's abbreviation where one
 * is in common use (CET, CEST, EST, BST, UTC) or else the UTC offset (+09:00). Intl's `GMT+1` style is neither.
 */
import { DateTime } from 'luxon';

/** Intl's fallback for a zone without an abbreviation in a locale: `GMT+1`, `GMT-5`, `GMT+5:30`. */
const GMT_OFFSET = /^GMT[+-]/;

/** The zone's abbreviation at that instant (en-US, else en-GB), or its UTC offset (`+09:00`). */
export function zoneLabel(at: DateTime): string {
  for (const locale of ['en-US', 'en-GB']) {
    const short = at.setLocale(locale).toFormat('ZZZZ');
    if (!GMT_OFFSET.test(short)) return short;
  }
  return at.toFormat('ZZ');
}

/** Epoch milliseconds of an instant, rounded to the whole second that is printed. */
function shownMillis(at: string | Date | number): number {
  const ms = typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at : at.getTime();
  return Math.round(ms / 1000) * 1000;
}

/**
 * An instant (ISO, Date or epoch ms) in a zone: `2026-11-17 03:00:00 CET` by default. Rounded to the nearest second,
 * as {@link shownSeconds} measures between printed times.
 */
export function formatLocal(at: string | Date | number, zone: string, pattern = 'yyyy-MM-dd HH:mm:ss'): string {
  const ms = shownMillis(at);
  if (!Number.isFinite(ms)) return String(at);
  const dt = DateTime.fromMillis(ms, { zone: 'utc' }).setZone(zone);
  return `${dt.toFormat(pattern)} ${zoneLabel(dt)}`;
}

/** The whole seconds between two printed times: a window's duration always matches its printed ends. */
export function shownSeconds(from: string | Date | number, to: string | Date | number): number {
  return (shownMillis(to) - shownMillis(from)) / 1000;
}

/** The same instant in UTC, for the column beside a local time. */
export function formatUtc(at: string | Date | number, pattern = "yyyy-MM-dd HH:mm:ss 'UTC'"): string {
  return DateTime.fromMillis(shownMillis(at), { zone: 'utc' }).toFormat(pattern);
}
