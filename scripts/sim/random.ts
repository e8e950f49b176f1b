/**
 * Seeded randomness, so a simulation with the same seed replays exactly.
 */

/** A seeded pseudo-random source (mulberry32). */
export class Random {
  private state: number;

  public constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** A float in [0, 1). */
  public next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** True with probability p. */
  public chance(p: number): boolean {
    return this.next() < p;
  }

  /** A value from a duration distribution, in milliseconds. */
  public duration(d: Distribution): number {
    if (d.kind === 'fixed') return d.seconds * 1000;
    if (d.kind === 'uniform') return (d.min + (d.max - d.min) * this.next()) * 1000;
    // Log-normal around the median: restore times have a long right tail.
    const u1 = Math.max(this.next(), 1e-12);
    const u2 = this.next();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    return d.median * Math.exp(d.sigma * z) * 1000;
  }

  /** Six hex characters, for run ids. */
  public hex6(): string {
    return Math.floor(this.next() * 0x1000000)
      .toString(16)
      .padStart(6, '0');
  }
}

/** A distribution of durations in seconds. */
export type Distribution = { kind: 'fixed'; seconds: number } | { kind: 'uniform'; min: number; max: number } | { kind: 'lognormal'; median: number; sigma: number };

/** Shorthands. */
export const fixed = (seconds: number): Distribution => ({ kind: 'fixed', seconds });
export const uniform = (min: number, max: number): Distribution => ({ kind: 'uniform', min, max });
export const lognormal = (median: number, sigma: number): Distribution => ({ kind: 'lognormal', median, sigma });
