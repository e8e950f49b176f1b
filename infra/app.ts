/**
 * The CDK app: reads the `replicaRefresh` context of cdk.json, and creates one stack per replica region, then one
 * per source region whose x's snapshots the project copies, and, when the configuration has a vault (issue 18), the
 * vault's stack in the vault account and region. Needs no AWS credentials: accounts and regions come from the config,
 * nothing is looked up.
 */
import { readFileSync } from 'node:fs';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { copiesSnapshots, parseConfig, type Config, type PairConfig } from '../lambdas/kernel/config';
import { ConfigError } from '../lambdas/kernel/errors';
import { describeList } from './platform/describe';
import { ReplicaRegionStack } from './stacks/replica-region-stack';
import { SourceRegionStack } from './stacks/source-region-stack';
import { VaultStack } from './stacks/vault-stack';
import { vaultStackId } from '../lambdas/vault/names';

/** The cdk.json context key that holds the configuration. */
export const CONFIG_CONTEXT_KEY = 'replicaRefresh';

/**
 * A context key naming another cdk.json whose `replicaRefresh` to synthesize instead of this one's:
 * `npx cdk synth -c replicaRefreshFile=cdk-200.json` (such as one `npm run scale-config` wrote).
 */
export const CONFIG_FILE_CONTEXT_KEY = 'replicaRefreshFile';

/** The configuration the app's context holds, or the one of the file it names. */
function configOfContext(app: App): unknown {
  const file: unknown = app.node.tryGetContext(CONFIG_FILE_CONTEXT_KEY);
  if (file === undefined) return app.node.tryGetContext(CONFIG_CONTEXT_KEY);
  if (typeof file !== 'string' || file === '') throw new ConfigError(`-c ${CONFIG_FILE_CONTEXT_KEY} must name a file, such as cdk-200.json`, [CONFIG_FILE_CONTEXT_KEY]);
  const where = `-c ${CONFIG_FILE_CONTEXT_KEY}=${file}`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ConfigError(`${where}: cannot read it as JSON (${(err as Error).message}); name a cdk.json such as npm run scale-config writes`, [where]);
  }
  const config = (parsed as { context?: Record<string, unknown> } | null)?.context?.[CONFIG_CONTEXT_KEY];
  if (config === undefined) throw new ConfigError(`${where}: the file has no context.${CONFIG_CONTEXT_KEY}; name a cdk.json such as npm run scale-config writes`, [where]);
  return config;
}

/** What {@link buildApp} built. */
export interface BuiltApp {
  /** The app, with the AWS Solutions checks registered. */
  readonly app: App;
  /** The parsed configuration. */
  readonly config: Config;
  /** One stack per replica region, by region. */
  readonly stacks: ReadonlyMap<string, ReplicaRegionStack>;
  /** One stack per source region whose snapshots the project copies, by region. */
  readonly sourceStacks: ReadonlyMap<string, SourceRegionStack>;
  /** The vault's stack, in the vault account and region; only when the configuration has a vault (issue 18). */
  readonly vaultStack?: VaultStack;
}

/** The stack id of a replica region's stack. */
export function replicaStackId(region: string): string {
  return `ReplicaRefresh-${region}`;
}

/** The stack id of a source region's stack. */
export function sourceStackId(region: string): string {
  return `ReplicaRefreshSource-${region}`;
}

/** Groups pairs by a region of theirs, regions sorted. */
function byRegion(pairs: readonly PairConfig[], regionOf: (p: PairConfig) => string): [string, PairConfig[]][] {
  const grouped = new Map<string, PairConfig[]>();
  for (const pair of pairs) grouped.set(regionOf(pair), [...(grouped.get(regionOf(pair)) ?? []), pair]);
  return [...grouped].sort(([a], [b]) => a.localeCompare(b));
}

/** Whether a source stack reads this pair's copy key from the replica stack (the project key, no key of its own). */
function usesProjectCopyKey(pair: PairConfig, config: Config): boolean {
  return copiesSnapshots(pair, config) && !pair.copy.replicaKmsKeyArn;
}

/**
 * Builds the app.
 *
 * @param context the `replicaRefresh` configuration; read from the app's context when omitted
 * @param app the app to build into
 * @throws ConfigError naming every bad key and value
 */
export function buildApp(context?: unknown, app: App = new App()): BuiltApp {
  const config = parseConfig(context ?? configOfContext(app));
  // cdk-nag v3 runs as a policy validation plugin: any unacknowledged finding fails the synth.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const stacks = new Map<string, ReplicaRegionStack>();
  for (const [region, pairs] of byRegion(config.pairs, (p) => p.replica.region)) {
    stacks.set(
      region,
      new ReplicaRegionStack(app, replicaStackId(region), {
        env: { account: config.account, region },
        description: describeList('replica-refresh: nightly delete-and-restore of ', pairs.map((p) => p.replica.identifier), ` (${region})`),
        config,
        pairs,
        // Its project key is read by source stacks in other regions (an SSM parameter written there by CDK).
        crossRegionReferences: pairs.some((p) => usesProjectCopyKey(p, config) && p.source.region !== region),
      }),
    );
  }

  // After the replica stacks: a source stack reads their project keys, so it deploys after them.
  const sourceStacks = new Map<string, SourceRegionStack>();
  for (const [region, pairs] of byRegion(config.pairs.filter((p) => copiesSnapshots(p, config)), (p) => p.source.region)) {
    const replicaKeyArns = new Map<string, string>();
    for (const pair of pairs.filter((p) => usesProjectCopyKey(p, config))) {
      const key = stacks.get(pair.replica.region)?.snapshotKey?.key;
      if (key) replicaKeyArns.set(pair.replica.region, key.keyArn);
    }
    sourceStacks.set(
      region,
      new SourceRegionStack(app, sourceStackId(region), {
        env: { account: config.account, region },
        description: describeList('replica-refresh: copies snapshots of ', [...new Set(pairs.map((p) => p.source.identifier))], ` from ${region} into their replica regions`),
        config,
        pairs,
        replicaKeyArns,
        crossRegionReferences: pairs.some((p) => usesProjectCopyKey(p, config) && p.replica.region !== region),
      }),
    );
  }
  // The vault deploys with the vault account's credentials and references no other stack (nor they it): the names both
  // sides use are fixed (lambdas/vault/names.ts).
  const vaultStack = config.vault
    ? new VaultStack(app, vaultStackId(config.vault.region), {
        env: { account: config.vault.account, region: config.vault.region },
        description: describeList('replica-refresh vault: keeps copies of ', [...new Set(config.pairs.map((p) => p.source.identifier))], ` out of production's reach (${config.vault.region})`),
        config,
      })
    : undefined;
  return { app, config, stacks, sourceStacks, ...(vaultStack ? { vaultStack } : {}) };
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
