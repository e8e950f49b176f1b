/**
 * Cold-start wiring: config parsed once, SDK clients built once, the core's dependencies composed.
 * Handlers call {@link runtime} at module load; tests set the environment first.
 */
import { randomBytes } from 'node:crypto';
import { RdsAdapter, replicaRdsClient } from '../aws/rds';
import { DynamoLedger, ledgerClient } from '../aws/ledger';
import { SnsNotifier, notifyClient } from '../aws/notify';
import type { Deps } from '../core/ports';
import type { RuntimeConfig } from './config';
import { loadRuntimeConfig } from './config';
import { PowertoolsTelemetry } from './powertools';

/** What a handler works with. */
export interface Runtime {
  config: RuntimeConfig;
  deps: Deps;
}

/** Builds the runtime from the environment. */
export function runtime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const config = loadRuntimeConfig(env);
  return {
    config,
    deps: {
      rds: new RdsAdapter(replicaRdsClient(config.region)),
      ledger: new DynamoLedger(ledgerClient(config.region), config.ledgerTableName),
      notifier: new SnsNotifier(notifyClient(config.region), config.notificationTopicArn),
      telemetry: new PowertoolsTelemetry(),
      now: () => new Date(),
      randomId: () => randomBytes(3).toString('hex'),
    },
  };
}
