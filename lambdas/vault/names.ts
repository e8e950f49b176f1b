/**
 * The names the two sides of the vault agree on (issue 18): production's share function in each replica region and
 * the vault stack in the vault account are synthesized by one app, but deployed with two accounts' credentials, so
 * neither can read the other's outputs. Each name is fixed here and used by both.
 */

/** The vault's inbox: production sends a manifest of each snapshot it shared (x's settings, the data time). */
export const VAULT_INBOX_QUEUE_NAME = 'replica-refresh-vault-inbox';

/** The alias of the vault's own key, which encrypts its copies, its ledger, its topic and its inbox (whose senders, production's share roles, may use it through SQS for that alone: infra/features/vault-inbox.ts). */
export const VAULT_KEY_ALIAS = 'alias/replica-refresh/vault';

/** The tag the vault puts on its copies; the vault's retention deletes only snapshots that carry it. */
export const VAULT_COPY_TAG = { key: 'replica-refresh:vault-copy', value: 'true' } as const;

/** Tag on a vault copy naming the production snapshot it was copied from (an ARN). */
export const VAULT_SOURCE_TAG = 'replica-refresh:vault-source';

/** Tag on a vault copy naming the pair whose x it holds. */
export const VAULT_PAIR_TAG = 'replica-refresh:pair';

/**
 * The role of production's share function in a replica region: named, so that the vault's queue policy can name
 * exactly it (IAM role names are unique per account; 64 characters at most).
 */
export function shareRoleName(replicaRegion: string): string {
  return `replica-refresh-vault-share-${replicaRegion}`;
}

/** The ARN of production's share role in a replica region. */
export function shareRoleArn(productionAccount: string, replicaRegion: string): string {
  return `arn:aws:iam::${productionAccount}:role/${shareRoleName(replicaRegion)}`;
}

/** The URL of the vault's inbox queue (SQS queue URLs are https://sqs.<region>.amazonaws.com/<account>/<name>). */
export function vaultInboxUrl(vault: { account: string; region: string }): string {
  return `https://sqs.${vault.region}.amazonaws.com/${vault.account}/${VAULT_INBOX_QUEUE_NAME}`;
}

/** The ARN of the vault's inbox queue. */
export function vaultInboxArn(vault: { account: string; region: string }): string {
  return `arn:aws:sqs:${vault.region}:${vault.account}:${VAULT_INBOX_QUEUE_NAME}`;
}

/** The CloudFormation stack id of the vault. */
export function vaultStackId(region: string): string {
  return `ReplicaRefreshVault-${region}`;
}

/** The metric the vault publishes per pair: hours between now and the data of its newest vault copy. */
export const VAULT_COPY_AGE_METRIC = 'VaultNewestCopyAgeHours';

/** The metric namespace of the vault's functions. */
export const VAULT_METRIC_NAMESPACE = 'ReplicaRefresh/Vault';

/** The vault stack's outputs, which `npm run recover` reads (infra/stacks/vault-stack.ts writes them). */
export const VAULT_STACK_OUTPUTS = {
  ledgerTable: 'VaultLedgerTableName',
  vaultFunction: 'VaultFunctionName',
  keyArn: 'VaultKeyArn',
} as const;

/** The snapshot events production's share function acts on: a cross-region copy finished (0060), a manual snapshot created (0042). */
export const SHARE_EVENT_IDS: readonly string[] = ['RDS-EVENT-0060', 'RDS-EVENT-0042'];

/** The `service` dimension of the vault's metrics, which its RPO alarms name. */
export const VAULT_METRICS_SERVICE = 'vault';
