/**
 * Entry point of the watchdog schedule: moves every active run on as its lost or late events would
 * have, and fails runs that are stuck.
 */
import type { Context } from 'aws-lambda';
import type { WatchdogOutcome } from '../refresh/watchdog';
import { runWatchdog } from '../refresh/watchdog';
import { logger } from '../kernel/powertools';
import type { Runtime } from '../kernel/runtime';
import { dnsRecordsFor } from '../aws/route53';
import { copyValidators } from '../validation/copy';
import { lambdaRuntime, managedSecretParameters, masterPasswords, notifications, replicaRds, replicaTargets, runLedger } from '../kernel/runtime';

/** The handler over a given runtime. */
export function createHandler({ config, deps }: Runtime) {
  return async (_event: unknown, context?: Context): Promise<WatchdogOutcome[]> => {
    if (context) logger.addContext(context);
    const outcomes = await runWatchdog(deps, config);
    logger.info('watchdog pass', { outcomes });
    return outcomes;
  };
}

// Every AWS port: finishing a run sets y's master credentials (Secrets Manager, SSM) after the restore.
export const handler = createHandler(lambdaRuntime({ rds: replicaRds, targets: replicaTargets, ledger: runLedger, notifier: notifications, secrets: masterPasswords, parameters: managedSecretParameters, validator: copyValidators, dns: dnsRecordsFor }));
