/**
 * The simulation's virtual clock and event queue. Scheduled work runs in time order (FIFO for equal
 * times); while a piece of work runs, virtual time stands still. `run` jumps from one event to the
 * next, so a simulated week takes seconds; `speed` > 0 makes it wait in real time, 1× or N×.
 */

interface Scheduled {
  at: number;
  seq: number;
  label: string;
  fn: () => Promise<void> | void;
}

/** A virtual clock with a queue of timed work. */
export class VirtualClock {
  private t: number;
  private seq = 0;
  private queue: Scheduled[] = [];
  /** Errors thrown by scheduled work: a simulation bug, surfaced by `run`. */
  private readonly failures: Error[] = [];
  /** Called after every piece of work, with its label: lets a test check an invariant at every step. */
  public afterStep: ((label: string) => void) | undefined;

  public constructor(start: Date) {
    this.t = start.getTime();
  }

  /** The current virtual time. */
  public readonly now = (): Date => new Date(this.t);

  /** Milliseconds since the epoch, virtual. */
  public get millis(): number {
    return this.t;
  }

  /** Runs `fn` at virtual time `at` (not before now). */
  public at(at: Date | number, label: string, fn: () => Promise<void> | void): void {
    const time = Math.max(typeof at === 'number' ? at : at.getTime(), this.t);
    const item = { at: time, seq: this.seq++, label, fn };
    // Binary insertion keeps the queue sorted by (at, seq).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.queue[mid]!;
      if (m.at < item.at || (m.at === item.at && m.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, item);
  }

  /** Runs `fn` after `ms` virtual milliseconds. */
  public after(ms: number, label: string, fn: () => Promise<void> | void): void {
    this.at(this.t + Math.max(0, ms), label, fn);
  }

  /** How many pieces of work are waiting. */
  public get pending(): number {
    return this.queue.length;
  }

  /**
   * Runs queued work in time order until the queue is empty or the next item is after `until`;
   * then sets the clock to `until`.
   * @param speed 0 (default) jumps instantly; N > 0 waits (virtual gap)/N real milliseconds between items
   */
  public async run(until: Date | number, speed = 0): Promise<void> {
    const end = typeof until === 'number' ? until : until.getTime();
    for (;;) {
      const next = this.queue[0];
      if (!next || next.at > end) break;
      this.queue.shift();
      if (speed > 0 && next.at > this.t) await new Promise((r) => setTimeout(r, (next.at - this.t) / speed));
      this.t = Math.max(this.t, next.at);
      try {
        await next.fn();
      } catch (err) {
        this.failures.push(err instanceof Error ? err : new Error(String(err)));
      }
      try {
        this.afterStep?.(next.label);
      } catch (err) {
        this.failures.push(err instanceof Error ? err : new Error(String(err)));
      }
      if (this.failures.length > 0) {
        const [first] = this.failures;
        throw new Error(`simulation step "${next.label}" failed: ${first?.message}`, { cause: first });
      }
    }
    if (speed > 0 && end > this.t) await new Promise((r) => setTimeout(r, (end - this.t) / speed));
    this.t = Math.max(this.t, end);
  }
}
