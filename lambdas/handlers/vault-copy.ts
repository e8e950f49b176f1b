/**
 * Entry point of the vault function, in the vault account (issue 18). From the inbox queue it receives the manifests
 * production sends (kept in the vault's ledger; a message that is no manifest is logged, counted and dropped, never
 * retried); on every invocation, and hourly on its schedule, it sweeps: copies what production shared into the vault,
 * expires old vault copies, and publishes each x's newest-copy age for the RPO alarm.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ledgerClient } from '../aws/ledger';
import { SnsNotifier, notifyClient } from '../aws/notify';
import { replicaRdsClient } from '../aws/rds';
import { keepingCalls } from '../aws/vault-snapshots';
import { VaultLedger } from '../aws/vault-ledger';
import { PowertoolsTelemetry, logger } from '../kernel/powertools';
import type { VaultRuntimeConfig } from '../vault/config';
import { loadVaultConfig } from '../vault/config';
import type { VaultDeps } from '../vault/keep';
import { receiveManifests, sweepVault } from '../vault/keep';
import type { Manifest } from '../vault/manifest';
import { ManifestError, parseManifest } from '../vault/manifest';
import { VAULT_METRICS_SERVICE, VAULT_METRIC_NAMESPACE } from '../vault/names';
import { KeptSnapshots } from '../vault/snapshots';


function isSqsEvent(event: unknown): event is SQSEvent {
  return Array.isArray((event as { Records?: unknown } | null)?.Records);
}

/** The handler over given dependencies. */
export function createHandler({ config, deps }: { config: VaultRuntimeConfig; deps: VaultDeps }) {
  return async (event: unknown, context?: Context): Promise<SQSBatchResponse> => {
    if (context) logger.addContext(context);
    const failures: SQSBatchResponse['batchItemFailures'] = [];
    if (isSqsEvent(event)) {
      for (const record of event.Records) {
        let manifest: Manifest;
        try {
          manifest = parseManifest(record.body);
        } catch (err) {
          if (!(err instanceof ManifestError)) throw err;
          deps.telemetry.count('VaultManifestRejected', 1);
          deps.telemetry.warn('inbox message dropped', { messageId: record.messageId, why: err.message });
          continue;
        }
        try {
          await receiveManifests(deps, [manifest]);
        } catch (err) {
          // The ledger did not take it: SQS delivers this message again.
          deps.telemetry.error('manifest not kept', { messageId: record.messageId, error: (err as Error).message });
          failures.push({ itemIdentifier: record.messageId });
        }
      }
    }
    await sweepVault(deps, config);
    return { batchItemFailures: failures };
  };
}

/** The vault function's dependencies in Lambda: RDS, the ledger and the topic of the vault account, in its region (and RDS in each y's region, read-only). */
export function lambdaVaultDeps(config: VaultRuntimeConfig): VaultDeps {
  const kinds = new Set(config.pairs.map((p) => p.kind ?? 'instance'));
  const regions = new Map<string, KeptSnapshots>();
  return {
    sharedIn: (region) => {
      let kept = regions.get(region);
      if (!kept) regions.set(region, (kept = new KeptSnapshots(keepingCalls(replicaRdsClient(region), kinds))));
      return kept;
    },
    rds: new KeptSnapshots(keepingCalls(replicaRdsClient(config.region), kinds)),
    ledger: new VaultLedger(ledgerClient(config.region), config.ledgerTableName),
    notifier: new SnsNotifier(notifyClient(config.region), config.notificationTopicArn),
    telemetry: new PowertoolsTelemetry(logger, new Metrics({ namespace: VAULT_METRIC_NAMESPACE, serviceName: VAULT_METRICS_SERVICE })),
    now: () => new Date(),
  };
}

const config = loadVaultConfig();
export const handler = createHandler({ config, deps: lambdaVaultDeps(config) });
