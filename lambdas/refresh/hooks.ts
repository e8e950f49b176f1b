/**
 * A pair's staging hooks (`staging.hooks`, issue 17): after each restore, SQL files run on the restored instance as
 * its master user (masking, grants: each in one read-write transaction), then checks that must pass. Unmasked data is
 * never served: a pair with hooks is restored into its isolation security group, without public access
 * (`staging.isolationSecurityGroupId`, which admits only the SQL runner), and gets its own network settings back only
 * once every hook passed (the `network` settings group, held back until then). A hook that fails leaves the instance
 * isolated (`onFailure: "isolate"`) or deletes it (`"delete"`); a swap mode never switches to it.
 */
import { hookSteps } from '../kernel/config';
import type { PairConfig } from '../kernel/config';
import { describeError } from '../kernel/errors';
import type { RunRecord, TargetView, ValidationStepResult } from '../kernel/model';
import type { Deps } from '../kernel/ports';
import type { RunContext } from './lifecycle';

/** Whether the pair has hooks to run after each restore. */
export function hasHooks(pair: PairConfig): boolean {
  const h = pair.staging?.hooks;
  return h !== undefined && h.afterRestore.length + h.validate.length > 0;
}

/** The settings group held back until the hooks passed: the one that lets clients in. */
export const NETWORK_GROUP = 'network';

/** What a restore of a pair with hooks gets instead of y's network settings: its isolation group, no public access. */
export function isolatedNetwork(pair: PairConfig): { vpcSecurityGroupIds: string[]; publiclyAccessible: false } | undefined {
  const sg = pair.staging?.isolationSecurityGroupId;
  return hasHooks(pair) && sg ? { vpcSecurityGroupIds: [sg], publiclyAccessible: false } : undefined;
}

/** How the hooks went. */
export type HooksOutcome = { ok: true; hooks: ValidationStepResult[] } | { ok: false; hooks: ValidationStepResult[]; reason: string };

/**
 * Runs the pair's hooks on `target` (the restored instance) through its SQL runner.
 * @returns ok with each hook's result, or the first failure named by its file
 */
export async function runHooks(deps: Deps, ctx: RunContext, run: RunRecord, target: TargetView): Promise<HooksOutcome> {
  if (!deps.validator) return { ok: false, hooks: [], reason: 'this function has no SQL runner for the pair (staging.runner), so its hooks could not run' };
  const steps = hookSteps(ctx.pair);
  try {
    const result = await deps.validator.runHooks({ pair: ctx.pair, runId: run.runId, target, afterRestore: steps.afterRestore, validate: steps.validate });
    deps.telemetry.info('staging hooks ran', { replica: run.replicaId, runId: run.runId, ok: result.ok, hooks: result.steps.map((s) => `${s.name}:${s.status}`) });
    if (result.ok) return { ok: true, hooks: result.steps };
    const failed = result.steps.find((s) => s.status === 'failed');
    return { ok: false, hooks: result.steps, reason: `staging hook ${failed?.name ?? '?'} failed: ${failed?.error ?? result.error ?? 'unknown error'}` };
  } catch (err) {
    return { ok: false, hooks: [], reason: `the staging hooks could not run: ${describeError(err)}` };
  }
}

/**
 * A delete-first y whose hooks failed: it stays isolated (it was restored so, and its network group was held back;
 * public access is turned off again should anything have opened it) or is deleted, as `staging.onFailure` says.
 * @returns what became of y, for the run's reason
 */
export async function quarantine(deps: Deps, ctx: RunContext, run: RunRecord, y: TargetView): Promise<string> {
  const how = ctx.pair.staging?.onFailure ?? 'isolate';
  try {
    if (how === 'delete') {
      if (y.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value) return `${y.id} lacks the ownership tag and was left isolated, not deleted.`;
      // A restore gives y back its deletion protection: it is turned off first where the pair allows it.
      if (y.settings.deletionProtection) {
        if (!ctx.pair.allowDisablingDeletionProtection) return `${y.id} has deletion protection and the pair does not allow turning it off (allowDisablingDeletionProtection), so it was left isolated, not deleted.`;
        await ctx.gateway.disableDeletionProtection(y.id);
      }
      await ctx.gateway.delete(y.id);
      return `${y.id} is being deleted (staging.onFailure "delete"); the next night restores it afresh.`;
    }
    const isolated = isolatedNetwork(ctx.pair);
    if (isolated) await ctx.gateway.modify(y.id, { settings: isolated });
    return `${y.id} is kept isolated (security group ${ctx.pair.staging?.isolationSecurityGroupId ?? '?'} only, no public access): developers cannot reach its unmasked data; the next night restores it afresh.`;
  } catch (err) {
    deps.telemetry.error('quarantine failed', { replica: run.replicaId, runId: run.runId, error: describeError(err) });
    return `taking ${y.id} out of reach FAILED (${describeError(err)}): check its security groups now.`;
  }
}
