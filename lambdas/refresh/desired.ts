/**
 * Which settings a refresh restores y with. y's live settings are the truth only when y is as the project left it
 * after a clean run, or was never refreshed: a y the project restored but did not finish configuring (its run failed,
 * or closed with drift) is never captured, or its degraded settings would become the ones to keep. Then the recorded
 * settings (ledger item DESIRED, kept by every clean run) are used, with config overrides on top.
 */
import type { PairConfig } from '../kernel/config';
import type { TargetSettings, TargetView } from '../kernel/model';
import type { Deps } from '../kernel/ports';
import { LINEAGE_TAGS } from '../targets/lineage';
import { targetOf } from '../targets/registry';

/** The settings to restore y with, where they came from, and why. */
export interface ResolvedDesired {
  settings: TargetSettings;
  source: 'live' | 'recorded' | 'restoring-run';
  detail: string;
  /** The project's run that restored y as it is now, when y's lineage names one the ledger holds. */
  restoredBy?: { runId: string; status: string };
}

/** Resolves the settings a refresh of `replica` (y as it is now) restores y with. */
export async function resolveDesired(deps: Deps, pair: PairConfig, replica: TargetView): Promise<ResolvedDesired> {
  const live = (): TargetSettings => targetOf(pair).desiredSettings(replica.settings, pair.overrides, replica.engine);
  const runId = replica.tags[LINEAGE_TAGS.runId];
  if (!runId) return { settings: live(), source: 'live', detail: `captured from ${replica.id} as it is (no refresh restored it yet)` };
  const restoredBy = await deps.ledger.getRun(replica.id, runId);
  const clean = restoredBy?.status === 'succeeded' && (restoredBy.drift ?? []).length === 0;
  if (!restoredBy) return { settings: live(), source: 'live', detail: `captured from ${replica.id} as it is (run ${runId} is not in the ledger)` };
  const by = { restoredBy: { runId, status: restoredBy.status } };
  if (clean) return { settings: live(), source: 'live', detail: `captured from ${replica.id} as it is (run ${runId} left it fully configured)`, ...by };
  const why = restoredBy.status === 'failed' ? `failed (${restoredBy.reason ?? 'unknown'})` : `closed with drift in ${(restoredBy.drift ?? []).map((d) => d.setting).join(', ')}`;
  const recorded = await deps.ledger.getDesired(replica.id);
  if (recorded) {
    return {
      settings: targetOf(pair).desiredSettings({ ...recorded.settings, tags: { ...recorded.settings.tags } }, pair.overrides, replica.engine),
      source: 'recorded',
      ...by,
      detail: `${replica.id} was restored by run ${runId}, which ${why}: its live settings are not y's, so the settings recorded at ${recorded.capturedAt}${recorded.runId ? ` by run ${recorded.runId}` : ''} are used`,
    };
  }
  if (restoredBy.desired) {
    return {
      settings: targetOf(pair).desiredSettings(restoredBy.desired, pair.overrides, replica.engine),
      source: 'restoring-run',
      ...by,
      detail: `${replica.id} was restored by run ${runId}, which ${why}: the settings that run meant to restore are used (no clean run recorded any yet)`,
    };
  }
  return { settings: live(), source: 'live', ...by, detail: `captured from ${replica.id} as it is: run ${runId} ${why} and no settings are recorded; check the drift after this refresh` };
}
