/** The outputs the replica-region stack exports, by which the operator commands find a deployment. */
export const STACK_OUTPUTS = {
  ledgerTable: 'LedgerTableName',
  startRefreshFunction: 'StartRefreshFunctionName',
  notificationTopic: 'NotificationTopicArn',
} as const;

/** The source types the replica stack subscribes to. */
export type SubscribedSourceType = 'db-instance' | 'db-cluster';

/**
 * The name of one of a region's event subscriptions: `replica-refresh-<region>` for its DB instances (the name of
 * earlier versions, kept so the subscription is not replaced), `replica-refresh-<region>-db-cluster` for its Aurora
 * clusters. The replica stack passes the names to the functions before the pipeline exists, and the watchdog checks
 * each subscription's status by its name.
 */
export function eventSubscriptionName(region: string, sourceType: SubscribedSourceType = 'db-instance'): string {
  return sourceType === 'db-instance' ? `replica-refresh-${region}` : `replica-refresh-${region}-${sourceType}`;
}

/**
 * Every event subscription of a region, instances' first: the cluster one only when some pair of the region is an
 * Aurora cluster.
 */
export function eventSubscriptionNames(region: string, { clusters }: { clusters: boolean }): string[] {
  return [eventSubscriptionName(region), ...(clusters ? [eventSubscriptionName(region, 'db-cluster')] : [])];
}
