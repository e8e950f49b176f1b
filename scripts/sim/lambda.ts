/**
 * Lambda as the pipeline meets it: asynchronous, at-least-once invocation; on a function error two
 * retries about 1 and 2 minutes later, then the on-failure destination. (SNS is in sns.ts.)
 */
import { performance } from 'node:perf_hooks';
import type { VirtualClock } from './clock';
import type { Distribution, Random } from './random';
import { uniform } from './random';

/** One invocation attempt. */
export interface Invocation {
  function: string;
  time: Date;
  attempt: number;
  event: unknown;
  outcome: 'ok' | 'error';
  result?: unknown;
  error?: string;
  /** Real (wall-clock) milliseconds the handler ran; virtual time stands still meanwhile. */
  realMs: number;
}

/** An event that failed every attempt, as the on-failure destination receives it. */
export interface DeadLetter {
  function: string;
  time: Date;
  event: unknown;
  error: string;
}

/** Decides whether an attempt fails before the function runs (fault injection). */
export type FailurePlan = (event: unknown, attempt: number) => string | undefined;

/** A simulated Lambda function. */
export class SimLambda {
  public readonly invocations: Invocation[] = [];
  /** Set by a fault scenario: attempts it returns a message for fail as a function error would. */
  public failWhen: FailurePlan | undefined;

  /**
   * @param retryAttempts Lambda's async retries (0–2), as configured by the CDK app
   * @param onFailure the on-failure destination
   */
  public constructor(
    public readonly name: string,
    private readonly clock: VirtualClock,
    private readonly random: Random,
    private readonly handler: (event: unknown) => Promise<unknown>,
    private readonly retryAttempts: number,
    private readonly onFailure: (letter: DeadLetter) => void,
    private readonly queueDelay: Distribution = uniform(0.05, 0.5),
    private readonly onResult?: (invocation: Invocation) => void,
  ) {}

  /** Invokes asynchronously (InvocationType Event): queued, retried, then dead-lettered. */
  public invokeAsync(event: unknown): void {
    this.clock.after(this.random.duration(this.queueDelay), `${this.name} invoke`, () => this.attempt(event, 1));
  }

  /** Invokes synchronously (RequestResponse): the caller gets the result or the error; no retries. */
  public async invoke(event: unknown): Promise<unknown> {
    const inv = await this.run(event, 1);
    if (inv.outcome === 'error') throw new Error(`${this.name} failed: ${inv.error}`);
    return inv.result;
  }

  private async run(event: unknown, attempt: number): Promise<Invocation> {
    const base = { function: this.name, time: this.clock.now(), attempt, event };
    const started = performance.now();
    let inv: Invocation;
    try {
      const injected = this.failWhen?.(event, attempt);
      if (injected) throw new Error(injected);
      const result = await this.handler(structuredClone(event));
      inv = { ...base, outcome: 'ok', result, realMs: performance.now() - started };
    } catch (err) {
      inv = { ...base, outcome: 'error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err), realMs: performance.now() - started };
    }
    this.invocations.push(inv);
    this.onResult?.(inv);
    return inv;
  }

  private async attempt(event: unknown, attempt: number): Promise<void> {
    const inv = await this.run(event, attempt);
    if (inv.outcome === 'ok') return;
    if (attempt <= this.retryAttempts) {
      // Lambda waits about 1 minute before the first retry and 2 before the second.
      const wait = (attempt === 1 ? 60 : 120) * 1000 + this.random.duration(uniform(0, 20));
      this.clock.after(wait, `${this.name} retry ${attempt}`, () => this.attempt(event, attempt + 1));
      return;
    }
    this.onFailure({ function: this.name, time: this.clock.now(), event, error: inv.error ?? 'unknown' });
  }
}
