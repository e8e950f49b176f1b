/**
 * Named errors. Each sets `name` and keeps its `cause`, so logs, retries and alarms can tell them apart.
 */

/** Configuration that cannot be used; the message names every key and value at fault. */
export class ConfigError extends Error {
  /** One line per problem, each naming the key and the value. */
  public readonly problems: readonly string[];
  public constructor(message: string, problems: readonly string[], options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Another run of this replica is active, so this one may not start. */
export class ActiveRunExistsError extends Error {
  public constructor(
    public readonly replicaId: string,
    public readonly activeRunId: string,
  ) {
    super(`a refresh of ${replicaId} is already running (run ${activeRunId}); wait for it to close or let the watchdog fail it`);
    this.name = 'ActiveRunExistsError';
  }
}

/** The active run changed under us (another invocation moved it on); the caller's step is a duplicate. */
export class StaleRunError extends Error {
  public constructor(
    public readonly replicaId: string,
    public readonly runId: string,
    detail: string,
  ) {
    super(`run ${runId} of ${replicaId} is no longer in the expected state: ${detail}`);
    this.name = 'StaleRunError';
  }
}

/** An RDS call failed in a way that retrying later may fix (capacity, throttling past the SDK's retries, a busy instance). */
export class RetryableRdsError extends Error {
  public constructor(
    message: string,
    public readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RetryableRdsError';
  }
}

/** An RDS call failed in a way that retrying will not fix (missing group, no KMS access, invalid request). */
export class PermanentRdsError extends Error {
  public constructor(
    message: string,
    public readonly code: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PermanentRdsError';
  }
}

/** Renders any thrown value as one line for the ledger and alerts. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Which record and zone a Route 53 fault concerns, for the ledger and the alert. */
export interface DnsErrorContext {
  hostedZoneId?: string;
  recordName?: string;
  changeId?: string;
}

/**
 * A Route 53 call failed in a way that retrying later may fix: throttling or a prior change to the zone still being
 * processed, past the SDK's own retries; a server fault; a dropped connection. The message says which zone and record.
 */
export class RetryableDnsError extends Error {
  public constructor(
    message: string,
    public readonly code: string,
    public readonly context: DnsErrorContext,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RetryableDnsError';
  }
}

/**
 * A Route 53 call failed in a way that retrying will not fix (a wrong zone ID, a record Route 53 refuses, missing
 * permissions): a person must act, and the message says what to check. Kept apart from PermanentRdsError because the
 * refresh counts RDS faults against restore attempts, and a DNS fault is no failed restore. Raised by
 * lambdas/aws/route53.ts; here, with the RDS errors, so the refresh tells them apart without importing an adapter.
 */
export class PermanentDnsError extends Error {
  public constructor(
    message: string,
    public readonly code: string,
    public readonly context: DnsErrorContext,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PermanentDnsError';
  }
}
