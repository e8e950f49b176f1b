/**
 * The event path's health: is each of the region's RDS event subscriptions (DB instances; Aurora clusters when a pair
 * is one) still able to deliver? Checked by the watchdog on every pass: one DescribeEventSubscriptions per
 * subscription, the EventPathUnhealthy metric per subscription (its `subscription` dimension, which the event path
 * alarms watch), and one alert per subscription and episode, cleared once that subscription is healthy again.
 * Refreshes go on either way: the watchdog polls for what the events would have said.
 */
import type { RuntimeConfig } from '../kernel/config';
import { eventSubscriptionsOf } from '../kernel/config';
import { describeError } from '../kernel/errors';
import type { Deps, EventSubscriptionView } from '../kernel/ports';
import { alert } from '../reporting/measures';

/** The ledger partition of the region's event-path alerts (not a replica: a subscription serves them all). */
export const EVENT_PATH_ALERT = 'event-path';

/**
 * When this warm container last cleared each subscription's alert record, per ledger client (a new ledger starts
 * afresh), by subscription name.
 */
const eventPathClearedAt = new WeakMap<object, Map<string, number>>();
/** How often a healthy pass clears a subscription's alert record again. */
const EVENT_PATH_CLEAR_EVERY_MS = 3_600_000;

/** What one subscription's check found: its outcome for the watchdog, or the error that stopped the check. */
export type EventPathFinding = { subscription: string; action: string } | { subscription: string; error: string };

/** What a subscription's problem is, if it has one (RDS-NOTES, "Event subscription and topic"). */
export function subscriptionProblem(sub: EventSubscriptionView | undefined, region: string): string | undefined {
  if (!sub) return `does not exist in ${region}`;
  if (!sub.enabled) return 'is disabled';
  if (sub.status !== 'active') return `is ${sub.status}`;
  if (sub.sourceIds.length > 0) return `lists SourceIds (${sub.sourceIds.join(', ')}), which stop matching once y is deleted and restored`;
  return undefined;
}

/** The RDS resource ARNs the topic policy admits for a subscription's source type (infra/features/event-pipeline.ts). */
function sourceArnsOf(sourceType: string | undefined, config: RuntimeConfig): string {
  const base = `arn:…:rds:${config.region}:${config.account}`;
  return sourceType === 'db-cluster' ? `${base}:cluster:*` : `${base}:db:*`;
}

/**
 * Is one subscription alive? It must exist, be enabled and be `active`: `no-permission` (the topic or key policy
 * refuses RDS), `topic-not-exist` and `all-sources-deleted` mean no event arrives (RDS-NOTES). Reports
 * EventPathUnhealthy (1 or 0) for it, and alerts once until it is healthy again.
 * @param first whether it is the region's first subscription (DB instances), whose outcome keeps the plain
 *   `event-path:<status>` of earlier versions; the others' name themselves
 */
async function checkSubscription(deps: Deps, config: RuntimeConfig, name: string, first: boolean): Promise<string> {
  const sub = await deps.rds.describeEventSubscription(name);
  const problem = subscriptionProblem(sub, config.region);
  deps.telemetry.count('EventPathUnhealthy', problem ? 1 : 0, { subscription: name });
  const key = `${EVENT_PATH_ALERT}#${config.region}`;
  const clearedBy = eventPathClearedAt.get(deps.ledger) ?? new Map<string, number>();
  eventPathClearedAt.set(deps.ledger, clearedBy);
  const cleared = clearedBy.get(name);
  const action = (status: string): string => (first ? `event-path:${status}` : `event-path:${status} (${name})`);
  if (!problem) {
    // A healthy path clears the episode's alert record, so that the next episode alerts again: once per warm
    // container, subscription and hour, not on every pass (a write every 5 minutes). Another container may have
    // raised it in the meantime; that container clears it on its next healthy pass, and this one within the hour.
    // The EventPathUnhealthy alarms do not depend on the record.
    if (cleared === undefined || deps.now().getTime() - cleared >= EVENT_PATH_CLEAR_EVERY_MS) {
      await deps.ledger.clearAlert(key, name);
      clearedBy.set(name, deps.now().getTime());
    }
    return action('ok');
  }
  clearedBy.delete(name);
  if (await deps.ledger.alertOnce(key, name, deps.now())) {
    const fix =
      sub?.status === 'no-permission'
        ? `RDS may not publish to ${sub.topicArn ?? 'the topic'}: the topic policy and its KMS key policy must let events.rds.amazonaws.com publish (aws:SourceArn ${sourceArnsOf(sub.sourceType, config)}, aws:SourceAccount ${config.account}). Redeploy the stack (npx cdk deploy) to restore them.`
        : sub?.status === 'topic-not-exist'
          ? `The subscription's topic is gone. Redeploy the stack (npx cdk deploy).`
          : `Redeploy the stack (npx cdk deploy) to recreate it as the project defines it.`;
    await deps.notifier.publish(
      alert(
        'event-path.unhealthy',
        config.pairs.map((p) => p.id).join(','),
        `RDS event path dead: subscription ${name} ${problem}`,
        `The RDS event subscription ${name} ${problem}, so RDS events about the replicas of ${config.region} do not reach replica-refresh. ` +
          `Refreshes still run: each watchdog pass polls for what the events would have said, which adds up to one watchdog interval to the deletion and to the restore of every refresh until this is fixed. ${fix}`,
        { subscription: name, status: sub?.status ?? 'missing', enabled: sub?.enabled ?? false },
      ),
    );
  }
  return action(sub?.status ?? 'missing');
}

/**
 * Checks every event subscription the runtime configuration names, each on its own: one that cannot be read is
 * reported as an error (logged here, for the watchdog to count in its failures) and does not stop the others.
 */
export async function checkEventPaths(deps: Deps, config: RuntimeConfig): Promise<EventPathFinding[]> {
  const findings: EventPathFinding[] = [];
  const names = eventSubscriptionsOf(config);
  for (const [i, subscription] of names.entries()) {
    try {
      findings.push({ subscription, action: await checkSubscription(deps, config, subscription, i === 0) });
    } catch (err) {
      deps.telemetry.error('event path check failed', { subscription, error: describeError(err) });
      findings.push({ subscription, error: describeError(err) });
    }
  }
  return findings;
}
