/**
 * Entry point for RDS events about the replicas (SNS from the event subscription, or EventBridge).
 * Malformed and irrelevant events are counted and ignored; a real failure throws so Lambda retries
 * and, after that, the on-failure destination and its alarm take over.
 */
import type { Context } from 'aws-lambda';
import type { EventOutcome } from '../events/on-event';
import { handleInvocation } from '../events/on-event';
import { logger } from '../kernel/powertools';
import type { Runtime } from '../kernel/runtime';
import { dnsRecordsFor } from '../aws/route53';
import { copyValidators } from '../validation/copy';
import { lambdaRuntime, managedSecretParameters, masterPasswords, notifications, replicaRds, replicaTargets, runLedger } from '../kernel/runtime';

/** The handler over a given runtime. */
export function createHandler({ config, deps }: Runtime) {
  return async (event: unknown, context?: Context): Promise<EventOutcome[]> => {
    if (context) logger.addContext(context);
    return handleInvocation(deps, config, event);
  };
}

// Every AWS port: finishing a run sets y's master credentials (Secrets Manager, SSM) after the restore.
export const handler = createHandler(lambdaRuntime({ rds: replicaRds, targets: replicaTargets, ledger: runLedger, notifier: notifications, secrets: masterPasswords, parameters: managedSecretParameters, validator: copyValidators, dns: dnsRecordsFor }));
