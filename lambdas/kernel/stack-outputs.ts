/** The outputs the replica-region stack exports, by which the operator commands find a deployment. */
export const STACK_OUTPUTS = {
  ledgerTable: 'LedgerTableName',
  startRefreshFunction: 'StartRefreshFunctionName',
  notificationTopic: 'NotificationTopicArn',
} as const;
