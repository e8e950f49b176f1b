/**
 * The CDK app: reads the `replicaRefresh` context of cdk.json, and creates one stack per replica region.
 * Needs no AWS credentials: account and regions come from the config, nothing is looked up.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parseConfig, type Config, type PairConfig } from '../lambdas/shared/config';
import { ConfigError } from '../lambdas/shared/errors';
import { ReplicaRegionStack } from './replica-region-stack';

/** The cdk.json context key that holds the configuration. */
export const CONFIG_CONTEXT_KEY = 'replicaRefresh';

/** What {@link buildApp} built. */
export interface BuiltApp {
  /** The app, with the AWS Solutions checks registered. */
  readonly app: App;
  /** The parsed configuration. */
  readonly config: Config;
  /** One stack per replica region, by region. */
  readonly stacks: ReadonlyMap<string, ReplicaRegionStack>;
}

/** The stack id of a replica region's stack. */
export function replicaStackId(region: string): string {
  return `ReplicaRefresh-${region}`;
}

/**
 * Builds the app.
 *
 * @param context the `replicaRefresh` configuration; read from the app's context when omitted
 * @param app the app to build into
 * @throws ConfigError naming every bad key and value
 */
export function buildApp(context?: unknown, app: App = new App()): BuiltApp {
  const config = parseConfig(context ?? app.node.tryGetContext(CONFIG_CONTEXT_KEY));
  // cdk-nag v3 runs as a policy validation plugin: any unacknowledged finding fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const byRegion = new Map<string, PairConfig[]>();
  for (const pair of config.pairs) {
    byRegion.set(pair.replica.region, [...(byRegion.get(pair.replica.region) ?? []), pair]);
  }
  const stacks = new Map<string, ReplicaRegionStack>();
  for (const [region, pairs] of [...byRegion].sort(([a], [b]) => a.localeCompare(b))) {
    stacks.set(
      region,
      new ReplicaRegionStack(app, replicaStackId(region), {
        env: { account: config.account, region },
        description: `replica-refresh: nightly delete-and-restore of ${pairs.map((p) => p.replica.instanceId).join(', ')} (${region})`,
        config,
        pairs,
      }),
    );
  }
  return { app, config, stacks };
}

/** Entry point of `cdk synth`: a bad configuration ends the process with its message, not a stack trace. */
function main(): void {
  try {
    buildApp().app.synth();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
}

if (require.main === module) main();
