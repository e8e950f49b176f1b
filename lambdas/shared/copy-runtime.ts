/**
 * Cold-start wiring of the copy function: RDS in x's region, RDS in each replica region (built on
 * first use), the delay queue, and the notifications topic in its own region.
 */
import { SnsNotifier, notifyClient } from '../aws/notify';
import { DeferQueue, queueClient } from '../aws/queue';
import { RdsAdapter, replicaRdsClient } from '../aws/rds';
import type { CopyInvocationDeps } from '../core/copy-invocation';
import type { CopyRuntimeConfig } from './config';
import { loadCopyRuntimeConfig } from './config';
import { PowertoolsTelemetry } from './powertools';

/** What the copy handler works with. */
export interface CopyRuntime {
  config: CopyRuntimeConfig;
  deps: CopyInvocationDeps;
}

/** Builds the copy function's runtime from its environment. */
export function copyRuntime(env: NodeJS.ProcessEnv = process.env): CopyRuntime {
  const config = loadCopyRuntimeConfig(env);
  const replicas = new Map<string, RdsAdapter>();
  const topicRegion = config.notificationTopicArn.split(':')[3] ?? config.region;
  const queue = new DeferQueue(queueClient(config.region), config.deferQueueUrl);
  return {
    config,
    deps: {
      sourceRds: new RdsAdapter(replicaRdsClient(config.region)),
      replicaRdsFor: (region) => {
        // CopyDBSnapshot must be called in the destination region; one client per replica region.
        let adapter = replicas.get(region);
        if (!adapter) replicas.set(region, (adapter = new RdsAdapter(replicaRdsClient(region))));
        return adapter;
      },
      defer: (message, delaySeconds) => queue.defer({ ...message }, delaySeconds),
      notifier: new SnsNotifier(notifyClient(topicRegion), config.notificationTopicArn),
      telemetry: new PowertoolsTelemetry(),
    },
  };
}
