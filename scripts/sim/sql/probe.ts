/**
 * The simulated SQL probe: a client that, every `intervalSeconds` of simulated time, resolves the name clients use
 * (y's endpoint name, or the dns-switch Route 53 record) through its own caching resolver, connects with `pg` to the
 * real PostgreSQL server at that answer (scripts/sim/sql/servers.ts) and runs {@link PROBE_SQL}. Each query is a
 * {@link Sample}; scripts/sim/sql/samples.ts turns samples into client-seen downtime.
 *
 * Each sample is a piece of work on the VirtualClock, which awaits it: simulated time stands still while the real
 * query runs, so a run gives the same samples whatever the machine's speed. A name that does not resolve fails
 * with NXDOMAIN; an answer whose server is gone or suspended fails with ECONNREFUSED (nothing listens at that
 * address), and one whose security groups do not admit the client with ETIMEDOUT (`reachable`), without opening a
 * socket; anything else is decided by the real server.
 *
 * Start and stop it around the window to measure (a refresh run): `stop()` makes the tick already queued on the
 * clock a no-op.
 */
import type { VirtualClock } from '../clock';
import type { Resolver, SimDns } from './dns';
import { querySample } from './query';
import type { Expected, Measure, Sample } from './samples';
import { measure } from './samples';
import type { SimDatabaseServers } from './servers';
import { PROBE_SQL } from './servers';

/** Options of {@link startProbe}. */
export interface SimProbeOptions {
  readonly clock: VirtualClock;
  readonly dns: SimDns;
  readonly servers: SimDatabaseServers;
  /** The name clients connect to. */
  readonly name: string;
  /** Simulated seconds between queries (default 5). */
  readonly intervalSeconds?: number;
  /** The client's resolver (default: a new one from `dns`, so the probe caches like one client). */
  readonly resolver?: Resolver;
  /** Which instance should answer; answers from another one are stale. Can be changed later with `expect`. */
  readonly expected?: Expected;
  /** The query (default {@link PROBE_SQL}). */
  readonly sql?: string;
  /** Real milliseconds a connect or query may take before it fails (default 5000). */
  readonly timeoutMs?: number;
  /** Runs before each sample, at its simulated time: the simulation brings its servers and DNS up to date there. */
  readonly beforeSample?: (at: Date) => Promise<void> | void;
  /**
   * Whether the client's network reaches an instance: its security groups admit the client (default: always). One
   * that does not is dropped, not refused: the connect times out (ETIMEDOUT), without a socket opened.
   */
  readonly reachable?: (instanceId: string) => boolean;
}

/** A running probe. */
export interface SimProbe {
  /** Every sample so far, in time order. */
  readonly samples: readonly Sample[];
  readonly intervalSeconds: number;
  /** Whether it still samples. */
  readonly running: boolean;
  /** Stops sampling; the samples stay. */
  stop(): void;
  /** Replaces which instance should answer, for every later measure (a function of time covers a swap). */
  expect(expected: Expected | undefined): void;
  /** Seconds of failed samples in [from, to) (default: every sample). */
  downtimeSeconds(from?: Date, to?: Date): number;
  /** The full measure of [from, to): failed, stale, windows. */
  measure(from?: Date, to?: Date): Measure;
}

/** Starts sampling at the clock's current time. */
export function startProbe(options: SimProbeOptions): SimProbe {
  const { clock, dns, servers, name } = options;
  const intervalSeconds = options.intervalSeconds ?? 5;
  if (!(intervalSeconds > 0)) throw new RangeError(`intervalSeconds must be positive, got ${intervalSeconds}`);
  const resolver = options.resolver ?? dns.resolver();
  const sql = options.sql ?? PROBE_SQL;
  const timeoutMs = options.timeoutMs ?? 5000;
  const samples: Sample[] = [];
  let expected = options.expected;
  let running = true;

  const sampleAt = async (at: Date): Promise<Sample> => {
    const answer = resolver.resolve(name, at);
    if ('error' in answer) return { at, ok: false, error: answer.error };
    const server = servers.atAddress(answer.address);
    if (server?.port === undefined) return { at, ok: false, error: 'ECONNREFUSED' };
    if (options.reachable && !options.reachable(server.instanceId)) return { at, ok: false, error: 'ETIMEDOUT' };
    return querySample({ host: '127.0.0.1', port: server.port, user: 'postgres', database: 'postgres', ssl: false, timeoutMs }, sql, at);
  };

  const tick = (at: number) => {
    clock.at(at, `probe ${name}`, async () => {
      if (!running) return;
      await options.beforeSample?.(new Date(at));
      samples.push(await sampleAt(new Date(at)));
      tick(at + intervalSeconds * 1000);
    });
  };
  tick(clock.millis);

  const measureWindow = (from?: Date, to?: Date) => measure(samples, { intervalSeconds, ...(from ? { from } : {}), ...(to ? { to } : {}), ...(expected !== undefined ? { expected } : {}) });
  return {
    samples,
    intervalSeconds,
    get running() {
      return running;
    },
    stop() {
      running = false;
    },
    expect(next) {
      expected = next;
    },
    downtimeSeconds: (from, to) => measureWindow(from, to).downtimeSeconds,
    measure: measureWindow,
  };
}
