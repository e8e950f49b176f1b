/**
 * The vault's alarms (issue 18), in the vault account and region, each notifying the vault's topic: the pipeline's
 * (a dead-letter queue holding a message, the vault function failing; infra/platform/monitoring.ts PipelineMonitoring)
 * and one recovery-point alarm per pair: the vault's newest copy of x holds data older than `vault.rpoHours`.
 *
 * The vault function publishes, on every sweep (hourly at least) and per pair, the hours between now and the data of
 * the pair's newest available vault copy: metric VaultNewestCopyAgeHours in namespace ReplicaRefresh/Vault
 * (lambdas/vault/names.ts), as Powertools EMF with exactly the dimensions `service` = "vault" (the Metrics instance of
 * lambdas/handlers/vault-copy.ts, VAULT_METRICS_SERVICE) and `replica` = the pair's id (lambdas/vault/keep.ts
 * sweepVault). It publishes nothing for a pair the vault holds no copy of, and nothing at all when it does not run: so
 * missing data is breaching. A vault without a recent copy is the very failure an auditor asks about.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { VAULT_COPY_AGE_METRIC, VAULT_METRIC_NAMESPACE, VAULT_METRICS_SERVICE } from '../../lambdas/vault/names';
import { PipelineMonitoring } from '../platform/monitoring';

/** The `service` dimension of the vault's metrics: the one the vault function publishes with. */
export { VAULT_METRICS_SERVICE };

/** How often the vault function reports each pair's newest-copy age at least: its hourly sweep. */
export const VAULT_SWEEP_INTERVAL = Duration.hours(1);

/** A pair's newest-copy age, as the vault function publishes it. */
export function vaultCopyAgeMetric(pairId: string, period: Duration = VAULT_SWEEP_INTERVAL): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: VAULT_METRIC_NAMESPACE,
    metricName: VAULT_COPY_AGE_METRIC,
    dimensionsMap: { service: VAULT_METRICS_SERVICE, replica: pairId },
    statistic: cloudwatch.Stats.MAXIMUM,
    period,
  });
}

/** The vault's alarms. */
export class VaultMonitoring extends PipelineMonitoring {
  private readonly rpoList: cloudwatch.Alarm[] = [];

  /** The recovery-point alarms, one per pair, in the order they were created. */
  public get rpoAlarms(): readonly cloudwatch.Alarm[] {
    return this.rpoList;
  }

  /**
   * Alarms when the vault's newest copy of the pair's x holds data older than `rpoHours`, or the age is not reported:
   * construct id `RpoAlarm-<pair id>`, named `replica-refresh-vault-<pair id>-rpo`. Two hourly periods, both
   * breaching: a sweep that slips into the next hour neither raises it nor clears it alone.
   *
   * @param pairId the pair's id, the metric's `replica` dimension
   * @param rpoHours `vault.rpoHours`
   * @param what x and its region, for the description
   */
  public alarmOnCopyAge(pairId: string, rpoHours: number, what: string): cloudwatch.Alarm {
    if (!Number.isInteger(rpoHours) || rpoHours < 1) throw new Error(`rpoHours must be a whole number of hours, at least 1, got ${rpoHours}`);
    const alarm = this.add(
      new cloudwatch.Alarm(this, `RpoAlarm-${pairId}`, {
        alarmName: `replica-refresh-vault-${pairId}-rpo`,
        alarmDescription:
          `The vault's newest copy of ${what} (pair ${pairId}) holds data older than ${rpoHours} h, or the vault function has not reported it: ` +
          'a recovery from the vault would lose more than the recovery-point objective. Check that production shares its copies (share-to-vault in the replica region, its dead-letter queue), ' +
          "the vault function's errors and dead-letter queues, and the copies' status in the vault region.",
        metric: vaultCopyAgeMetric(pairId),
        threshold: rpoHours,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      }),
    );
    this.rpoList.push(alarm);
    return alarm;
  }
}
