/**
 * Entry point of the retention schedule: deletes the project's expired copies of x in y's region,
 * never the one y holds or an active run has chosen, and never a snapshot without the ownership tag.
 */
import type { Context } from 'aws-lambda';
import type { RetentionDeps, RetentionPass } from '../retention/retention';
import { handleRetention } from '../retention/retention';
import { logger } from '../kernel/powertools';
import type { RuntimeConfig } from '../kernel/config';
import { lambdaRuntime, replicaRds, replicaTargets, runLedger } from '../kernel/runtime';

/** The handler over a given runtime: a whole one (the simulation's) or one with only what a pass uses. */
export function createHandler({ config, deps }: { config: RuntimeConfig; deps: RetentionDeps }) {
  return async (event: unknown, context?: Context): Promise<RetentionPass[]> => {
    if (context) logger.addContext(context);
    return handleRetention(deps, config, event);
  };
}

// RDS and the ledger only: a pass neither notifies nor touches credentials.
export const handler = createHandler(lambdaRuntime({ rds: replicaRds, targets: replicaTargets, ledger: runLedger }));
