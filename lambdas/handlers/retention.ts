/**
 * Entry point of the retention schedule: deletes the project's expired copies of x in y's region (DB snapshot copies,
 * and DB cluster snapshot copies of an Aurora x), never the one y holds or an active run has chosen, and never a
 * snapshot without the ownership tag.
 */
import type { Context } from 'aws-lambda';
import type { RetentionDeps, RetentionPass } from '../retention/retention';
import { handleRetention } from '../retention/retention';
import { logger } from '../kernel/powertools';
import type { RuntimeConfig } from '../kernel/config';
import { lambdaRuntime, replicaRds, replicaTargets, runLedger } from '../kernel/runtime';
import { replicaRdsClient } from '../aws/rds';
import { RdsClusterAdapter } from '../aws/rds-clusters';

/** The handler over a given runtime: a whole one (the simulation's) or one with only what a pass uses. */
export function createHandler({ config, deps }: { config: RuntimeConfig; deps: RetentionDeps }) {
  return async (event: unknown, context?: Context): Promise<RetentionPass[]> => {
    if (context) logger.addContext(context);
    return handleRetention(deps, config, event);
  };
}

/** Adds the cluster calls when some pair of the region is an Aurora pair (a client of their own, built only then). */
export function withClusterCalls<R extends { config: RuntimeConfig; deps: Omit<RetentionDeps, 'clusters'> }>(runtime: R): { config: RuntimeConfig; deps: RetentionDeps } {
  const aurora = runtime.config.pairs.some((p) => p.source.kind === 'cluster');
  return { config: runtime.config, deps: { ...runtime.deps, ...(aurora ? { clusters: new RdsClusterAdapter(replicaRdsClient(runtime.config.region)) } : {}) } };
}

// RDS and the ledger only: a pass neither notifies nor touches credentials.
export const handler = createHandler(withClusterCalls(lambdaRuntime({ rds: replicaRds, targets: replicaTargets, ledger: runLedger })));
