/**
 * The simulated world of an Aurora pair (`--engine aurora-postgresql` or `aurora-mysql`): every pair of the config
 * becomes a pair of clusters, x a production cluster with a writer in its region and its nightly automated cluster
 * snapshots, y a staging cluster with its own settings (a custom cluster and instance parameter group, its subnet
 * group, log exports, IAM authentication, a Serverless v2 reader beside a provisioned writer, Performance Insights on
 * the writer; backtracking on Aurora MySQL) and the copies of x's last three snapshots, y holding the oldest.
 */
import type { DBCluster, Tag } from '@aws-sdk/client-rds';
import { copyTargetOf } from '../../lambdas/copy/plan';
import { COPY_TAGS } from '../../lambdas/kernel/snapshot-tags';
import type { PairConfig } from '../../lambdas/kernel/config';
import { INSTANCE_ONLY_OVERRIDES, managedSecretParameter, pairSchema } from '../../lambdas/kernel/config';
import { LINEAGE_TAGS } from '../../lambdas/targets/lineage';
import type { SimRds } from './rds';
import type { SimSecretsManager } from './secrets';
import type { SimSsm } from './ssm';

/** The Aurora engines the simulation runs. */
export const SIM_AURORA_ENGINES = ['aurora-postgresql', 'aurora-mysql'] as const;

/** An Aurora engine the simulation runs. */
export type SimAuroraEngine = (typeof SIM_AURORA_ENGINES)[number];

/** Whether an engine name is one of the simulated Aurora engines. */
export function isAuroraEngine(engine: string | undefined): engine is SimAuroraEngine {
  return (SIM_AURORA_ENGINES as readonly string[]).includes(engine ?? '');
}

/** What a simulated Aurora cluster runs: engine versions current in 2026 and the classes of a small production cluster. */
export interface AuroraProfile {
  engine: SimAuroraEngine;
  version: string;
  writerClass: string;
  masterUsername: string;
  logExports: string[];
  /** Backtracking, for Aurora MySQL only (RestoreDBClusterFromSnapshot, BacktrackWindow). */
  backtrackWindow?: number;
}

const PROFILES: Readonly<Record<SimAuroraEngine, AuroraProfile>> = {
  'aurora-postgresql': { engine: 'aurora-postgresql', version: '16.6', writerClass: 'db.r6g.large', masterUsername: 'postgres', logExports: ['postgresql'] },
  'aurora-mysql': { engine: 'aurora-mysql', version: '8.0.mysql_aurora.3.08.0', writerClass: 'db.r6g.large', masterUsername: 'admin', logExports: ['error', 'slowquery'], backtrackWindow: 3600 },
};

/** The profile of an Aurora engine. */
export function auroraProfile(engine: SimAuroraEngine): AuroraProfile {
  return PROFILES[engine];
}

/** y's members: a writer and a Serverless v2 reader. */
export function replicaMemberIds(replicaId: string): string[] {
  return [`${replicaId}-1`, `${replicaId}-2`];
}

/**
 * The pair as a pair of Aurora clusters of `engine`, parsed again as config is: x and y under the same names, y's
 * members named, x's snapshots copied (x's DbiResourceId and the instance-only overrides dropped).
 */
export function asClusterPair(pair: PairConfig, engine: SimAuroraEngine): PairConfig {
  const { dbiResourceId: _dbi, ...source } = pair.source;
  const overrides = Object.fromEntries(Object.entries(pair.overrides).filter(([k]) => !(INSTANCE_ONLY_OVERRIDES as readonly string[]).includes(k)));
  return pairSchema.parse({
    ...pair,
    engine,
    overrides,
    source: { ...source, kind: 'cluster', mode: 'snapshot-copy' },
    replica: { ...pair.replica, kind: 'cluster', memberIds: replicaMemberIds(pair.replica.identifier) },
  });
}

/** 00:10 UTC of a day: when x's nightly automated backup is taken (as for instances, world.ts). */
function backupTime(day: Date): Date {
  return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 0, 10));
}

const DAY = 86_400_000;

/** What seeding an Aurora pair needs of the simulated account. */
export interface AuroraSeedContext {
  start: Date;
  source: SimRds;
  replica: SimRds;
  sourceKeyArn: string;
  copyKeyArn: string;
  /**
   * Whether the project copies x's cluster snapshots into y's region (copiesSnapshots). Unset or false with x and y in
   * one region: y is restored from x's automated cluster snapshots there, and nothing is copied.
   */
  copied?: boolean;
  sourcePassword: string;
  secrets: SimSecretsManager;
  ssm: SimSsm;
  randomHex: () => string;
}

/** x in its region with three days of automated cluster snapshots, their copies in y's region (unless x is in y's region and nothing is copied), and y. */
export function seedClusterPair(pair: PairConfig, ctx: AuroraSeedContext): void {
  const engine = pair.engine;
  if (!engine) throw new Error(`seedClusterPair: ${pair.id} is not an Aurora pair`);
  const p = auroraProfile(engine);
  const x = pair.source.identifier;
  if (!ctx.source.clusters.clusters.has(x)) {
    ctx.source.clusters.seedCluster({
      id: x,
      engine,
      engineVersion: p.version,
      kmsKeyId: ctx.sourceKeyArn,
      masterUsername: p.masterUsername,
      masterPassword: ctx.sourcePassword,
      backupRetentionPeriod: 7,
      copyTagsToSnapshot: true,
      members: [{ id: `${x}-1`, instanceClass: p.writerClass }],
      createdAt: new Date(ctx.start.getTime() - 90 * DAY),
    });
  }
  const ownership: Tag = { Key: pair.ownershipTag.key, Value: pair.ownershipTag.value };
  const sources = [2, 1, 0].map((daysAgo) => {
    const at = backupTime(new Date(ctx.start.getTime() - daysAgo * DAY));
    const id = `rds:${x}-${at.toISOString().slice(0, 16).replace(/[T:]/g, '-')}`;
    return ctx.source.clusters.snapshots.get(id) ?? ctx.source.clusters.seedClusterSnapshot(x, id, 'automated', at);
  });
  const inPlace = pair.source.region === pair.replica.region && ctx.copied !== true;
  const copies = inPlace
    ? sources
    : sources.map((source) => ctx.replica.clusters.seedClusterCopy(source, copyTargetOf(pair, source.DBClusterSnapshotIdentifier ?? ''), ctx.copyKeyArn, [ownership, { Key: COPY_TAGS.source, Value: source.DBClusterSnapshotArn ?? '' }]));
  const oldest = copies[0]!;
  seedReplicaCluster(pair, p, ctx, { snapshotId: oldest.DBClusterSnapshotIdentifier ?? '', dataTime: oldest.SnapshotCreateTime ?? ctx.start });
}

/** y: a staging cluster unlike the defaults, restored from x's oldest copy by someone before the project took it over. */
function seedReplicaCluster(pair: PairConfig, p: AuroraProfile, ctx: AuroraSeedContext, lineage: { snapshotId: string; dataTime: Date }): void {
  const y = pair.replica.identifier;
  const rds = ctx.replica;
  const family = p.engine === 'aurora-mysql' ? 'mysql8' : 'pg16';
  const clusterGroup = `staging-aurora-${family}`;
  const instanceGroup = `staging-aurora-${family}-instance`;
  rds.subnetGroups.add('staging-private');
  rds.clusters.addClusterParameterGroup(clusterGroup, p.engine, p.version, p.engine === 'aurora-mysql' ? { long_query_time: '2' } : { log_min_duration_statement: '500' });
  rds.clusters.addInstanceParameterGroup(instanceGroup, p.engine, p.version);
  const [writerId, readerId] = pair.replica.memberIds ?? replicaMemberIds(y);
  const ownership: Tag = { Key: pair.ownershipTag.key, Value: pair.ownershipTag.value };
  const c: DBCluster = rds.clusters.seedCluster({
    id: y,
    engine: p.engine,
    engineVersion: p.version,
    kmsKeyId: ctx.copyKeyArn,
    masterUsername: p.masterUsername,
    masterPassword: ctx.sourcePassword,
    backupRetentionPeriod: 3,
    copyTagsToSnapshot: true,
    serverlessV2: { MinCapacity: 0.5, MaxCapacity: 8 },
    tags: [
      ownership,
      { Key: 'team', Value: 'orders' },
      { Key: 'env', Value: 'staging' },
      { Key: LINEAGE_TAGS.sourceSnapshot, Value: lineage.snapshotId },
      { Key: LINEAGE_TAGS.sourceSnapshotTime, Value: lineage.dataTime.toISOString() },
    ],
    members: [
      { id: writerId ?? `${y}-1`, instanceClass: p.writerClass },
      ...(readerId ? [{ id: readerId, instanceClass: 'db.serverless' }] : []),
    ],
    createdAt: new Date(lineage.dataTime.getTime() + 3_600_000),
  });
  Object.assign(c, {
    DBClusterParameterGroup: clusterGroup,
    DBSubnetGroup: 'staging-private',
    VpcSecurityGroups: [{ VpcSecurityGroupId: 'sg-0staging1', Status: 'active' }],
    IAMDatabaseAuthenticationEnabled: true,
    EnabledCloudwatchLogsExports: [...p.logExports],
    PreferredBackupWindow: '01:00-01:30',
    PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
    ...(p.backtrackWindow ? { BacktrackWindow: p.backtrackWindow } : {}),
  });
  for (const [i, id] of [writerId, readerId].entries()) {
    const db = id ? rds.instances.get(id) : undefined;
    if (!db) continue;
    Object.assign(db, {
      DBParameterGroups: [{ DBParameterGroupName: instanceGroup, ParameterApplyStatus: 'in-sync' }],
      PromotionTier: i === 0 ? 0 : 1,
      AutoMinorVersionUpgrade: true,
      PreferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      TagList: [ownership, { Key: 'team', Value: 'orders' }],
      ...(i === 0 ? { PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 7 } : {}),
    });
  }
  seedClusterCredentials(pair, c, ctx);
}

/**
 * y's master credentials as the pair's mode left them after the last refresh: an RDS-managed secret with its ARN
 * published (mode `managed`), the pair's secret (mode `secret`), or x's (mode `source`, as seeded).
 */
function seedClusterCredentials(pair: PairConfig, c: DBCluster, ctx: AuroraSeedContext): void {
  const creds = pair.credentials;
  const y = pair.replica.identifier;
  if (creds.mode === 'managed') {
    const password = `staging-managed-${ctx.randomHex()}`;
    const secret = ctx.secrets.create(`rds!cluster-seed-${y}`, JSON.stringify({ username: c.MasterUsername, password }), { owningService: 'rds', ...(creds.kmsKeyId ? { kmsKeyId: creds.kmsKeyId } : {}) });
    c.MasterUserSecret = { SecretArn: secret.arn, SecretStatus: 'active', KmsKeyId: secret.kmsKeyId };
    ctx.replica.clusters.seedPassword(y, password);
    const name = managedSecretParameter(pair);
    if (name) void ctx.ssm.handle('PutParameterCommand', { Name: name, Value: secret.arn, Type: 'String', Overwrite: true });
  } else if (creds.mode === 'secret') {
    const staging = `staging-${y}-Pw2`;
    try {
      ctx.secrets.adopt(creds.secretArn, JSON.stringify({ username: c.MasterUsername, [creds.passwordKey]: staging }));
    } catch {
      // A secret of another region or account: the functions will not find it, as in AWS.
    }
    ctx.replica.clusters.seedPassword(y, staging);
  }
}
