/**
 * The refresh strategy seam: how a run gets from "preflight passed" to "the new copy serves". Delete-first (today's
 * only mode) deletes y, then restores it under its name; a swap mode would restore a second instance beside y and
 * switch over. The lifecycle (../machine.ts) records every move; a strategy decides which move comes next, from the
 * start, the target's events and the watchdog's polls. A new mode is a new file here and one line in registry.ts.
 */
import type { PairConfig } from '../../kernel/config';
import type { RunPhase, RunRecord, TargetView } from '../../kernel/model';
import type { Deps } from '../../kernel/ports';
import type { FinishOutcome, RestoreOutcome, RunContext } from '../lifecycle';
import type { StartResult } from '../start';

/** The refresh modes a pair may choose (`refresh.mode`). */
export type RefreshMode = 'delete-first' | 'rename-swap' | 'dns-switch';

/** When and how the target was seen gone or usable: by its RDS event (with RDS's time) or by the watchdog's poll. */
export interface Sighting {
  at?: Date;
  source: 'event' | 'poll';
}

/** One way of refreshing a replica. */
export interface RefreshStrategy {
  readonly mode: RefreshMode;
  /** The phase a run opens in once its preflight passed, and the lifecycle event that opens it there. */
  readonly firstPhase: RunPhase;
  readonly openEvent: 'start' | 'start-beside';
  /**
   * The instance clients use now, whose settings a refresh captures: y (the default), or the live one of a
   * dns-switch pair's two instances (where its record points).
   */
  liveOf?(deps: Deps, ctx: RunContext): Promise<string>;
  /**
   * The physical names a run of this mode makes beside the live instance (`copyId`, and `retiredId`, the name the
   * live one ends under), fixed when the run opens.
   */
  namesOf?(pair: PairConfig, runId: string, liveId: string): Pick<RunRecord, 'copyId' | 'retiredId'>;
  /** The instances whose presence means y exists (the watchdog's check outside runs): y by default. */
  servingCandidates?(pair: PairConfig): readonly string[];
  /**
   * Whether an RDS event's source concerns the pair: events name physical resources (y, an Aurora y's members, or an
   * instance a swap mode runs beside y).
   */
  manages(pair: PairConfig, sourceType: string, sourceId: string): boolean;
  /**
   * The run's first step, right after it was opened: `replica` is y as the preflight saw it.
   * @returns a result when the run ended here (failed), undefined when the step is under way
   */
  begin(deps: Deps, ctx: RunContext, run: RunRecord, replica: TargetView, opts: { disableDeletionProtection: boolean }): Promise<StartResult | undefined>;
  /** Whether a run in its first phase never recorded its first step (its start died half way). */
  interrupted(run: RunRecord): boolean;
  /** A retried start whose first attempt opened the run and died before its first step was recorded. */
  resume(deps: Deps, ctx: RunContext, run: RunRecord): Promise<StartResult>;
  /** Whether the run is waiting for its target to be gone (a deletion event then moves it on). */
  awaitsGone(run: RunRecord): boolean;
  /** The target is gone. */
  onGone(deps: Deps, ctx: RunContext, run: RunRecord, gone: Sighting): Promise<RestoreOutcome>;
  /** Whether the run is waiting for its new copy to be usable (a usable event then moves it on). */
  awaitsUsable(run: RunRecord): boolean;
  /** The new copy is usable. `force` closes even when RDS still refuses the post-restore changes. */
  onUsable(deps: Deps, ctx: RunContext, run: RunRecord, usable: Required<Pick<Sighting, 'at'>> & Sighting & { force?: boolean }): Promise<FinishOutcome>;
  /**
   * One watchdog look at an active run that is not stuck, with y as the region's listing shows it: acts for events
   * that never came, retries what is due.
   * @returns what it did, for the watchdog's outcome
   */
  poll(deps: Deps, ctx: RunContext, run: RunRecord, y: TargetView | undefined): Promise<string>;
  /**
   * A swap mode: whether the run is waiting for the instance under y's name to serve again after its switch, which
   * RDS's "restarted" event (RDS-EVENT-0006, after a rename's reboot) or a poll then confirms.
   */
  awaitsSwitch?(run: RunRecord): boolean;
  /** The instance named `sourceId` restarted (RDS-EVENT-0006). */
  onRestarted?(deps: Deps, ctx: RunContext, run: RunRecord, sourceId: string, seen: Sighting): Promise<string>;
  /**
   * Work outside any run, on every watchdog pass (rename-swap: deleting old instances kept past `keepOldHours`).
   * @param present the identifiers of the region's instances, from the pass's one listing: what is not there needs no call
   * @returns what it did, or undefined when there was nothing to do
   */
  housekeep?(deps: Deps, ctx: RunContext, present: ReadonlySet<string>): Promise<string | undefined>;
}
