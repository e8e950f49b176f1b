import { CronError, firesOn, firstFiringDay, parseCron } from '../../../lambdas/kernel/cron';

/** The days of a month an expression fires on. */
function daysOf(expression: string, year: number, month: number): number[] {
  const spec = parseCron(expression);
  return Array.from({ length: 31 }, (_, i) => i + 1).filter((d) => d <= new Date(Date.UTC(year, month, 0)).getUTCDate() && firesOn(spec, year, month, d));
}

describe('parseCron: the EventBridge Scheduler grammar', () => {
  it('reads values, ranges, steps and names in every field', () => {
    const spec = parseCron('cron(0/15 8-10 ? JAN-MAR,DEC MON-FRI 2026-2028)');
    expect([...spec.minutes]).toEqual([0, 15, 30, 45]);
    expect([...spec.hours]).toEqual([8, 9, 10]);
    expect([...spec.months]).toEqual([1, 2, 3, 12]);
    expect([...spec.years]).toEqual([2026, 2027, 2028]);
    expect(spec.dayOfWeek).toEqual({ kind: 'days', days: new Set([2, 3, 4, 5, 6]) });
  });

  it('accepts a plain nightly schedule', () => {
    expect([...parseCron('cron(0 3 * * ? *)').hours]).toEqual([3]);
  });

  it.each([
    ['cron(0 3 * * *)', 'has 5 field(s)'],
    ['cron(0 3 * * 1 *)', 'exactly one of day-of-month and day-of-week'],
    ['cron(0 3 ? * ? *)', 'exactly one of day-of-month and day-of-week'],
    ['cron(60 3 * * ? *)', 'minutes field: 60 is outside 0-59'],
    ['cron(0 3 32 * ? *)', 'day-of-month field: 32 is outside 1-31'],
    ['cron(0 3 * 13 ? *)', 'month field: 13 is outside 1-12'],
    ['cron(0 3 ? * 8 *)', 'day-of-week field: 8 is outside 1-7'],
    ['cron(0 3 * * ? 1969)', 'year field: 1969 is outside 1970-2199'],
    ['cron(0 5-3 * * ? *)', 'hours field: range 5-3 runs backwards'],
    ['cron(0/0 3 * * ? *)', 'step "0" must be a whole number of 1 or more'],
    ['cron(0 L * * ? *)', 'hours field: "L" uses a wildcard only the day fields take'],
    ['cron(0 3 ? * MON#0 *)', '"#0" must be 1-5'],
    ['rate(5 minutes)', 'must look like cron('],
  ])('fails on %s: %s', (expression, error) => {
    expect(() => parseCron(expression)).toThrow(CronError);
    expect(() => parseCron(expression)).toThrow(error);
  });
});

describe('firesOn: the day rules', () => {
  it('L is the last day of the month, February in a leap year included', () => {
    expect(daysOf('cron(0 3 L * ? *)', 2028, 2)).toEqual([29]);
    expect(daysOf('cron(0 3 L * ? *)', 2027, 2)).toEqual([28]);
  });
  it('15W is the weekday nearest the 15th, 1W never leaves the month, LW is the last weekday', () => {
    // 2026-11-15 is a Sunday: the nearest weekday is Monday the 16th.
    expect(daysOf('cron(0 3 15W * ? *)', 2026, 11)).toEqual([16]);
    // 2026-08-01 is a Saturday: 1W is Monday the 3rd, not Friday 31 July.
    expect(daysOf('cron(0 3 1W * ? *)', 2026, 8)).toEqual([3]);
    // 2026-05-31 is a Sunday: the last weekday is Friday the 29th.
    expect(daysOf('cron(0 3 LW * ? *)', 2026, 5)).toEqual([29]);
  });
  it('6L is the last Friday, 6#3 the third Friday, and a fifth Monday only where there is one', () => {
    expect(daysOf('cron(0 3 ? * 6L *)', 2026, 11)).toEqual([27]);
    expect(daysOf('cron(0 3 ? * FRI#3 *)', 2026, 11)).toEqual([20]);
    expect(daysOf('cron(0 3 ? * MON#5 *)', 2026, 11)).toEqual([30]);
    expect(daysOf('cron(0 3 ? * MON#5 *)', 2026, 12)).toEqual([]);
  });
  it('finds the first day a schedule fires, and none for 30 February', () => {
    const from = new Date('2026-12-05T00:00:00Z');
    expect(firstFiringDay(parseCron('cron(0 3 1 JAN ? *)'), from, 366)?.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(firstFiringDay(parseCron('cron(0 3 30 2 ? *)'), from, 366)).toBeUndefined();
  });
});
