/**
 * The vault function's configuration (issue 18), in the vault account: what it keeps (each pair's x, where production
 * shares its copies from), for how long, and its own resources. Like the other functions', the validated part is
 * bundled as a file beside the code ({@link VAULT_CONFIG_FILE}) and the resource names, tokens at synth, travel in the
 * environment ({@link VAULT_RESOURCES_ENV}).
 */
import { join } from 'node:path';
import * as z from 'zod/mini';
import { readFileSync } from 'node:fs';
import type { Config, ConfigSource } from '../kernel/config';
import { lambdaConfigSource, loadFromEnv, parseConfigText, parseWith } from '../kernel/config';
import { ConfigError } from '../kernel/errors';

/** The vault function's configuration file, next to its index.js. */
export const VAULT_CONFIG_FILE = 'vault-config.json';

/** The environment variable that carries the vault function's {@link VaultResources} as JSON. */
export const VAULT_RESOURCES_ENV = 'REPLICA_REFRESH_VAULT_RESOURCES';

/** Overrides where {@link VAULT_CONFIG_FILE} is read from (a path), for hosts that run the sources (the simulation). */
export const VAULT_CONFIG_FILE_ENV = 'REPLICA_REFRESH_VAULT_CONFIG_FILE';

const account = z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id'));
const region = z.string().check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region code such as eu-central-1'));
const arn = z.string().check(z.regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/, 'must be an ARN'));
const hours = z.number().check(z.int(), z.minimum(1), z.maximum(720));

/** One x the vault keeps copies of. */
export const vaultPairSchema = z.strictObject({
  /** The pair's id (its ledger key and metric dimension, as in production). */
  id: z.string().check(z.minLength(1)),
  /** What x is: a DB instance (absent) or an Aurora DB cluster, whose copies are DB cluster snapshots. */
  kind: z.optional(z.enum(['instance', 'cluster'])),
  /** x's identifier and region: the copies' DBInstanceIdentifier (an Aurora x's: DBClusterIdentifier) and SourceRegion. */
  sourceInstanceId: z.string().check(z.minLength(1)),
  sourceRegion: region,
  /** x's DbiResourceId (an Aurora x's DbClusterResourceId) when configured: a snapshot of another x of that name is not taken for x's. */
  sourceDbiResourceId: z.optional(z.string()),
  /** y's region: where production's copies are, and shared from. */
  replicaRegion: region,
});

/** What {@link VAULT_CONFIG_FILE} holds. */
export const vaultConfigFileSchema = z.strictObject({
  /** The vault's account and region (the function's own). */
  account,
  region,
  /** Production's account: the only owner whose shared snapshots the vault copies. */
  productionAccount: account,
  timeZone: z.string().check(z.minLength(1)),
  rpoHours: hours,
  retentionDays: z.number().check(z.int(), z.minimum(1), z.maximum(3650)),
  keepAtLeast: z.number().check(z.int(), z.minimum(1), z.maximum(100)),
  pairs: z.array(vaultPairSchema).check(z.minLength(1)),
});

/** What {@link VAULT_RESOURCES_ENV} holds: the vault's key, ledger table and alarm topic. */
export const vaultResourcesSchema = z.strictObject({
  keyArn: arn,
  ledgerTableName: z.string().check(z.minLength(3)),
  notificationTopicArn: arn,
});

/** The vault function's configuration. */
export type VaultRuntimeConfig = z.output<typeof vaultConfigFileSchema> & z.output<typeof vaultResourcesSchema>;
/** One x the vault keeps. */
export type VaultPair = z.output<typeof vaultPairSchema>;
/** The vault's resource names. */
export type VaultResources = z.output<typeof vaultResourcesSchema>;

/**
 * The vault's configuration file from the app's configuration: the vault's settings and, for each pair, where its
 * copies come from.
 * @throws Error when the configuration has no vault
 */
export function vaultConfigFile(config: Config): z.output<typeof vaultConfigFileSchema> {
  const vault = config.vault;
  if (!vault) throw new Error('the configuration has no vault');
  return parseWith(
    vaultConfigFileSchema,
    {
      account: vault.account,
      region: vault.region,
      productionAccount: config.account,
      timeZone: config.timeZone,
      rpoHours: vault.rpoHours,
      retentionDays: vault.retentionDays,
      keepAtLeast: vault.keepAtLeast,
      pairs: config.pairs.map((p) => ({
        id: p.id,
        ...(p.source.kind === 'cluster' ? { kind: 'cluster' as const } : {}),
        sourceInstanceId: p.source.identifier,
        sourceRegion: p.source.region,
        ...(p.source.dbiResourceId ? { sourceDbiResourceId: p.source.dbiResourceId } : {}),
        replicaRegion: p.replica.region,
      })),
    },
    VAULT_CONFIG_FILE,
  );
}

/** The text of {@link VAULT_CONFIG_FILE} as `cdk synth` bundles it. */
export function vaultConfigFileText(config: Config): string {
  return `${JSON.stringify(vaultConfigFile(config))}\n`;
}

/**
 * Parses the vault function's configuration: {@link VAULT_CONFIG_FILE} next to its code and {@link VAULT_RESOURCES_ENV}.
 * @throws ConfigError naming every bad value
 */
export function loadVaultConfig(source: ConfigSource = lambdaConfigSource()): VaultRuntimeConfig {
  const path = source.env[VAULT_CONFIG_FILE_ENV] || join(source.dir, VAULT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read the vault configuration file ${path} (${(cause as Error).message}); deploy the vault stack with the CDK app, which bundles ${VAULT_CONFIG_FILE} next to index.js`, [], { cause });
  }
  const file = parseWith(vaultConfigFileSchema, parseConfigText(text, path), VAULT_CONFIG_FILE);
  return { ...file, ...loadFromEnv(source.env, VAULT_RESOURCES_ENV, vaultResourcesSchema) };
}
