/**
 * The functions show times with Intl alone (no luxon in their bundles); the scripts still use luxon. These tests
 * hold the two to the same text, over every zone ICU knows, daylight-saving changes and random instants.
 */
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { formatInZone, isValidZone, parseIsoInstant } from '../../../lambdas/kernel/time-zones';

const FORMAT = 'yyyy-MM-dd HH:mm:ss ZZZZ';

/** What lambdas/reporting/measures.ts's formatTime returned with luxon. */
function viaLuxon(iso: string, zone: string): string {
  return DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone).toFormat(FORMAT);
}

const ZONES = [...Intl.supportedValuesOf('timeZone'), 'UTC', 'utc', 'GMT', 'Etc/UTC', 'Etc/GMT+3', 'Asia/Calcutta', 'US/Pacific', 'europe/berlin'];

describe('formatInZone: the same text as luxon', () => {
  it('in every zone ICU knows, at one instant in winter and one in summer', () => {
    for (const zone of ZONES) {
      for (const iso of ['2026-01-15T12:34:56.789Z', '2026-07-01T01:00:00.000Z']) expect([zone, formatInZone(iso, zone)]).toEqual([zone, viaLuxon(iso, zone)]);
    }
  });

  it('across the daylight-saving changes of Europe, America and Australia, minute by minute', () => {
    const around = ['2026-03-29T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-03-08T09:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-04-04T15:30:00.000Z', '2026-10-03T15:30:00.000Z'];
    const zones = ['Europe/Berlin', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Asia/Kathmandu'];
    for (const start of around) {
      for (let minute = 0; minute <= 120; minute += 7) {
        const iso = new Date(Date.parse(start) + minute * 60_000).toISOString();
        for (const zone of zones) expect(formatInZone(iso, zone)).toBe(viaLuxon(iso, zone));
      }
    }
  });

  it('at random instants of this century in random zones', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }), fc.constantFrom(...ZONES), (date, zone) => {
        const iso = date.toISOString();
        expect(formatInZone(iso, zone)).toBe(viaLuxon(iso, zone));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads offsets, no offset (UTC) and long fractions as luxon does, and refuses what luxon refuses', () => {
    for (const iso of ['2026-07-01T01:00:00Z', '2026-07-01T01:00:00+02:00', '2026-07-01T01:00:00-0530', '2026-07-01T01:00:00+05', '2026-07-01T01:00', '2026-07-01', '2026-07-01T01:00:00.123456789Z', '2026-07-01T01:00:00,5z', '2026-07-01T01:00:00+02:99']) {
      expect([iso, formatInZone(iso, 'Europe/Berlin')]).toEqual([iso, viaLuxon(iso, 'Europe/Berlin')]);
    }
    for (const iso of ['', 'yesterday', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-07-01T25:00:00Z']) {
      expect(formatInZone(iso, 'Europe/Berlin')).toBe('Invalid DateTime');
      expect(viaLuxon(iso, 'Europe/Berlin')).toBe('Invalid DateTime');
    }
    expect(formatInZone('2026-07-01T01:00:00Z', 'Mars/Olympus_Mons')).toBe(viaLuxon('2026-07-01T01:00:00Z', 'Mars/Olympus_Mons'));
  });

  it('parses the instant Date.parse gives for toISOString text', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), (d) => {
        expect(parseIsoInstant(d.toISOString())).toBe(d.getTime());
      }),
    );
  });
});

describe('isValidZone: luxon IANAZone.isValidZone', () => {
  it('agrees on zones, links, near misses and nonsense', () => {
    for (const zone of [...ZONES, '', 'Europe/Berlinn', 'Mars/Base', 'EST5EDT', 'Etc/GMT+14', 'Etc/GMT+15', 'local', 'UTC+3']) expect([zone, isValidZone(zone)]).toEqual([zone, IANAZone.isValidZone(zone)]);
  });
});
