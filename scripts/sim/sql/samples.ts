/**
 * Client-seen downtime, measured from probe samples: the one definition that the simulated probe
 * (scripts/sim/sql/probe.ts) and the probe of a real database (scripts/probe.ts) share. Pure: no clock,
 * no network.
 *
 * A sample is one query a client ran: when, whether it answered, and which instance answered. Each sample
 * counts for the time until the next sample when that comes within two intervals (a real probe's queries start
 * a little late, or take long), else for one interval (the last sample, or one before the probe was stopped:
 * it covers one interval, not the gap), clipped to the window asked about. On the simulation's clock samples come
 * exactly one interval apart, so each counts for exactly its interval. A failed
 * sample is downtime; an answered sample from an instance other than the one expected at that moment
 * (the old slot, a cached DNS answer) is stale, counted apart: client-seen downtime is the sum of both.
 */

/** One query of the probe. */
export interface Sample {
  /** When the query started (simulated time in the simulation, wall-clock time against a real database). */
  readonly at: Date;
  /** The query answered. */
  readonly ok: boolean;
  /** The instance that answered, as the database says (the simulation's identity row; a real server's address). */
  readonly instanceId?: string;
  /** Why the query failed: NXDOMAIN, ECONNREFUSED, a PostgreSQL error, a timeout. */
  readonly error?: string;
  /** The data's newest timestamp, when the query returns one. */
  readonly dataTime?: Date;
  /** Real milliseconds the resolve, connect and query took. */
  readonly latencyMs?: number;
}

/** Which instance should answer at a moment: one identifier, or a function of the time (a swap changes it). */
export type Expected = string | ((at: Date) => string | undefined);

/** A stretch of consecutive failed (or stale) samples. */
export interface Window {
  readonly from: Date;
  readonly to: Date;
  readonly seconds: number;
  readonly kind: 'failed' | 'stale';
  /** Distinct errors of the failed samples (failed windows), or the instances that answered (stale windows). */
  readonly causes: readonly string[];
}

/** What the samples of one window say. */
export interface Measure {
  readonly from: Date;
  readonly to: Date;
  /** Samples taken in the window. */
  readonly samples: number;
  readonly failedSamples: number;
  readonly staleSamples: number;
  /** Seconds covered by failed samples. */
  readonly downtimeSeconds: number;
  /** Seconds covered by answered samples from another instance than the expected one. */
  readonly staleSeconds: number;
  /** downtimeSeconds + staleSeconds: what a client saw as not the database it should reach. */
  readonly clientDowntimeSeconds: number;
  /** Seconds covered by any sample (the part of the window the probe watched). */
  readonly observedSeconds: number;
  readonly windows: readonly Window[];
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  /** The probe's interval: the most a sample counts for. */
  readonly intervalSeconds: number;
  /** The window; default: the first sample to the end of the last one's interval. */
  readonly from?: Date;
  readonly to?: Date;
  /** Which instance should answer; without it, no sample is stale. */
  readonly expected?: Expected;
}

/** Invalid input to the measure: a bug of the caller, never a measured outcome. */
export class SampleMeasureError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SampleMeasureError';
  }
}

/** The kind of one sample, judged against what was expected at its time. */
export function classify(sample: Sample, expected?: Expected): 'ok' | 'failed' | 'stale' {
  if (!sample.ok) return 'failed';
  const want = typeof expected === 'function' ? expected(sample.at) : expected;
  return want !== undefined && sample.instanceId !== want ? 'stale' : 'ok';
}

/** Client-seen downtime over a window, from the samples (in any order). */
export function measure(samples: readonly Sample[], options: MeasureOptions): Measure {
  const intervalMs = options.intervalSeconds * 1000;
  if (!(intervalMs > 0)) throw new SampleMeasureError(`intervalSeconds must be positive, got ${options.intervalSeconds}`);
  const sorted = [...samples].sort((a, b) => a.at.getTime() - b.at.getTime());
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const from = options.from?.getTime() ?? first?.at.getTime() ?? 0;
  const to = options.to?.getTime() ?? (last ? last.at.getTime() + intervalMs : from);
  if (to < from) throw new SampleMeasureError(`the window ends (${new Date(to).toISOString()}) before it starts (${new Date(from).toISOString()})`);

  let failedMs = 0;
  let staleMs = 0;
  let observedMs = 0;
  let failedSamples = 0;
  let staleSamples = 0;
  let inWindow = 0;
  const windows: { from: number; to: number; kind: 'failed' | 'stale'; causes: Set<string> }[] = [];
  sorted.forEach((sample, i) => {
    const start = sample.at.getTime();
    const next = sorted[i + 1]?.at.getTime() ?? Infinity;
    const end = next - start <= 2 * intervalMs ? next : start + intervalMs;
    if (start >= from && start < to) inWindow += 1;
    const covered = Math.max(0, Math.min(end, to) - Math.max(start, from));
    if (covered === 0) return;
    observedMs += covered;
    const kind = classify(sample, options.expected);
    if (kind === 'ok') return;
    if (kind === 'failed') {
      failedMs += covered;
      failedSamples += 1;
    } else {
      staleMs += covered;
      staleSamples += 1;
    }
    const cause = kind === 'failed' ? (sample.error ?? 'error') : (sample.instanceId ?? 'unknown instance');
    const open = windows[windows.length - 1];
    // A window goes on while the same kind follows without a gap in coverage.
    if (open && open.kind === kind && open.to === Math.max(start, from)) {
      open.to = Math.min(end, to);
      open.causes.add(cause);
    } else {
      windows.push({ from: Math.max(start, from), to: Math.min(end, to), kind, causes: new Set([cause]) });
    }
  });
  const seconds = (ms: number) => Math.round(ms) / 1000;
  return {
    from: new Date(from),
    to: new Date(to),
    samples: inWindow,
    failedSamples,
    staleSamples,
    downtimeSeconds: seconds(failedMs),
    staleSeconds: seconds(staleMs),
    clientDowntimeSeconds: seconds(failedMs + staleMs),
    observedSeconds: seconds(observedMs),
    windows: windows.map((w) => ({ from: new Date(w.from), to: new Date(w.to), seconds: seconds(w.to - w.from), kind: w.kind, causes: [...w.causes] })),
  };
}
