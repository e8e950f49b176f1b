import { percentile, round, summarise } from '../../../scripts/bench/stats';

describe('percentile (nearest rank)', () => {
  it('returns a measured value: the smallest with at least p% of the sample at or below it', () => {
    const values = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 90)).toBe(9);
    expect(percentile(values, 99)).toBe(10);
    expect(percentile(values, 100)).toBe(10);
    expect(percentile([42], 1)).toBe(42);
  });

  it('p99 of 200 values is the 198th smallest', () => {
    const values = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(percentile(values, 99)).toBe(198);
  });

  it('does not reorder its input, and refuses an empty sample or a bad p', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
    expect(() => percentile([], 50)).toThrow('empty sample');
    expect(() => percentile([1], 0)).toThrow('(0, 100]');
    expect(() => percentile([1], Number.NaN)).toThrow('(0, 100]');
  });
});

describe('summarise and round', () => {
  it('summarises a sample', () => {
    expect(summarise([1, 2, 3, 4])).toEqual({ n: 4, p50: 2, p90: 4, p99: 4, max: 4, mean: 2.5 });
  });

  it('rounds to the given decimals', () => {
    expect(round(1.23456)).toBe(1.235);
    expect(round(1.23456, 1)).toBe(1.2);
  });
});
