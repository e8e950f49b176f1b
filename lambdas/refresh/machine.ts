/**
 * The run lifecycle as one table: every state a run can be in, every event that moves it, from which states, to
 * which, and on what guard. {@link transition} is the only way a run changes state: it checks the table, then writes
 * the move conditionally on the run's version (and its state), so two deliveries of one event cannot both move a run,
 * and a move computed from a stale read fails instead of overwriting a newer one. The README's lifecycle diagram is
 * generated from this table (`npm run docs`); a test fails when they differ.
 */
import { StaleRunError } from '../kernel/errors';
import type { RunPhase, RunRecord } from '../kernel/model';
import type { Deps } from '../kernel/ports';

/** A run's state: its phase while active, its outcome once closed. */
export type RunState = RunPhase | 'succeeded' | 'failed' | 'refused';

/** The states of an active run. */
export const ACTIVE_STATES: readonly RunPhase[] = ['deleting', 'deleted', 'preparing', 'restoring', 'finishing', 'switching'];

/** One row of the table: an event moves a run from one of `from` to `to` when `guard` holds. */
export interface Transition {
  /** States the event applies in; empty: the event opens a run (no run is active). */
  from: readonly RunState[];
  to: RunState;
  /** What must hold, in words; the caller checks it against RDS and the run before asking for the move. */
  guard: string;
  /** Who makes the move. */
  by: string;
}

/** Every move a run can make. */
export const TRANSITIONS = {
  start: { from: [], to: 'deleting', guard: 'preflight passed; no other run of the replica is active; mode delete-first', by: 'start-refresh' },
  'start-beside': { from: [], to: 'preparing', guard: 'preflight passed; no other run of the replica is active; a swap mode: y keeps serving', by: 'start-refresh' },
  refuse: { from: [], to: 'refused', guard: 'a preflight check failed, or another run is active: y untouched', by: 'start-refresh' },
  heal: { from: [], to: 'deleted', guard: "y is missing and the ledger shows a run of the project's deleted it (or the pair opted in to healing)", by: 'start-refresh, watchdog' },
  'claim-restore': { from: ['deleting', 'deleted', 'preparing'], to: 'restoring', guard: 'y is gone (event or poll), or a swap mode restores beside y; the back-off has passed; attempts left', by: 'start-refresh, on-rds-event, watchdog' },
  'reclaim-restore': { from: ['restoring'], to: 'restoring', guard: 'the claim is older than the grace and no restore request was recorded', by: 'watchdog' },
  'not-yet-deleted': { from: ['restoring'], to: 'deleting', guard: 'RDS refused the restore because y still exists', by: 'on-rds-event, watchdog' },
  'restore-retry': { from: ['restoring'], to: 'deleted', guard: 'the restore failed with a retryable error; nextRetryAt is set', by: 'on-rds-event, watchdog' },
  'restore-vanished': { from: ['restoring'], to: 'deleted', guard: 'RDS accepted the restore and y is gone again', by: 'watchdog' },
  'copy-retry': { from: ['restoring'], to: 'preparing', guard: 'a swap mode: the restore beside y failed with a retryable error; nextRetryAt is set', by: 'start-refresh, on-rds-event, watchdog' },
  'copy-vanished': { from: ['restoring'], to: 'preparing', guard: 'a swap mode: RDS accepted the restore beside y and the copy is gone again', by: 'watchdog' },
  usable: { from: ['restoring'], to: 'finishing', guard: 'y, restored by this run, is in a state that serves connections', by: 'on-rds-event, watchdog' },
  succeed: { from: ['finishing'], to: 'succeeded', guard: 'delete-first: the post-restore changes are applied (or refused for good) and drift is checked', by: 'on-rds-event, watchdog' },
  switch: { from: ['finishing'], to: 'switching', guard: 'a swap mode: the copy has its settings and passed its validation; clients move to it from here', by: 'on-rds-event, watchdog' },
  switched: { from: ['switching'], to: 'succeeded', guard: 'the copy serves under the name clients use', by: 'on-rds-event, watchdog' },
  fail: {
    from: ['deleting', 'deleted', 'preparing', 'restoring', 'finishing', 'switching'],
    to: 'failed',
    guard: 'restore attempts used up, rejected, failed state, no snapshot or settings, a copy that failed validation (never switched), a switch rolled back, or stuck with y present',
    by: 'start-refresh, on-rds-event, watchdog',
  },
} as const satisfies Record<string, Transition>;

/** An event of the lifecycle. */
export type RunEvent = keyof typeof TRANSITIONS;

/** A move the table does not allow: a bug in the caller, never a race (races end in {@link StaleRunError}). */
export class IllegalTransitionError extends Error {
  public constructor(run: Pick<RunRecord, 'replicaId' | 'runId'>, event: RunEvent, state: RunState | undefined) {
    const t: Transition = TRANSITIONS[event];
    super(`run ${run.runId} of ${run.replicaId}: event "${event}" applies in ${t.from.join(', ') || 'no state (it opens a run)'}, not in ${state ?? 'an unknown state'}`);
    this.name = 'IllegalTransitionError';
  }
}

/** The state of a run record. */
export function stateOf(run: Pick<RunRecord, 'status' | 'phase'>): RunState | undefined {
  return run.status === 'active' ? run.phase : run.status;
}

function isPhase(state: RunState): state is RunPhase {
  return (ACTIVE_STATES as readonly string[]).includes(state);
}

/**
 * Moves the active run by `event`, writing `changes` with the move. The write is conditional on the run's version and
 * state; when only the version moved on (another invocation recorded a detail, not a move), the run is read again and
 * the move retried once from the fresh record.
 * @param options.dueBy the run's back-off: the move fails unless its next attempt is due by then
 * @returns the run as written
 * @throws IllegalTransitionError when the table does not allow the move from the run's state
 * @throws StaleRunError when the run moved on or is no longer the active one
 */
export async function transition(deps: Pick<Deps, 'ledger'>, run: RunRecord, event: Exclude<RunEvent, 'start' | 'start-beside' | 'refuse' | 'heal'>, changes: Partial<RunRecord> = {}, options: { dueBy?: string } = {}): Promise<RunRecord> {
  const t: Transition = TRANSITIONS[event];
  const from = t.from as readonly RunPhase[];
  const state = stateOf(run);
  if (!state || !(from as readonly string[]).includes(state)) throw new IllegalTransitionError(run, event, state);
  const target = isPhase(t.to) ? { phase: t.to } : { status: t.to as RunRecord['status'] };
  const move = (current: RunRecord) => deps.ledger.moveRun(current, { ...changes, ...target }, from, options);
  try {
    return await move(run);
  } catch (err) {
    if (!(err instanceof StaleRunError)) throw err;
    const fresh = await deps.ledger.getActiveRun(run.replicaId);
    const freshState = fresh ? stateOf(fresh) : undefined;
    if (!fresh || fresh.runId !== run.runId || fresh.version === run.version || !freshState || !(from as readonly string[]).includes(freshState)) throw err;
    return move(fresh);
  }
}

/**
 * Opens a run by `event` (start, heal) or records a refusal: the record must be in the state the table says the event
 * leads to. Opening is conditional on the replica having no active run.
 * @throws ActiveRunExistsError when another run is active (start, heal)
 */
export async function openRun(deps: Pick<Deps, 'ledger'>, event: 'start' | 'start-beside' | 'heal' | 'refuse', run: RunRecord): Promise<RunRecord> {
  const t: Transition = TRANSITIONS[event];
  if (stateOf(run) !== t.to) throw new IllegalTransitionError(run, event, stateOf(run));
  if (event === 'refuse') {
    await deps.ledger.recordRefusal(run);
    return run;
  }
  const opened = { ...run, version: 1 };
  await deps.ledger.openRun(opened);
  return opened;
}

/** The table as a Mermaid state diagram (the README's lifecycle section is this text). */
export function lifecycleMermaid(): string {
  const lines = ['stateDiagram-v2'];
  for (const [event, raw] of Object.entries(TRANSITIONS)) {
    const t: Transition = raw;
    const froms = t.from.length === 0 ? ['[*]'] : t.from;
    for (const from of froms) lines.push(`  ${from} --> ${t.to}: ${event}`);
  }
  for (const end of ['succeeded', 'failed', 'refused']) lines.push(`  ${end} --> [*]`);
  return lines.join('\n');
}

/** The table as a Markdown table (event, from, to, guard, who). */
export function lifecycleTable(): string {
  const rows = Object.entries(TRANSITIONS).map(([event, raw]) => {
    const t: Transition = raw;
    return `| \`${event}\` | ${t.from.length === 0 ? '(no run)' : t.from.join(', ')} | ${t.to} | ${t.guard} | ${t.by} |`;
  });
  return ['| event | from | to | guard | by |', '|---|---|---|---|---|', ...rows].join('\n');
}
