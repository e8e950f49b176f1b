/**
 * Exit codes and the errors that choose them, the same on every command (README, "Exit codes"):
 * 0 success; 1 failure (a run failed, an RTO was missed, something needs attention); 2 usage error (an option, the
 * config, an unknown replica); 3 refused (the preflight said no, or the operator did not confirm).
 */

/** The exit codes. */
export const EXIT = { ok: 0, failure: 1, usage: 2, refused: 3 } as const;

/** What the person typed (or the config they pointed at) is wrong: exit 2, with what to do instead. */
export class UsageError extends Error {
  public override readonly name = 'UsageError';

  /**
   * @param message what is wrong, naming the flag, key or value
   * @param hint what to do next, printed on a second line
   */
  public constructor(
    message: string,
    public readonly hint?: string,
  ) {
    super(message);
  }
}
