import { nextFire, parseCron, skippedFires } from '../../../scripts/sim/cron';

describe('nextFire', () => {
  it('keeps 03:00 Europe/Berlin across the DST change', () => {
    // CEST (UTC+2) until 25 Oct 2026, CET (UTC+1) after.
    expect(nextFire('cron(0 3 * * ? *)', 'Europe/Berlin', new Date('2026-10-24T12:00:00Z')).toISOString()).toBe('2026-10-25T02:00:00.000Z');
    expect(nextFire('cron(0 3 * * ? *)', 'Europe/Berlin', new Date('2026-10-23T12:00:00Z')).toISOString()).toBe('2026-10-24T01:00:00.000Z');
  });
  it('fires strictly after the given time', () => {
    expect(nextFire('cron(0 3 * * ? *)', 'UTC', new Date('2026-11-21T03:00:00Z')).toISOString()).toBe('2026-11-22T03:00:00.000Z');
  });
  it('honours weekdays (1 = Sunday), lists, ranges and steps', () => {
    // 2026-11-21 is a Saturday: the next Monday-to-Friday 02:30 is Monday 23 Nov.
    expect(nextFire('cron(30 2 ? * MON-FRI *)', 'UTC', new Date('2026-11-21T12:00:00Z')).toISOString()).toBe('2026-11-23T02:30:00.000Z');
    expect(nextFire('cron(0 4 ? * 1 *)', 'UTC', new Date('2026-11-21T12:00:00Z')).toISOString()).toBe('2026-11-22T04:00:00.000Z');
    expect(nextFire('cron(0/20 1,13 * * ? *)', 'UTC', new Date('2026-11-21T01:25:00Z')).toISOString()).toBe('2026-11-21T01:40:00.000Z');
    expect(nextFire('cron(0 0 1 JAN ? *)', 'UTC', new Date('2026-11-21T00:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
  it('fails on what it does not support, rather than misreading it', () => {
    expect(() => parseCron('cron(0 3 L * ? *)')).toThrow('L, W and # are not supported');
    expect(() => parseCron('cron(0 25 * * ? *)')).toThrow('25 is outside 0-23');
    expect(() => parseCron('rate(5 minutes)')).toThrow('not a six-field cron expression');
  });
});

describe('daylight saving time as EventBridge Scheduler handles it', () => {
  it('skips a local time in the spring gap that night, and fires once on a repeated autumn time', () => {
    // Europe/Berlin springs forward on 28 March 2027 at 02:00 (to 03:00): 02:30 does not exist that night.
    expect(nextFire('cron(30 2 * * ? *)', 'Europe/Berlin', new Date('2027-03-27T12:00:00Z')).toISOString()).toBe('2027-03-29T00:30:00.000Z');
    // It falls back on 31 October 2027 at 03:00 (to 02:00): 02:30 happens twice and fires once (at the second here;
    // which of the two Scheduler takes is unconfirmed).
    const first = nextFire('cron(30 2 * * ? *)', 'Europe/Berlin', new Date('2027-10-30T12:00:00Z'));
    expect(first.toISOString()).toBe('2027-10-31T01:30:00.000Z');
    expect(nextFire('cron(30 2 * * ? *)', 'Europe/Berlin', first).toISOString()).toBe('2027-11-01T01:30:00.000Z');
  });

  it('lists the coming nights a schedule falls in a gap ("skippedFires"), and none for 03:00', () => {
    const from = new Date('2026-11-21T00:00:00Z');
    const until = new Date('2027-11-21T00:00:00Z');
    expect(skippedFires('cron(30 2 * * ? *)', 'Europe/Berlin', from, until)).toEqual([{ local: '2027-03-28 02:30', zone: 'Europe/Berlin' }]);
    expect(skippedFires('cron(0 3 * * ? *)', 'Europe/Berlin', from, until)).toEqual([]);
    expect(skippedFires('cron(30 2 * * ? *)', 'UTC', from, until)).toEqual([]);
  });
});
