import { DateTime } from 'luxon';
import { formatLocal, formatUtc, shownSeconds, zoneLabel } from '../../../scripts/cli/time';

describe('times as the commands print them', () => {
  it.each([
    ['Europe/Berlin', '2026-11-17T02:00:00Z', 'CET'],
    ['Europe/Berlin', '2026-07-17T02:00:00Z', 'CEST'],
    ['America/New_York', '2026-11-17T02:00:00Z', 'EST'],
    ['Europe/London', '2026-07-17T02:00:00Z', 'BST'],
    ['UTC', '2026-07-17T02:00:00Z', 'UTC'],
    // No abbreviation in common use: the offset, never "GMT+9".
    ['Asia/Tokyo', '2026-11-17T02:00:00Z', '+09:00'],
    ['Asia/Kolkata', '2026-11-17T02:00:00Z', '+05:30'],
  ])('%s at %s is labelled %s', (zone, iso, label) => {
    expect(zoneLabel(DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone))).toBe(label);
  });

  it('prints the date with every time, in the zone, rounded to the second', () => {
    expect(formatLocal('2026-11-17T02:00:00.600Z', 'Europe/Berlin')).toBe('2026-11-17 03:00:01 CET');
    expect(formatLocal(new Date('2026-10-25T00:30:00Z'), 'Europe/Berlin', 'ccc yyyy-MM-dd HH:mm')).toBe('Sun 2026-10-25 02:30 CEST');
    expect(formatLocal(Date.parse('2026-10-25T01:30:00Z'), 'Europe/Berlin', 'ccc yyyy-MM-dd HH:mm')).toBe('Sun 2026-10-25 02:30 CET');
    expect(formatUtc('2026-11-17T02:00:00.400Z')).toBe('2026-11-17 02:00:00 UTC');
  });

  it('measures between printed times, so a duration matches its printed ends', () => {
    const from = '2026-11-17T02:00:00.600Z';
    const to = '2026-11-17T02:20:25.400Z';
    expect(formatLocal(from, 'UTC', 'HH:mm:ss')).toBe('02:00:01 UTC');
    expect(formatLocal(to, 'UTC', 'HH:mm:ss')).toBe('02:20:25 UTC');
    expect(shownSeconds(from, to)).toBe(20 * 60 + 24);
  });
});
