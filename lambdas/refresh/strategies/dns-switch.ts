/**
 * Dns-switch (`refresh.mode: "dns-switch"`): clients connect to a CNAME record in a Route 53 private hosted zone
 * (`refresh.dns`), which points at the live one of two instances, `<y>-a` and `<y>-b`. A refresh restores the idle
 * one beside the live one (deleting a stopped or left-over idle instance first), gives it y's settings and
 * credentials, validates it over a database connection, then UPSERTs the record to it. Clients move as their cached
 * answer expires: the old instance keeps serving until Route 53 reports the change INSYNC ("the change has been
 * propagated to all Route 53 DNS servers", GetChange API reference) and the record's TTL has passed after that, then
 * it is deleted (or stopped, `oldSlot: "stop"`). No moment leaves clients without a server: the SQL probe measures it.
 *
 * The first refresh of a pair whose record does not exist yet starts from y itself (created with its own name): the
 * record is created pointing at `<y>-a`, and y is retired as the old instance, as delete-first would have deleted it.
 *
 * Phases: preparing (the idle instance deleted when present) → restoring → finishing (configure, validate) →
 * switching (UPSERT, INSYNC, TTL) → succeeded. A copy that fails validation is never pointed at: the record and the
 * live instance are untouched, the copy is deleted and the run fails. A switch that does not reach INSYNC within
 * {@link SWITCH_DEADLINE_MINUTES} points the record back at the old instance, which still serves.
 */
import { dnsSlots } from '../../kernel/config';
import type { PairConfig } from '../../kernel/config';
import { PermanentDnsError, PermanentRdsError, RetryableDnsError, RetryableRdsError, describeError } from '../../kernel/errors';
import type { RunRecord, TargetView } from '../../kernel/model';
import type { Deps, DnsRecords } from '../../kernel/ports';
import type { FinishOutcome, Handoff, RunContext } from '../lifecycle';
import { failRun, finishRun, isRestoredBy, minutesSince } from '../lifecycle';
import type { StartResult } from '../start';
import type { RefreshStrategy, Sighting } from './strategy';
import { claimCopy, closeSwitched, discardInstance, failBeforeSwitch, ignoreStale, isSameInstance, pollCopy, swapHandoff, validateForSwitch } from './swap';

/** Minutes a switch may wait for Route 53's INSYNC before the record is pointed back at the old instance. */
export const SWITCH_DEADLINE_MINUTES = 30;

type DnsSwitchConfig = Extract<PairConfig['refresh'], { mode: 'dns-switch' }>;

function settings(pair: PairConfig): DnsSwitchConfig {
  if (pair.refresh.mode !== 'dns-switch') throw new Error(`pair ${pair.id} is not a dns-switch pair (refresh.mode "${pair.refresh.mode}")`);
  return pair.refresh;
}

function dnsOf(deps: Deps): DnsRecords {
  if (!deps.dns) throw new Error('this function has no Route 53 client, which a dns-switch pair needs: redeploy the stack ("npx cdk deploy") so that its functions get one');
  return deps.dns;
}

/** Where an instance serves (dns-switch pairs are DB instances: config refuses it for clusters). */
function endpointOf(view: TargetView | undefined): { address: string; port: number } | undefined {
  return view && view.kind !== 'cluster' ? view.endpoint : undefined;
}

/** The instance an endpoint address names: its first label (`orders-staging-a.abc123.eu-central-1.rds.amazonaws.com`). */
export function instanceOfEndpoint(address: string): string {
  return (address.split('.')[0] ?? '').toLowerCase();
}

/** The instance the record points at, or y while there is no record yet (the pair's first dns-switch refresh). */
async function liveOf(deps: Deps, ctx: RunContext): Promise<string> {
  const { dns } = settings(ctx.pair);
  const record = await dnsOf(deps).currentTarget(dns.hostedZoneId, dns.recordName);
  return record ? instanceOfEndpoint(record.target) : ctx.pair.replica.identifier;
}

/** The idle slot: the one of `<y>-a`, `<y>-b` that is not live (`<y>-a` while y itself is live). */
function namesOf(pair: PairConfig, _runId: string, liveId: string): Pick<RunRecord, 'copyId' | 'retiredId'> {
  const [a, b] = dnsSlots(pair.replica.identifier);
  return { copyId: liveId === a ? b : a, retiredId: liveId };
}

/** The live instance of a run: the one it found serving, which it retires after the switch. */
function servingOf(ctx: RunContext, run: RunRecord): string {
  return run.retiredId ?? ctx.pair.replica.identifier;
}

/**
 * The first step: the idle slot must be free. A stopped or left-over instance under its name is deleted first when
 * it carries the ownership tag (the run then waits for it to be gone); one without the tag is never touched.
 */
async function begin(deps: Deps, ctx: RunContext, run: RunRecord): Promise<StartResult | undefined> {
  const fail = async (reason: string): Promise<StartResult> => {
    const closed = await failRun(deps, ctx, run, reason);
    return { outcome: 'failed', runId: run.runId, reason: closed.reason ?? reason };
  };
  if ((run.desired?.proxyTargets ?? []).length > 0) {
    return fail(`dns-switch does not move RDS Proxy registrations yet, and ${servingOf(ctx, run)} is registered with ${run.desired!.proxyTargets!.map((t) => t.proxyName).join(', ')}; nothing was changed. Use refresh.mode "delete-first" for this pair.`);
  }
  const idle = run.copyId!;
  const left = await ctx.gateway.describe(idle);
  if (left) {
    if (left.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value) {
      return fail(`${idle}, the idle instance this refresh restores into, exists without the ownership tag (${ctx.pair.ownershipTag.key}); it was not touched. Delete or rename it, or tag it, then run the refresh again.`);
    }
    if (left.status !== 'deleting') {
      try {
        await ctx.gateway.delete(idle);
      } catch (err) {
        if (!(err instanceof RetryableRdsError || err instanceof PermanentRdsError)) throw err;
        // RDS refused for now (the instance is stopping or starting): the watchdog tries again.
        deps.telemetry.warn('idle instance not deleted yet; the watchdog retries', { replica: run.replicaId, runId: run.runId, instance: idle, error: describeError(err) });
        return undefined;
      }
    }
    await deps.ledger.updateActiveRun(run, { idleDeleteRequestedAt: deps.now().toISOString() }, ['preparing']).catch(ignoreStale);
    deps.telemetry.info('idle instance being deleted before the restore', { replica: run.replicaId, runId: run.runId, instance: idle });
    return undefined;
  }
  const outcome = await claimCopy(deps, ctx, run);
  if (outcome !== 'failed') return undefined;
  const closed = await deps.ledger.getRun(run.replicaId, run.runId);
  return { outcome: 'failed', runId: run.runId, reason: closed?.reason ?? 'the restore of the idle instance failed' };
}

/** The idle instance is gone: restore into it (an early or repeated deletion event changes nothing while it is still there). */
async function onGone(deps: Deps, ctx: RunContext, run: RunRecord): Promise<'requested' | 'duplicate' | 'not-yet-deleted' | 'retry-later' | 'failed'> {
  if (await ctx.gateway.describe(run.copyId!)) return 'duplicate';
  return claimCopy(deps, ctx, run);
}

/** The copy is configured: validate it, then point the record at it (finishRun's handoff, the run in `finishing`). */
async function validateAndPoint(deps: Deps, ctx: RunContext, run: RunRecord, configured: Partial<RunRecord>, copy: TargetView): Promise<FinishOutcome> {
  const switching = await validateForSwitch(deps, ctx, run, configured, copy, servingOf(ctx, run));
  if (typeof switching === 'string') return switching;
  return (await stepSwitch(deps, ctx, switching)) === 'failed' ? 'failed' : 'closed';
}

/**
 * One step of the switch, from what Route 53 and RDS show now: UPSERT the record to the copy, wait for INSYNC, then
 * for the TTL after it, then retire the old instance and close the run.
 */
async function stepSwitch(deps: Deps, ctx: RunContext, run: RunRecord): Promise<string> {
  const { dns, oldSlot } = settings(ctx.pair);
  const route53 = dnsOf(deps);
  const copy = await ctx.gateway.describe(run.copyId!);
  const endpoint = endpointOf(copy);
  if (!copy || !isRestoredBy(copy, run) || !endpoint) return rollBack(deps, ctx, run, `the copy ${run.copyId} is ${copy ? (endpoint ? 'not the one this run restored' : 'without an endpoint') : 'gone'}`);
  let current = run;
  try {
    if (!current.dnsChangeId) {
      const change = await route53.pointRecord({ hostedZoneId: dns.hostedZoneId, recordName: dns.recordName, target: endpoint.address, ttlSeconds: dns.ttlSeconds, comment: `replica-refresh run ${run.runId}: ${ctx.pair.id} → ${copy.id}` });
      current = await deps.ledger.updateActiveRun(current, { dnsChangeId: change.changeId, promoteRequestedAt: change.submittedAt.toISOString() }, ['switching']);
      deps.telemetry.info('switch: record pointed at the copy', { replica: run.replicaId, runId: run.runId, record: dns.recordName, copy: copy.id, changeId: change.changeId });
    }
    if (!current.dnsInsyncAt) {
      if ((await route53.changeStatus(current.dnsChangeId!)) !== 'INSYNC') return 'waiting:pending';
      current = await deps.ledger.updateActiveRun(current, { dnsInsyncAt: deps.now().toISOString() }, ['switching']);
    }
  } catch (err) {
    if (err instanceof RetryableDnsError) return 'waiting:route53';
    if (err instanceof PermanentDnsError) return rollBack(deps, ctx, current, `Route 53 refused the change: ${describeError(err)}`);
    throw err;
  }
  // Resolvers may hold the old answer for the TTL after the last server changed: the old instance serves until then.
  const clientsMovedAt = Date.parse(current.dnsInsyncAt!) + dns.ttlSeconds * 1000;
  if (deps.now().getTime() < clientsMovedAt) return 'waiting:ttl';
  const retired = await retireOld(deps, ctx, current, oldSlot);
  if (retired === 'busy') return 'waiting:old-busy';
  return closeSwitched(deps, ctx, current, copy, { at: new Date(current.dnsInsyncAt!), source: 'poll' }, current.switchRequestedAt);
}

/** Deletes (or stops) the old instance once clients have left it: only an owned one that is not the copy. */
async function retireOld(deps: Deps, ctx: RunContext, run: RunRecord, how: 'delete' | 'stop'): Promise<'done' | 'busy' | 'skipped' | 'refused'> {
  const id = run.retiredId;
  if (!id || id === run.copyId) return 'skipped';
  const old = await ctx.gateway.describe(id);
  if (!old || old.status === 'deleting' || old.status === 'stopped' || old.status === 'stopping') return 'done';
  if (!isSameInstance(old, run)) return 'skipped';
  if (old.tags[ctx.pair.ownershipTag.key] !== ctx.pair.ownershipTag.value) {
    deps.telemetry.warn('old instance without the ownership tag left in place', { replica: run.replicaId, runId: run.runId, instance: id });
    return 'skipped';
  }
  try {
    // y itself (retired by the pair's first switch) is never a slot again: it is deleted even with oldSlot "stop", which
    // keeps an idle slot cheaply until the next refresh deletes it (a stopped instance restarts by itself after 7 days,
    // StopDBInstance API reference).
    if (how === 'stop' && ctx.gateway.stop && id !== ctx.pair.replica.identifier) return (await ctx.gateway.stop(id)) === 'busy' ? 'busy' : 'done';
    await ctx.gateway.delete(id);
    return 'done';
  } catch (err) {
    if (!(err instanceof RetryableRdsError || err instanceof PermanentRdsError)) throw err;
    // The run still succeeds: clients are on the copy. The watchdog's housekeeping retires the old instance later.
    deps.telemetry.warn('old instance not retired yet; the watchdog retries', { replica: run.replicaId, runId: run.runId, instance: id, error: describeError(err) });
    return 'refused';
  }
}

/**
 * A switch that cannot complete: the record goes back to the old instance, which was never retired, and the run fails
 * with the copy deleted.
 */
async function rollBack(deps: Deps, ctx: RunContext, run: RunRecord, why: string): Promise<string> {
  const { dns } = settings(ctx.pair);
  const old = run.retiredId ? await ctx.gateway.describe(run.retiredId) : undefined;
  const oldEndpoint = endpointOf(old);
  if (run.dnsChangeId && old && oldEndpoint) {
    try {
      await dnsOf(deps).pointRecord({ hostedZoneId: dns.hostedZoneId, recordName: dns.recordName, target: oldEndpoint.address, ttlSeconds: dns.ttlSeconds, comment: `replica-refresh run ${run.runId}: rolled back to ${old.id}` });
    } catch (err) {
      if (err instanceof RetryableDnsError) return 'rollback:retry';
      throw err;
    }
  }
  const rolled = { rolledBackAt: deps.now().toISOString(), rollbackReason: why };
  await failBeforeSwitch(deps, ctx, { ...run, ...rolled }, servingOf(ctx, run), `the switch was rolled back (${why}): the record points at ${run.retiredId ?? 'the old instance'} again.`, rolled);
  return 'failed';
}

/** What the finish hands a configured copy to: validation and the record's UPSERT. */
function handoffOf(deps: Deps, ctx: RunContext): Handoff {
  return swapHandoff(deps, ctx, (r) => servingOf(ctx, r), (fresh, configured, copy) => validateAndPoint(deps, ctx, fresh, configured, copy));
}

/** The watchdog's look at a run: what an event did not bring, retried or continued. */
async function poll(deps: Deps, ctx: RunContext, run: RunRecord): Promise<string> {
  const now = deps.now();
  const grace = ctx.pair.deletionEventGraceMinutes;
  switch (run.phase) {
    case 'preparing': {
      if (run.nextRetryAt && Date.parse(run.nextRetryAt) > now.getTime()) return 'waiting:retry';
      if (!run.restoreClaimedAt && !run.idleDeleteRequestedAt && minutesSince(run.startedAt, now) < grace) return 'waiting:start';
      if (run.idleDeleteRequestedAt || (await ctx.gateway.describe(run.copyId!))) {
        const idle = await ctx.gateway.describe(run.copyId!);
        if (idle) return idle.status === 'deleting' ? 'waiting:idle-deleting' : `begin:${(await begin(deps, ctx, run))?.outcome ?? 'under-way'}`;
      }
      return `restore:${await claimCopy(deps, ctx, run)}`;
    }
    case 'restoring':
    case 'finishing':
      return (await pollCopy(deps, ctx, run, servingOf(ctx, run), handoffOf(deps, ctx)))!;
    case 'switching':
      if (!run.dnsInsyncAt && minutesSince(run.switchRequestedAt, now) > SWITCH_DEADLINE_MINUTES) return rollBack(deps, ctx, run, `Route 53 did not report the change INSYNC within ${SWITCH_DEADLINE_MINUTES} min`);
      return `switch:${await stepSwitch(deps, ctx, run)}`;
    default:
      await failRun(deps, ctx, run, `the run is in phase ${String(run.phase)}, which dns-switch does not use.`);
      return 'failed:unknown-phase';
  }
}

/**
 * Housekeeping outside runs: an old instance a switch could not retire, and a copy a failed run left behind, are
 * retired now. Never the live instance (where the record points), and only instances with the ownership tag.
 */
async function housekeep(deps: Deps, ctx: RunContext, present: ReadonlySet<string>): Promise<string | undefined> {
  const { oldSlot } = settings(ctx.pair);
  // One instance of the pair (the live one): nothing to retire, no call (the usual pass).
  const mine = [ctx.pair.replica.identifier, ...dnsSlots(ctx.pair.replica.identifier)].filter((id) => present.has(id));
  if (mine.length <= 1) return undefined;
  const live = await liveOf(deps, ctx);
  const done: string[] = [];
  for (const run of await deps.ledger.listRuns(ctx.pair.id, { limit: 5 })) {
    if (run.status === 'succeeded' && run.retiredId && run.retiredId !== live) {
      const old = await ctx.gateway.describe(run.retiredId).catch(() => undefined);
      // The name may be taken again (a later run restored into that slot): only the very instance the run retired goes.
      if (old && !isSameInstance(old, run)) continue;
      if (old && old.status !== 'deleting' && !(oldSlot === 'stop' && (old.status === 'stopped' || old.status === 'stopping')) && (await retireOld(deps, ctx, run, oldSlot)) === 'done') done.push(`retired ${run.retiredId}`);
    }
    if (run.status === 'failed' && run.copyId && run.copyId !== live && (await discardInstance(deps, ctx, run, run.copyId, live)) === 'deleted') done.push(`deleted ${run.copyId}`);
  }
  return done.length > 0 ? done.join(', ') : undefined;
}

/** The dns-switch strategy. */
export const DNS_SWITCH: RefreshStrategy = {
  mode: 'dns-switch',
  firstPhase: 'preparing',
  openEvent: 'start-beside',
  liveOf,
  namesOf,
  servingCandidates: (pair) => [pair.replica.identifier, ...dnsSlots(pair.replica.identifier)],
  manages: (pair, sourceType, sourceId) => sourceType === 'db-instance' && [pair.replica.identifier, ...dnsSlots(pair.replica.identifier)].includes(sourceId),
  begin: (deps, ctx, run) => begin(deps, ctx, run),
  interrupted: (run) => run.restoreClaimedAt === undefined && run.idleDeleteRequestedAt === undefined,
  resume: async (deps, ctx, run) => (await begin(deps, ctx, run)) ?? { outcome: 'started', runId: run.runId, snapshot: run.plannedSnapshot ?? { id: 'unknown', arn: '', type: 'unknown' }, checks: run.checks },
  awaitsGone: (run) => run.phase === 'preparing' && run.idleDeleteRequestedAt !== undefined && run.restoreClaimedAt === undefined,
  onGone: (deps, ctx, run) => onGone(deps, ctx, run),
  awaitsUsable: (run) => (run.phase === 'restoring' || run.phase === 'finishing') && run.restoreClaimedAt !== undefined,
  onUsable: (deps, ctx, run, usable: Required<Pick<Sighting, 'at'>> & Sighting & { force?: boolean }) => finishRun(deps, ctx, run, usable, handoffOf(deps, ctx)),
  poll: (deps, ctx, run) => poll(deps, ctx, run),
  housekeep,
};
