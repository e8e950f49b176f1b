/**
 * Cold-start wiring of the copy function: RDS in x's place, RDS in each replica's place (account and region, built
 * on first use), the delay queue, and the notifications topic of x's region. A host other than Lambda
 * (the local simulation) passes its own clients and clock; the adapters and the core are the same.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { SnsNotifier, notifyClient } from '../aws/notify';
import { DeferQueue, queueClient } from '../aws/queue';
import { RdsAdapter, replicaRdsClient } from '../aws/rds';
import { RdsClusterAdapter } from '../aws/rds-clusters';
import type { CopyInvocationDeps } from './invocation';
import type { Place } from '../kernel/place';
import { PerPlace, placeOf, requireHomeAccount } from '../kernel/place';
import type { Telemetry } from '../kernel/ports';
import type { ConfigSource, CopyRuntimeConfig } from '../kernel/config';
import { lambdaConfigSource, loadCopyRuntimeConfig } from '../kernel/config';
import { PowertoolsTelemetry } from '../kernel/powertools';

/** The SDK clients the copy function uses. */
export interface CopyClients {
  /** RDS in a place: x's, or a replica's (CopyDBSnapshot and CopyDBClusterSnapshot must be called in the destination region). */
  rds(place: Place): RDSClient;
  sqs: SQSClient;
  sns: SNSClient;
}

/** What a host may supply instead of the defaults. */
export interface CopyRuntimeOptions {
  clients?: (config: CopyRuntimeConfig) => CopyClients;
  now?: () => Date;
  telemetry?: Telemetry;
}

/** What the copy handler works with. */
export interface CopyRuntime {
  config: CopyRuntimeConfig;
  deps: CopyInvocationDeps;
}

/** The clients Lambda uses, each with the SDK's retries; RDS in any region of the function's own account. */
export function awsCopyClients(config: CopyRuntimeConfig): CopyClients {
  const topicRegion = config.notificationTopicArn.split(':')[3] ?? config.region;
  const home = placeOf(config.account, config);
  return {
    rds: (place) => {
      requireHomeAccount(home, place, 'RDS');
      return replicaRdsClient(place.region);
    },
    sqs: queueClient(config.region),
    sns: notifyClient(topicRegion),
  };
}

/** Builds the copy function's runtime from the configuration file bundled with it and the resource names in its environment. */
export function copyRuntime(source: ConfigSource = lambdaConfigSource(), options: CopyRuntimeOptions = {}): CopyRuntime {
  const config = loadCopyRuntimeConfig(source);
  const clients = (options.clients ?? awsCopyClients)(config);
  // One client per place, built on first use, shared by the DB snapshot and the DB cluster snapshot adapters.
  const clientByPlace = new PerPlace((place) => clients.rds(place));
  const rdsByPlace = new PerPlace((place) => new RdsAdapter(clientByPlace.get(place)));
  const clustersByPlace = new PerPlace((place) => new RdsClusterAdapter(clientByPlace.get(place)));
  const home = placeOf(config.account, config);
  const queue = new DeferQueue(clients.sqs, config.deferQueueUrl);
  return {
    config,
    deps: {
      sourceRds: rdsByPlace.get(home),
      sourceClusters: clustersByPlace.get(home),
      account: config.account,
      replicaRdsFor: (place) => rdsByPlace.get(place),
      replicaClustersFor: (place) => clustersByPlace.get(place),
      defer: (message, delaySeconds) => queue.defer({ ...message }, delaySeconds),
      notifier: new SnsNotifier(clients.sns, config.notificationTopicArn),
      telemetry: options.telemetry ?? new PowertoolsTelemetry(),
      now: options.now ?? (() => new Date()),
    },
  };
}
