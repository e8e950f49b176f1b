/**
 * The project's configuration: one schema, used by `cdk synth` (from cdk.json context) and by every
 * function at cold start (from the configuration file bundled with it), so a bad value fails the same way in both places.
 */
// zod/mini, not zod: the same validation core and messages, but functions instead of methods, so the functions'
// bundles keep only the checks used (about 35 KiB instead of 96 KiB). A namespace import: esbuild then keeps only
// the parts used. The English messages are zod's defaults; mini loads no locale by itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { CronError, firstFiringDay, parseCron } from './cron';
import { ConfigError } from './errors';
import { isValidZone } from './time-zones';
import { validationSchema } from '../validation/spec';

z.config(en());

/** RDS instance identifiers: 1–63 letters, digits or hyphens, starting with a letter, no double or trailing hyphen. */
const dbInstanceId = z.pipe(
  z.string().check(
    z.regex(/^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}$/, 'must be an RDS instance identifier: 1-63 letters, digits or hyphens, starting with a letter'),
    z.refine((v) => !v.endsWith('-'), 'must not end with a hyphen'),
  ),
  // RDS stores identifiers in lower case and reports them so in events and ARNs.
  z.transform((v: string) => v.toLowerCase()),
);

/** What a pair's side is in RDS: a DB instance, or an Aurora DB cluster. */
export type ResourceKind = 'instance' | 'cluster';

/**
 * How config names a side of a pair: `instanceId` (a DB instance) or `clusterId` (an Aurora DB cluster). The files
 * `cdk synth` bundles hold the parsed form, `kind` and `identifier`, which reads back the same.
 */
const resourceNameShape = {
  instanceId: z.optional(dbInstanceId),
  /** Cluster identifiers follow the instance rules (CreateDBCluster, DBClusterIdentifier). */
  clusterId: z.optional(dbInstanceId),
  kind: z.optional(z.enum(['instance', 'cluster'])),
  identifier: z.optional(dbInstanceId),
};

/** Exactly one name: `instanceId`, `clusterId`, or (as bundled files hold it) `kind` with `identifier`. */
const oneResourceName = z.superRefine((v: { instanceId?: string; clusterId?: string; kind?: ResourceKind; identifier?: string }, ctx) => {
  const given = [v.instanceId !== undefined && 'instanceId', v.clusterId !== undefined && 'clusterId', (v.kind !== undefined || v.identifier !== undefined) && 'kind/identifier'].filter((n): n is string => n !== false);
  if (given.length === 0) ctx.addIssue({ code: 'custom', path: ['instanceId'], message: 'name a DB instance with instanceId, or an Aurora DB cluster with clusterId' });
  else if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1] === 'kind/identifier' ? 'identifier' : 'clusterId'], message: `is given with ${given[0]}: a side of a pair is one DB instance (instanceId) or one Aurora DB cluster (clusterId)` });
  else if (given[0] === 'kind/identifier' && (v.kind === undefined || v.identifier === undefined)) ctx.addIssue({ code: 'custom', path: [v.kind === undefined ? 'kind' : 'identifier'], message: 'is missing: kind and identifier go together (or name the side with instanceId or clusterId)' });
});

/** The parsed side: its kind and identifier in place of the name config used. */
function toNamedResource<T extends { instanceId?: string; clusterId?: string; kind?: ResourceKind; identifier?: string }>({ instanceId, clusterId, kind, identifier, ...rest }: T) {
  const named = instanceId !== undefined ? { kind: 'instance' as const, identifier: instanceId } : clusterId !== undefined ? { kind: 'cluster' as const, identifier: clusterId } : { kind: kind!, identifier: identifier! };
  return { ...named, ...rest } as { kind: ResourceKind; identifier: string } & Omit<T, 'instanceId' | 'clusterId' | 'kind' | 'identifier'>;
}

const awsRegion = z.string().check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/, 'must be an AWS region code such as eu-central-1'));

const arn = z.string().check(z.regex(/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/, 'must be an ARN'));

/** The zones ICU knows by canonical name, read once: at cold start far cheaper than a formatter per check (3 ms against 35 ms). */
let canonicalZones: ReadonlySet<string> | undefined;
let zonesByLowerCase: ReadonlyMap<string, string> | undefined;

function zones(): ReadonlySet<string> {
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  return canonicalZones;
}

/**
 * The canonical spelling of a zone someone meant: `europe/berlin` → Europe/Berlin, `Asia/Calcutta` → Asia/Kolkata
 * (the alias ICU resolves it to), or undefined when it is no zone at all.
 */
export function canonicalTimeZone(v: string): string | undefined {
  if (isCanonicalZone(v)) return v;
  zonesByLowerCase ??= new Map([...zones()].map((z) => [z.toLowerCase(), z]));
  const byCase = zonesByLowerCase.get(v.toLowerCase());
  if (byCase) return byCase;
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(v) || !isValidZone(v)) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: v }).resolvedOptions().timeZone;
    return zones().has(resolved) ? resolved : undefined;
  } catch {
    return undefined;
  }
}

/** The areas of IANA's canonical `Area/Location` ids; legacy links (US/Pacific, Etc/UTC, GB) live outside them. */
const IANA_AREAS = /^(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)\/[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)?$/;

/**
 * Whether a zone is spelled as IANA's canonical ids are: one ICU lists, or an exactly cased `Area/Location` id it
 * knows (ICU still lists some old names, Asia/Calcutta for IANA's Asia/Kolkata, so both are taken).
 */
function isCanonicalZone(v: string): boolean {
  return zones().has(v) || (IANA_AREAS.test(v) && isValidZone(v));
}

/** A canonical IANA zone id (the form EventBridge Scheduler and reports use); a near miss is answered with its canonical spelling. */
const timeZone = z.string().check(
  z.superRefine((v, ctx) => {
  if (isCanonicalZone(v)) return;
  const canonical = v.length <= 64 ? canonicalTimeZone(v) : undefined;
  ctx.addIssue({ code: 'custom', message: canonical ? `must be a canonical IANA time zone: did you mean "${canonical}"?` : 'must be an IANA time zone such as Europe/Berlin' });
  }),
);

/** How far ahead a schedule must fire at least once to be accepted. */
const CRON_HORIZON_DAYS = 366;

/**
 * An EventBridge Scheduler cron expression, read by its grammar (see ./cron.ts) and refused when it would not fire
 * in the next year (30 February, a past year, 99 minutes past the hour).
 */
const schedulerCron = z.string().check(
  z.superRefine((v, ctx) => {
  if (v.length > 256) {
    ctx.addIssue({ code: 'custom', message: 'is longer than any Scheduler cron expression (256 characters)' });
    return;
  }
  try {
    const spec = parseCron(v);
    if (!firstFiringDay(spec, new Date(), CRON_HORIZON_DAYS)) ctx.addIssue({ code: 'custom', message: `never fires in the next ${CRON_HORIZON_DAYS} days; check the day, month and year fields` });
  } catch (err) {
    if (!(err instanceof CronError)) throw err;
    ctx.addIssue({ code: 'custom', message: err.message });
  }
  }),
);

const positiveInt = z.number().check(z.int(), z.positive());

/** A Secrets Manager secret's ARN (RDS-NOTES: a secret that y's owner keeps, in y's region). */
const secretArn = z.string().check(z.regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf'));

/** An SSM parameter name: a path of letters, digits and `_.-/`, at most 1011 characters (SSM's limit for a full path). */
const ssmParameterName = z.string().check(z.regex(/^\/[A-Za-z0-9_.\-/]{1,1010}$/, 'must be an SSM parameter path such as /replica-refresh/orders-staging/master-user-secret-arn'));

/**
 * What y's master credentials are after a refresh. A restored instance has the snapshot's master user and password,
 * i.e. x's, and an RDS-managed secret of y is deleted with y (RDS-NOTES, "Credentials"): every pair must choose.
 */
export const credentialsSchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({
      /** After the restore, set y's master password from a secret that y's owner keeps in y's region. */
      mode: z.literal('secret'),
      secretArn,
      /** The JSON key of the password in the secret's value (a plain-string secret is the password itself). */
      passwordKey: z._default(z.string().check(z.minLength(1), z.maxLength(128)), 'password'),
    }),
    z.strictObject({
      /** After the restore, let RDS manage y's master password in Secrets Manager (a new secret each refresh). */
      mode: z.literal('managed'),
      /** The KMS key RDS encrypts the managed secret with; unset: the account's aws/secretsmanager key. */
      kmsKeyId: z.optional(arn),
      /** Where the new secret's ARN is published for applications. Default: /replica-refresh/<y>/master-user-secret-arn. */
      parameterName: z.optional(ssmParameterName),
    }),
    z.strictObject({
      /** Keep x's credentials on y: an explicit opt-in. */
      mode: z.literal('source'),
    }),
  ],
  {
    error: (issue) =>
      issue.input === undefined
        ? 'is required: choose what y\'s master credentials are after each refresh: {"mode": "secret", "secretArn": "<arn>"}, {"mode": "managed"} or {"mode": "source"} (keeps production\'s)'
        : 'must be {"mode": "secret", "secretArn": "<arn>"}, {"mode": "managed"} or {"mode": "source"}',
  },
);

/** A pair's credentials choice. */
export type CredentialsConfig = z.output<typeof credentialsSchema>;

/**
 * A SQL file of the repository a staging hook runs (`staging.hooks`): a relative path ending in .sql, read when the
 * app is synthesized (and by the simulation) and bundled with the functions as `{ name, sql }`.
 */
const hookFile = z.union(
  [
    z.string().check(z.regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w./-]+\.sql$/, 'must be the path of a .sql file in the repository, relative to it, such as "infra/examples/staging-safety/sql/10-mask.sql"')),
    z.strictObject({ name: z.string().check(z.minLength(1)), sql: z.string().check(z.minLength(1, 'is empty: a hook file must hold SQL')) }),
  ],
  { error: 'must be the path of a .sql file in the repository, such as "sql/10-mask.sql"' },
);

/** The engine families whose read-only setting the project knows (`staging.readOnly`), by parameter group family prefix. */
export const READ_ONLY_PARAMETERS: Readonly<Record<string, { name: string; value: string }>> = {
  // "default_transaction_read_only: Sets the default read-only status of new transactions" (PostgreSQL docs, 19.11.1).
  postgres: { name: 'default_transaction_read_only', value: '1' },
  // read_only: "the server permits no client updates except from users who have the CONNECTION_ADMIN privilege" (MySQL
  // reference, System Variables); the RDS master user lacks SUPER/CONNECTION_ADMIN, so it applies to it too on MySQL.
  mysql: { name: 'read_only', value: '1' },
  mariadb: { name: 'read_only', value: '1' },
};

/** The parameter group families whose engines the SQL runner has a driver for: `pg`, `mysql2`. */
export const HOOK_FAMILIES: readonly string[] = ['postgres', 'mysql', 'mariadb'];

/**
 * The name of the read-only parameter group the deployment creates for a family (infra/features/staging-safety.ts)
 * and the restore of a `staging.readOnly` pair attaches: `replica-refresh-read-only-postgres16`. A DB parameter group
 * name has letters, digits and hyphens only (CreateDBParameterGroup API reference), so a family's dots become hyphens.
 */
export function readOnlyParameterGroupName(family: string): string {
  return `replica-refresh-read-only-${family.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
}

/**
 * A pair's staging safety (issue 17): y read-only for ordinary sessions, SQL hooks after each restore (masking,
 * grants) and checks that must pass before y counts as refreshed, run by the pair's SQL runner in y's VPC.
 */
export const stagingSchema = z.strictObject({
  /** Attach the project's read-only parameter group of `parameterGroupFamily` to y at each restore. */
  readOnly: z._default(z.boolean(), false),
  /** The parameter group family of y's engine and version, such as "postgres16" (needed with readOnly). */
  parameterGroupFamily: z.optional(z.string().check(z.regex(/^[a-z][a-z0-9.-]{2,62}$/, 'must be a parameter group family such as "postgres16" or "mysql8.0"'))),
  hooks: z._default(
    z.strictObject({
      /** Run in order after each restore, each in one transaction that may write (masking, grants). */
      afterRestore: z._default(z.array(hookFile), []),
      /** Run after them: each must return a row and no row whose first column is false (read-only, rolled back). */
      validate: z._default(z.array(hookFile), []),
    }),
    { afterRestore: [], validate: [] },
  ),
  /**
   * A hook that fails leaves unmasked data on y: `isolate` (default) takes y off the network (no public access, only
   * `isolationSecurityGroupId`), `delete` deletes it. The swap modes never switch to it instead.
   */
  onFailure: z._default(z.enum(['isolate', 'delete']), 'isolate'),
  /**
   * A security group of y's VPC that admits only the SQL runner's security groups on the database port: y's only
   * group from its restore until its hooks passed, and after a hook failed (`onFailure: "isolate"`).
   */
  isolationSecurityGroupId: z.optional(z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as sg-0123456789abcdef0'))),
  /** Where the hooks run: the pair's SQL runner in y's VPC (the same function that validates a swap mode's copy). */
  runner: z.optional(
    z.strictObject({
      vpc: validationSchema.shape.vpc,
      timeoutSeconds: validationSchema.shape.timeoutSeconds,
      database: validationSchema.shape.database,
      user: validationSchema.shape.user,
      credentialsSecretArn: validationSchema.shape.credentialsSecretArn,
      passwordKey: validationSchema.shape.passwordKey,
    }),
  ),
});

/** The longest y a rename-swap pair may have: `-next-` and the run's 8-character tag must fit RDS's 63 characters. */
export const RENAME_SWAP_MAX_ID = 63 - '-next-'.length - 8;

/** The longest y a dns-switch pair may have: its slots are `<y>-a` and `<y>-b`, within RDS's 63 characters. */
export const DNS_SWITCH_MAX_ID = 63 - '-a'.length;

/** The two instances a dns-switch pair alternates between. */
export function dnsSlots(y: string): readonly [string, string] {
  return [`${y}-a`, `${y}-b`];
}

/**
 * How y is refreshed (lambdas/refresh/strategies/): `delete-first` deletes y, then restores it under its own name (y
 * is down from the delete until the restore is usable); `rename-swap` restores a copy beside y, validates it, and
 * swaps names (y is down from the first rename until the copy serves under y's name, about RDS's 10 minutes).
 */
export const refreshSchema = z.discriminatedUnion(
  'mode',
  [
    z.strictObject({ mode: z.literal('delete-first') }),
    z.strictObject({
      mode: z.literal('rename-swap'),
      /** Hours the old instance is kept after a switch (to compare, or to go back to by hand); then the watchdog deletes it. */
      keepOldHours: z._default(z.number().check(z.int(), z.gte(0), z.lte(720)), 24),
      /** How the new copy is checked before clients are switched to it (lambdas/validation/spec.ts). */
      validation: validationSchema,
    }),
    z.strictObject({
      mode: z.literal('dns-switch'),
      /**
       * The record clients connect to: a CNAME in a Route 53 private hosted zone, which the refresh points at the live
       * one of two instances, `<y>-a` and `<y>-b`.
       */
      dns: z.strictObject({
        /** The hosted zone's id, such as Z0123456789ABCDEFGHIJ (the console's "Hosted zone ID"; without /hostedzone/). */
        hostedZoneId: z.string().check(z.regex(/^Z[A-Z0-9]{1,32}$/, 'must be a Route 53 hosted zone id such as "Z0123456789ABCDEFGHIJ" (without "/hostedzone/")')),
        /** The record's name, inside the zone, such as orders-staging.db.internal. */
        recordName: z.string().check(
          z.maxLength(253, 'must be at most 253 characters (a DNS name)'),
          z.regex(/^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+\.?$/i, 'must be a DNS name inside the hosted zone, such as "orders-staging.db.internal"'),
        ),
        /** The record's TTL: how long clients may keep the old answer. The old instance serves at least this long after the switch. */
        ttlSeconds: z._default(z.number().check(z.int(), z.gte(0), z.lte(3600)), 5),
      }),
      /** What becomes of the old instance once clients have moved: deleted, or stopped (cheaper to keep; the next refresh deletes it). */
      oldSlot: z._default(z.enum(['delete', 'stop']), 'delete'),
      /** How the new copy is checked before clients are switched to it (lambdas/validation/spec.ts). */
      validation: validationSchema,
    }),
  ],
  {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : 'must be {"mode": "delete-first"}, {"mode": "rename-swap", "validation": {…}} or {"mode": "dns-switch", "dns": {"hostedZoneId": …, "recordName": …}, "validation": {…}} (see the README\'s "Refresh modes")',
  },
);

/** The SSM parameter a `managed` pair publishes y's master secret ARN to. */
export function managedSecretParameter(pair: { id: string; credentials: CredentialsConfig }): string | undefined {
  if (pair.credentials.mode !== 'managed') return undefined;
  return pair.credentials.parameterName ?? `/replica-refresh/${pair.id}/master-user-secret-arn`;
}

/** RDS allows 50 tags per resource. */
export const MAX_TAGS = 50;

/** RDS tag keys and values: Unicode letters, digits, white space and `_ . : / = + - @` (RDS User Guide, "Tagging Amazon RDS resources"). */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Tags: at most 50, keys 1-128 characters not starting with `aws:`, values up to 256. */
const tagMap = z
  .record(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(128),
        z.refine((k) => TAG_TEXT.test(k), 'tag keys may hold only letters, digits, spaces and _ . : / = + - @'),
        z.refine((k) => !k.toLowerCase().startsWith('aws:'), 'tag keys may not start with aws: (reserved for AWS)'),
      ),
    z.string().check(
      z.maxLength(256),
      z.refine((v) => TAG_TEXT.test(v), 'tag values may hold only letters, digits, spaces and _ . : / = + - @'),
    ),
  )
  .check(z.refine((t) => Object.keys(t).length <= MAX_TAGS, { message: `must hold at most ${MAX_TAGS} tags (RDS's limit per resource)` }));

/** An e-mail address within RFC 5321's lengths: 254 in all, 64 before the @, 63 per domain label. */
const emailAddress = z.string().check(
  z.superRefine((v, ctx) => {
  const at = v.lastIndexOf('@');
  const local = v.slice(0, at);
  const domain = v.slice(at + 1);
  const problem =
    v.length > 254
      ? `is ${v.length} characters; an e-mail address has at most 254 (RFC 5321)`
      : at < 1 || local.length > 64
        ? 'must be an e-mail address with at most 64 characters before the @ (RFC 5321)'
        : !/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/.test(local) || !/^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/.test(domain)
          ? 'must be an e-mail address such as dba-team@example.com'
          : undefined;
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

/** A whole number from `min` to `max`. */
const intBetween = (min: number, max: number) => z.number().check(z.int(), z.minimum(min), z.maximum(max));

/** A non-empty string. */
const nonEmpty = () => z.string().check(z.minLength(1));

/**
 * Settings of y that config may pin instead of carrying y's live value across. Each name matches
 * {@link import('../targets/instance/settings').InstanceSettings}.
 */
export const settingsOverridesSchema = z
  .partial(
    z.strictObject({
      instanceClass: z.string().check(z.regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/, 'must be an instance class such as db.t4g.medium')),
      subnetGroupName: nonEmpty(),
      vpcSecurityGroupIds: z.array(z.string().check(z.regex(/^sg-[0-9a-f]+$/, 'must be a security group id such as sg-0123abcd'))).check(z.minLength(1)),
      parameterGroupName: nonEmpty(),
      optionGroupName: nonEmpty(),
      multiAz: z.boolean(),
      publiclyAccessible: z.boolean(),
      storageType: z.enum(['gp2', 'gp3', 'io1', 'io2', 'standard']),
      allocatedStorage: positiveInt,
      maxAllocatedStorage: positiveInt,
      iops: positiveInt,
      storageThroughput: positiveInt,
      port: intBetween(1150, 65535),
      iamDatabaseAuthentication: z.boolean(),
      cloudwatchLogsExports: z.array(nonEmpty()),
      caCertificateIdentifier: nonEmpty(),
      autoMinorVersionUpgrade: z.boolean(),
      copyTagsToSnapshot: z.boolean(),
      deletionProtection: z.boolean(),
      backupRetentionPeriod: intBetween(0, 35),
      preferredBackupWindow: z.string().check(z.regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, 'must look like 03:00-03:30')),
      preferredMaintenanceWindow: nonEmpty(),
      monitoringInterval: z.union([z.literal(0), z.literal(1), z.literal(5), z.literal(10), z.literal(15), z.literal(30), z.literal(60)]),
      monitoringRoleArn: arn,
      performanceInsightsEnabled: z.boolean(),
      performanceInsightsRetentionPeriod: positiveInt,
      tags: tagMap,
    }),
  )
  .check(
    z.superRefine((o, ctx) => {
      // RDS: "the maximum storage threshold must be at least 10% greater than the allocated storage" (ModifyDBInstance, MaxAllocatedStorage).
      // Whole numbers, compared as such: 200 × 1.1 is 220.00000000000003 in floating point, which would refuse 220.
      if (o.maxAllocatedStorage !== undefined && o.allocatedStorage !== undefined && o.maxAllocatedStorage * 10 < o.allocatedStorage * 11) {
        ctx.addIssue({ code: 'custom', path: ['maxAllocatedStorage'], message: `must be at least 10% above allocatedStorage (${o.allocatedStorage}), i.e. ${Math.ceil((o.allocatedStorage * 11) / 10)} or more, or RDS rejects the post-restore modify` });
      }
    }),
  );

/** A positive whole number up to `max`. */
const positiveIntUpTo = (max: number) => positiveInt.check(z.maximum(max));

/**
 * A replica's name in the project: the ledger's key, the metric dimension, the name in notifications and the
 * `--replica` of the commands. Lower case like RDS identifiers, so that it fits alarm names and SSM paths.
 */
const replicaName = z.string().check(z.regex(/^[a-z](?!.*--)[a-z0-9-]{0,62}$/, 'must be 1-63 lower-case letters, digits or hyphens, starting with a letter'), z.refine((v) => !v.endsWith('-'), 'must not end with a hyphen'));

/**
 * The overrides that do not apply to an Aurora cluster's instances. The CreateDBInstance API reference says of each:
 * AllocatedStorage, StorageType, Iops, StorageThroughput, MaxAllocatedStorage and OptionGroupName "doesn't apply to
 * Amazon Aurora" (its storage is the cluster volume), MultiAZ "Not applicable. DB instance Availability Zones (AZs) are
 * managed by the DB cluster".
 */
export const INSTANCE_ONLY_OVERRIDES = ['optionGroupName', 'multiAz', 'storageType', 'allocatedStorage', 'maxAllocatedStorage', 'iops', 'storageThroughput'] as const;

/** What a cluster pair must say, and may not. */
function clusterPairIssues(
  p: { engine?: string; replica: { identifier?: string; memberIds?: string[] }; source: { mode: string; dbiResourceId?: string }; overrides: Record<string, unknown> },
  ctx: { addIssue(issue: { code: 'custom'; path: PropertyKey[]; message: string }): void },
): void {
  const y = p.replica.identifier ?? '?';
  if (p.engine === undefined) ctx.addIssue({ code: 'custom', path: ['engine'], message: `is required for an Aurora cluster pair: "aurora-postgresql" or "aurora-mysql" (${y}'s engine)` });
  if (p.replica.memberIds === undefined) {
    ctx.addIssue({ code: 'custom', path: ['replica', 'memberIds'], message: `is required for an Aurora cluster y: list ${y}'s member instances, writer first (the functions may delete and re-create only these)` });
  }
  if (p.source.dbiResourceId !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['source', 'dbiResourceId'], message: `is a DB instance's resource id; x is an Aurora cluster: name its DbClusterResourceId with source.clusterResourceId instead` });
  }
  if (p.source.mode !== 'snapshot-copy') {
    ctx.addIssue({ code: 'custom', path: ['source', 'mode'], message: `"${p.source.mode}" is for DB instances: an Aurora cluster y is restored from copies of x's cluster snapshots ("snapshot-copy")` });
  }
  for (const key of INSTANCE_ONLY_OVERRIDES) {
    if (p.overrides[key] !== undefined) ctx.addIssue({ code: 'custom', path: ['overrides', key], message: `does not apply to an Aurora cluster (its storage, Multi-AZ and option group are the cluster's, set by Aurora): remove it` });
  }
}

/** What config may say about one x→y pair. Defaults are the safe choice. */
const pairObject = z
  .strictObject({
    /**
     * The pair's own id, apart from the physical names it manages (a swap mode runs two instances for one replica):
     * the ledger, metrics, alarms, notifications and commands know the replica by it. Defaults to
     * y's identifier (`replica.instanceId`); keep it when y's identifier changes, or the history starts again under the new name.
     */
    id: z.optional(replicaName),
    /** x: the production instance whose snapshots feed y. */
    source: z.pipe(
      z
        .strictObject({
          ...resourceNameShape,
          region: awsRegion,
          /** x's DbiResourceId: when set, a different instance re-created under x's name is never taken for x. */
          dbiResourceId: z.optional(z.string().check(z.regex(/^db-[A-Z0-9]+$/, 'must be a DbiResourceId such as db-ABCDEFGHIJKLMNOPQRSTUVWXY1'))),
          /** An Aurora x's DbClusterResourceId: when set, a different cluster re-created under x's name is never taken for x. */
          clusterResourceId: z.optional(z.string().check(z.regex(/^cluster-[A-Z0-9]+$/, 'must be a DbClusterResourceId such as cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1'))),
          /**
           * Where y's data comes from: `snapshot-copy` restores the newest copy of x's snapshots in y's region (the `copy`
           * section decides who copies them); `backup-replication` restores x's replicated automated backups to their
           * latest restorable time (the `backupReplication` section).
           */
          mode: z._default(z.enum(['snapshot-copy', 'backup-replication']), 'snapshot-copy'),
        })
        .check(oneResourceName),
      z.transform(toNamedResource),
    ),
    /** y: the copy that is deleted and restored every night. */
    replica: z.pipe(
      z
        .strictObject({
          ...resourceNameShape,
          region: awsRegion,
          /**
           * An Aurora y's member instances, writer included (1 to 16: a writer and up to 15 readers, Aurora UG "Amazon
           * Aurora DB clusters"). The functions may delete and re-create these and no other instance: the IAM grants name
           * each one, and the preflight refuses a y with a member not listed here.
           */
          memberIds: z.optional(z.array(dbInstanceId).check(z.minLength(1), z.maxLength(16))),
        })
        .check(oneResourceName),
      z.transform(toNamedResource),
    ),
    /**
     * The Aurora engine of a cluster pair (`aurora-postgresql` or `aurora-mysql`): the restore's engine, and which
     * cluster settings apply (backtracking is Aurora MySQL's only). A DB instance pair reads its engine from y.
     */
    engine: z.optional(z.enum(['aurora-postgresql', 'aurora-mysql'])),
    schedule: z._default(
      z.strictObject({
        cron: z._default(schedulerCron, 'cron(0 3 * * ? *)'),
        /** The zone the cron expression is read in, so 03:00 stays 03:00 across DST. */
        timeZone: z.optional(timeZone),
        enabled: z._default(z.boolean(), true),
      }),
      { cron: 'cron(0 3 * * ? *)', enabled: true },
    ),
    /**
     * How y is refreshed (see {@link refreshSchema} and lambdas/refresh/strategies/): `delete-first` (the default),
     * `rename-swap` or `dns-switch`.
     */
    refresh: z._default(refreshSchema, { mode: 'delete-first' }),
    /** y must carry this tag, or it is never deleted. */
    ownershipTag: z._default(z.strictObject({ key: z.string().check(z.minLength(1), z.maxLength(128)), value: z.string().check(z.maxLength(256)) }), { key: 'replica-refresh:managed', value: 'true' }),
    /** The newest usable snapshot must be younger than this, by its original creation time. */
    maxSnapshotAgeHours: z._default(z.number().check(z.positive(), z.maximum(24 * 35)), 26),
    snapshotTypes: z._default(z.array(z.enum(['automated', 'manual', 'shared', 'awsbackup'])).check(z.minLength(1)), ['automated', 'manual']),
    /** When the newest snapshot of x is still being created or copied: restore from the newest available one, or refuse. */
    whenNewestSnapshotNotReady: z._default(z.enum(['use-newest-available', 'refuse']), 'use-newest-available'),
    /** Refuse to refresh from a snapshot that is not newer than the one y was last restored from. */
    requireNewerSnapshot: z._default(z.boolean(), true),
    /** Turn y's deletion protection off before deleting it. Off: a protected y is refused. */
    allowDisablingDeletionProtection: z._default(z.boolean(), false),
    /** Take a final snapshot of y before deleting it, named `<y>-final-<run id>`. */
    finalSnapshot: z._default(z.boolean(), false),
    /** Restore y after a deletion that no run started (an alert is sent either way). */
    restoreUnmanagedDeletions: z._default(z.boolean(), false),
    /**
     * Self-healing: when y is missing because a refresh deleted it and its restore failed, the watchdog restores it
     * again after `backoffHours`, doubling each time (at most 24 h apart), up to `maxAttempts` times (0: only the
     * next nightly run heals it). The nightly run always does.
     */
    heal: z._default(
      z.strictObject({
        backoffHours: z._default(z.number().check(z.minimum(0.25), z.maximum(24)), 1),
        maxAttempts: z._default(intBetween(0, 20), 6),
      }),
      { backoffHours: 1, maxAttempts: 6 },
    ),
    /** How long after the deletion request the watchdog waits for the deletion event before acting itself. */
    deletionEventGraceMinutes: z._default(positiveIntUpTo(24 * 60), 15),
    /** A restore not usable this long after it was requested raises an alert. */
    restoreDeadlineMinutes: z._default(positiveIntUpTo(7 * 24 * 60), 120),
    /** A run that has not closed this long after it started is marked failed. */
    stuckRunHours: z._default(z.number().check(z.positive(), z.maximum(7 * 24)), 12),
    /** Restore attempts (across event retries and the watchdog) before the run is failed and an alert sent. */
    maxRestoreAttempts: z._default(positiveIntUpTo(20), 5),
    /** The enhanced-monitoring role y uses, so the functions may pass it back to the new y. */
    monitoringRoleArn: z.optional(arn),
    /** What y's master credentials are after each refresh (required: see {@link credentialsSchema}). */
    credentials: credentialsSchema,
    /** y made safe to hand to developers after each restore: read-only, masked, granted (see {@link stagingSchema}). */
    staging: z.optional(stagingSchema),
    /** IAM roles y has associated (AddRoleToDBInstance, e.g. s3Import), so the functions may pass them back to the new y. */
    associatedRoleArns: z.optional(z.array(arn).check(z.maxLength(20))),
    /** RDS Proxies that target y, so the functions may register the new y with them again. */
    rdsProxyArns: z.optional(
      z.array(z.string().check(z.regex(/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:db-proxy:prx-[a-z0-9]+$/, 'must be an RDS Proxy ARN such as arn:aws:rds:eu-central-1:111111111111:db-proxy:prx-0123456789abcdef0'))).check(z.maxLength(20)),
    ),
    /** KMS keys of x's snapshots in the replica region; restore needs a grant on them. Unset: any key, only through RDS. */
    snapshotKmsKeyArns: z.optional(z.array(arn)),
    /** Settings to pin instead of carrying y's live values across. */
    overrides: z._default(settingsOverridesSchema, {}),
    /**
     * Copying x's snapshots into y's region as manual snapshots under a customer-managed key: for mode `snapshot-copy`
     * with x in another region, and, when the deployment has a vault, for every pair ({@link copiesSnapshots}).
     */
    copy: z._default(
      z.strictObject({
        /**
         * The project copies x's snapshots itself (a stack in x's region). Off: something else puts them in y's region,
         * and the pair cannot have a vault.
         */
        enabled: z._default(z.boolean(), true),
        /** An existing customer-managed key in y's region to encrypt copies with. Unset: y's stack creates one. */
        replicaKmsKeyArn: z.optional(arn),
        /**
         * An option group in y's region for the copies: required by RDS when x has a persistent option such as Oracle or
         * SQL Server TDE. Unset: none is passed.
         */
        optionGroupName: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
        /** Cross-region copies allowed in flight into y's region (20 today; 5 on older accounts). */
        inFlightLimit: z._default(positiveIntUpTo(100), 20),
        /** How long a deferred copy waits before trying again. */
        deferSeconds: z._default(positiveIntUpTo(900), 300),
        /** A copy still waiting this long after its first deferral is given up, with an alert. */
        maxWaitHours: z._default(positiveIntUpTo(72), 24),
        /** Alert when the region's manual snapshots reach this many (the default quota is 100). */
        manualSnapshotAlertAt: z._default(positiveInt, 90),
        /** How often the sweep copies the newest snapshot of x that has no copy yet (missed events, first deployment). */
        sweepIntervalMinutes: z._default(positiveInt.check(z.minimum(5), z.maximum(24 * 60)), 60),
        /**
         * Extra manual snapshots of x, for an RPO tighter than the daily automated snapshot: taken on this Scheduler
         * cron in x's region, copied like any other, and deleted from x's region once their copy is available.
         */
        extraSnapshots: z.optional(z.strictObject({ cron: schedulerCron, timeZone: z.optional(timeZone) })),
        /** How long the project's copies are kept in y's region. Only copies carrying the ownership tag are ever deleted. */
        retention: z._default(
          z.strictObject({
            enabled: z._default(z.boolean(), true),
            /** Keep every copy younger than this many days. */
            keepDays: z._default(positiveIntUpTo(3650), 7),
            /** Keep at least this many of the newest copies, whatever their age. */
            keepLast: z._default(positiveIntUpTo(100), 3),
            /** Also keep the newest copy of each of the last N days, ISO weeks and months. */
            daily: z.optional(positiveIntUpTo(365)),
            weekly: z.optional(positiveIntUpTo(520)),
            monthly: z.optional(positiveIntUpTo(120)),
            /** When the retention pass runs (Scheduler cron, in the pair's schedule zone). */
            cron: z._default(schedulerCron, 'cron(30 12 * * ? *)'),
          }),
          { enabled: true, keepDays: 7, keepLast: 3, cron: 'cron(30 12 * * ? *)' },
        ),
      }),
      { enabled: true, inFlightLimit: 20, deferSeconds: 300, maxWaitHours: 24, manualSnapshotAlertAt: 90, sweepIntervalMinutes: 60, retention: { enabled: true, keepDays: 7, keepLast: 3, cron: 'cron(30 12 * * ? *)' } },
    ),
    /** Restoring from x's automated backups replicated into y's region (mode `backup-replication`). */
    backupReplication: z._default(
      z.strictObject({
        /** y's stack starts the replication of x's automated backups (and stops it when the stack is deleted). Off: it is already set up. */
        manage: z._default(z.boolean(), true),
        /** Days the replicated backups are kept in y's region (1-35). */
        retentionDays: z._default(intBetween(1, 35), 7),
        /** Refuse a refresh when the latest restorable time is older than this. */
        maxLagMinutes: z._default(positiveIntUpTo(24 * 60), 30),
        /** An existing customer-managed key in y's region for the replicated backups. Unset: y's stack creates one. */
        kmsKeyArn: z.optional(arn),
      }),
      { manage: true, retentionDays: 7, maxLagMinutes: 30 },
    ),
  })
  .check(
    z.superRefine((p, ctx) => {
      const nameKey = (kind: ResourceKind) => (kind === 'cluster' ? 'clusterId' : 'instanceId');
      if (p.source.kind === undefined || p.replica.kind === undefined) {
        // A side without a name: reported on its own.
      } else if (p.source.kind !== p.replica.kind) {
        ctx.addIssue({ code: 'custom', path: ['replica', nameKey(p.replica.kind)], message: `names a DB ${p.replica.kind} but x (${p.source.identifier}) is a DB ${p.source.kind}: a pair is two DB instances or two Aurora DB clusters` });
      } else if (p.replica.kind === 'cluster') {
        clusterPairIssues(p, ctx);
      } else {
        if (p.engine !== undefined) ctx.addIssue({ code: 'custom', path: ['engine'], message: `is for Aurora cluster pairs (clusterId); a DB instance pair reads its engine from y (${p.replica.identifier}): remove it` });
        if (p.replica.memberIds !== undefined) ctx.addIssue({ code: 'custom', path: ['replica', 'memberIds'], message: `lists an Aurora cluster's member instances; ${p.replica.identifier} is a DB instance (instanceId): remove it` });
        if (p.source.clusterResourceId !== undefined) ctx.addIssue({ code: 'custom', path: ['source', 'clusterResourceId'], message: `is an Aurora cluster's resource id; x (${p.source.identifier}) is a DB instance: name its DbiResourceId with source.dbiResourceId instead` });
      }
      // A run is stuck only after the deletion grace and the restore deadline have both passed: shorter, the watchdog
      // would fail a run while RDS is still deleting or restoring y.
      const floorHours = (p.deletionEventGraceMinutes + p.restoreDeadlineMinutes) / 60;
      if (p.stuckRunHours <= floorHours) {
        ctx.addIssue({
          code: 'custom',
          path: ['stuckRunHours'],
          message: `must exceed deletionEventGraceMinutes (${p.deletionEventGraceMinutes}) plus restoreDeadlineMinutes (${p.restoreDeadlineMinutes}), i.e. more than ${Math.round(floorHours * 100) / 100} h, or the watchdog would fail a run while RDS is still deleting or restoring y`,
        });
      }
    }),
  );

/** One x→y pair, with its {@link pairObject id} filled in: y's identifier unless config names one. */
export const pairSchema = z.pipe(
  pairObject,
  z.transform((p) => ({ ...p, id: p.id ?? p.replica.identifier })),
);

/** The most pairs one deployment takes (all regions together); validation and synth stay linear up to it. */
export const MAX_PAIRS = 1000;

/** The whole cdk.json `replicaRefresh` context value. */
/**
 * The vault (issue 18): an AWS account, and a region in it, that keeps copies of every pair's snapshots out of
 * production's reach. Production shares each of its copies in y's region with the vault account (nothing else), and
 * the vault copies them under its own key; `npm run recover` restores x there from the newest vault copy.
 */
export const vaultSchema = z.strictObject({
  /** The vault's AWS account: not production's, or a compromised production account could delete its copies too. */
  account: z.string({ error: 'must be the 12-digit id of the vault account, such as "222222222222"' }).check(z.regex(/^\d{12}$/, 'must be the 12-digit id of the vault account, such as "222222222222"')),
  /** The region the vault keeps its copies in (and recovers x in). */
  region: awsRegion,
  /** Hours: an alarm fires when a pair's newest vault copy holds data older than this (its recovery point). */
  rpoHours: z._default(intBetween(1, 720), 26),
  /** Days the vault keeps each copy; the newest `keepAtLeast` copies of each x are kept whatever their age. */
  retentionDays: z._default(intBetween(1, 3650), 35),
  /** Copies of each x the vault always keeps, however old (so an outage of the pipeline never empties it). */
  keepAtLeast: z._default(intBetween(1, 100), 3),
  /**
   * Where `recover` puts x in the vault region: its DB subnet group and security groups there (x's own are in x's
   * account and region), and optionally parameter and option groups of the vault's. Unset: RDS's defaults of the
   * vault account (the default VPC), as `recover --subnet-group` can also say.
   */
  recovery: z._default(
    z.strictObject({
      subnetGroupName: z.optional(z.string().check(z.regex(/^[a-zA-Z0-9 ._-]{1,255}$/, 'must be a DB subnet group name of the vault region'))),
      securityGroupIds: z.optional(z.array(z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as sg-0123456789abcdef0')))),
      parameterGroupName: z.optional(z.string().check(z.regex(/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/, 'must be a DB parameter group name of the vault region'))),
      optionGroupName: z.optional(z.string().check(z.regex(/^[a-zA-Z][a-zA-Z0-9-]{0,254}$/, 'must be an option group name of the vault region'))),
    }),
    {},
  ),
});

/** A parsed `vault` section. */
export type VaultConfig = z.output<typeof vaultSchema>;

export const configSchema = z
  .strictObject({
    /** The AWS account both regions live in (cross-account DR comes later). */
    account: z.string().check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id')),
    /** The zone that notifications and reports show times in, and the default for each schedule. */
    timeZone: z._default(timeZone, 'UTC'),
    notificationEmails: z._default(z.array(emailAddress).check(z.maxLength(100)), []),
    watchdogIntervalMinutes: z._default(positiveInt.check(z.minimum(1), z.maximum(60)), 5),
    /** An RTO target in minutes; restores slower than this are reported as misses. */
    rtoTargetMinutes: z._default(positiveInt, 60),
    /** Which CloudWatch alarms each replica gets; every alarm notifies the notifications topic. */
    alarms: z._default(
      z.strictObject({
        /** A restore took longer than rtoTargetMinutes. */
        rtoMissed: z._default(z.boolean(), true),
        /** No successful refresh within this many hours (0 turns the alarm off). */
        noSuccessWithinHours: z._default(intBetween(0, 168), 26),
        /** A run failed, or was stuck and failed by the watchdog. */
        runFailed: z._default(z.boolean(), true),
        /** A refresh was refused by its preflight (y left untouched). */
        refused: z._default(z.boolean(), true),
        /** A restore is past restoreDeadlineMinutes. */
        restoreOverdue: z._default(z.boolean(), true),
      }),
      { rtoMissed: true, noSuccessWithinHours: 26, runFailed: true, refused: true, restoreOverdue: true },
    ),
    pairs: z.array(pairSchema).check(z.minLength(1, 'must list at least one x→y pair'), z.maxLength(MAX_PAIRS, `must list at most ${MAX_PAIRS} pairs per deployment`)),
    /** A vault account for every pair's snapshots (issue 18); none by default. */
    vault: z.optional(vaultSchema),
  })
  .check(
    z.superRefine((cfg, ctx) => {
      // Linear in the pairs: one pass to index the replicas, one to check each pair against the index.
      const seen = new Map<string, number>();
      const ids = new Map<string, number>();
      // A DB instance and an Aurora DB cluster of one name are two resources: keys carry the kind.
      const where = (side: { region: string; kind: ResourceKind; identifier: string }) => `${side.region}/${side.kind}/${side.identifier}`;
      const replicas = new Set(cfg.pairs.map((p) => where(p.replica)));
      const v = cfg.vault;
      if (v && v.account === cfg.account) {
        ctx.addIssue({ code: 'custom', path: ['vault', 'account'], message: `is production's own account (${cfg.account}): a vault must be another account, which production's roles cannot reach, or a compromised production account deletes its copies too` });
      }
      cfg.pairs.forEach((p, i) => {
        if (v) {
          const problem = vaultProblem(p);
          if (problem) ctx.addIssue({ code: 'custom', path: ['pairs', i, ...problem.path], message: problem.message });
        }
        if (where(p.replica) === where(p.source)) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'replica'], message: `is the source ${p.source.kind} itself (${p.source.identifier} in ${p.source.region}); y must be a different ${p.source.kind}` });
        }
        const key = where(p.replica);
        const other = seen.get(key);
        if (other !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'replica', p.replica.kind === 'cluster' ? 'clusterId' : 'instanceId'], message: `repeats pairs[${other}]: each y may belong to one pair only` });
        }
        seen.set(key, i);
        // Ids are per replica region, as the ledger, the metrics and the alarms are.
        const idKey = `${p.replica.region}/${p.id}`;
        const sameId = ids.get(idKey);
        if (sameId !== undefined && other === undefined) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'id'], message: `"${p.id}" is already the id of pairs[${sameId}] in ${p.replica.region} (an id defaults to the identifier of y): give one of them its own "id"` });
        }
        ids.set(idKey, i);
        if (p.source.mode === 'backup-replication' && p.source.region === p.replica.region) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'source', 'mode'], message: `needs x and y in different regions (both are in ${p.source.region}): automated backups replicate across regions only; use snapshot-copy` });
        }
        if (p.refresh.mode !== 'delete-first' && p.replica.kind !== 'instance') {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'refresh', 'mode'], message: `"${p.refresh.mode}" is for DB instances: an Aurora cluster y is refreshed with "delete-first" (renaming a cluster and its members is not built)` });
        }
        const st = p.staging;
        if (st && st.hooks.afterRestore.length + st.hooks.validate.length > 0 && !st.runner) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'staging', 'runner'], message: 'is required with staging.hooks: where the hooks run, {"vpc": {"vpcId", "subnetIds", "securityGroupIds"}} in y\'s VPC' });
        }
        const withHooks = st !== undefined && st.hooks.afterRestore.length + st.hooks.validate.length > 0;
        if (withHooks && st.parameterGroupFamily && !HOOK_FAMILIES.some((f) => st.parameterGroupFamily!.startsWith(f))) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'staging', 'hooks'], message: `run on PostgreSQL, MySQL and MariaDB (the runner's drivers are pg and mysql2); "${st.parameterGroupFamily}" is none of them: leave hooks out for this pair` });
        }
        if (withHooks && st.readOnly && st.parameterGroupFamily && /^(mysql|mariadb)/.test(st.parameterGroupFamily)) {
          // MySQL: read_only stops "client updates except from users who have the CONNECTION_ADMIN privilege" (MySQL
          // reference, System Variables); MariaDB: except from users with READ_ONLY ADMIN (10.11) or SUPER. RDS's
          // master user has neither ("Master user account privileges", RDS User Guide), and neither engine lets a
          // session turn read_only off, so the hooks could not write.
          ctx.addIssue({
            code: 'custom',
            path: ['pairs', i, 'staging', 'readOnly'],
            message: `cannot be combined with hooks on ${st.parameterGroupFamily}: read_only = 1 stops every session without CONNECTION_ADMIN or SUPER, which RDS's master user lacks, so the hooks could not mask anything. Keep y's data read-only for developers with an afterRestore hook that grants them SELECT only (infra/examples/staging-safety/README.md), and set readOnly to false`,
          });
        }
        if (st && st.hooks.afterRestore.length + st.hooks.validate.length > 0 && p.credentials.mode === 'source' && !st.runner?.credentialsSecretArn) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'staging', 'runner', 'credentialsSecretArn'], message: `is required with credentials.mode "source": y keeps production's master password, which no secret of the pair holds; name a secret in y's region with the password the hooks log in with` });
        }
        if (st?.readOnly && !st.parameterGroupFamily) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'staging', 'parameterGroupFamily'], message: 'is required with staging.readOnly: the family of y\'s engine and version, such as "postgres16", for the read-only parameter group the deployment creates' });
        }
        if (st?.readOnly && st.parameterGroupFamily && !Object.keys(READ_ONLY_PARAMETERS).some((e) => st.parameterGroupFamily!.startsWith(e))) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'staging', 'readOnly'], message: `is not supported for "${st.parameterGroupFamily}": the project makes PostgreSQL, MySQL and MariaDB read-only (default_transaction_read_only, read_only); for Oracle and SQL Server grant developers read-only roles in an afterRestore hook instead` });
        }
        if (st && p.replica.kind === 'cluster' && (st.readOnly || st.hooks.afterRestore.length + st.hooks.validate.length > 0)) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'staging'], message: 'is for DB instances: an Aurora cluster\'s parameter groups and hooks are not built yet' });
        }
        if (st?.onFailure === 'isolate' && st.hooks.afterRestore.length + st.hooks.validate.length > 0 && !st.isolationSecurityGroupId) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'staging', 'isolationSecurityGroupId'], message: 'is required with onFailure "isolate": a security group of y\'s VPC that admits only the runner\'s security groups, which y has until its hooks passed and keeps when one fails (or set onFailure to "delete")' });
        }
        if (p.refresh.mode !== 'delete-first' && p.credentials.mode === 'source' && !p.refresh.validation.credentialsSecretArn) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'refresh', 'validation', 'credentialsSecretArn'], message: `is required with credentials.mode "source": the copy keeps production's master password, which no secret of the pair holds; name a secret in y's region with the password the validation logs in with` });
        }
        if (p.refresh.mode === 'dns-switch' && p.replica.identifier.length > DNS_SWITCH_MAX_ID) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'replica', 'instanceId'], message: `"${p.replica.identifier}" is ${p.replica.identifier.length} characters; dns-switch needs at most ${DNS_SWITCH_MAX_ID} (its instances are <y>-a and <y>-b within RDS's 63)` });
        }
        if (p.refresh.mode === 'rename-swap' && p.replica.identifier.length > RENAME_SWAP_MAX_ID) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'replica', 'instanceId'], message: `"${p.replica.identifier}" is ${p.replica.identifier.length} characters; rename-swap needs at most ${RENAME_SWAP_MAX_ID} (its copy is named <y>-next-<8 characters> within RDS's 63)` });
        }
        if (replicas.has(where(p.source))) {
          ctx.addIssue({ code: 'custom', path: ['pairs', i, 'source'], message: 'is also configured as a replica: the refresh would delete a source' });
        }
      });
    }),
  );

/** Parsed, defaulted configuration. */
export type Config = z.output<typeof configSchema>;
/** One parsed x→y pair. */
export type PairConfig = z.output<typeof pairSchema>;
/** Settings config may override. */
export type SettingsOverrides = z.output<typeof settingsOverridesSchema>;

/** An RDS event subscription's name: "The name must be less than 255 characters" (CreateEventSubscription API reference, SubscriptionName). */
const eventSubscriptionNameSchema = z.string().check(z.minLength(1), z.maxLength(254));

/** What each replica-region function runs with: the pairs of its region (bundled as runtime-config.json) and the resources it uses (in its environment). */
export const runtimeConfigSchema = z.strictObject({
  region: awsRegion,
  account: z.string().check(z.regex(/^\d{12}$/)),
  timeZone,
  rtoTargetMinutes: positiveInt,
  ledgerTableName: z.string().check(z.minLength(3)),
  notificationTopicArn: arn,
  /**
   * The validation function of each pair with a swap mode (pair id → function name): it runs inside y's VPC and
   * checks a new copy before clients are switched to it (infra/features/copy-validation.ts).
   */
  validationFunctions: z.optional(z.record(z.string(), z.string().check(z.minLength(1)))),
  /**
   * The region's RDS event subscriptions, whose status the watchdog checks on every pass: its DB instances'
   * (`db-instance`), and its Aurora clusters' (`db-cluster`) when a pair is a cluster (infra/features/event-pipeline.ts).
   * At most 20: RDS's default quota of event subscriptions per region (RDS User Guide, "Quotas in Amazon RDS").
   */
  eventSubscriptionNames: z.optional(
    z.array(eventSubscriptionNameSchema).check(
      z.maxLength(20),
      z.refine((names) => new Set(names).size === names.length, 'must not name a subscription twice'),
    ),
  ),
  /**
   * The one subscription that files bundled before issue 15 name; still read, so such a file loads. Read both through
   * {@link eventSubscriptionsOf}.
   * @deprecated written as {@link RuntimeConfig.eventSubscriptionNames}
   */
  eventSubscriptionName: z.optional(eventSubscriptionNameSchema),
  /** `alarms.noSuccessWithinHours`: the watchdog reports a replica overdue when its last success is older (0 or unset: off). */
  noSuccessWithinHours: z.optional(intBetween(0, 168)),
  /** The vault the region's copies are shared with (the share function's; issue 18). */
  vault: z.optional(vaultSchema),
  pairs: z.array(pairSchema).check(z.minLength(1)),
});

/** Parsed runtime configuration of one replica region. */
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;

/**
 * Every event subscription a runtime configuration names, in order and once each: `eventSubscriptionNames`, and the
 * single `eventSubscriptionName` of files bundled before issue 15.
 */
export function eventSubscriptionsOf(config: Pick<RuntimeConfig, 'eventSubscriptionNames' | 'eventSubscriptionName'>): string[] {
  const names = [...(config.eventSubscriptionNames ?? []), ...(config.eventSubscriptionName === undefined ? [] : [config.eventSubscriptionName])];
  return [...new Set(names)];
}

/** What the copy function (in x's region) receives: the pairs whose x is there, its delay queue and the topic to alert. */
export const copyRuntimeConfigSchema = z.strictObject({
  region: awsRegion,
  account: z.string().check(z.regex(/^\d{12}$/)),
  deferQueueUrl: z.url(),
  notificationTopicArn: arn,
  pairs: z.array(pairSchema).check(z.minLength(1)),
});

/** Parsed runtime configuration of the copy function. */
export type CopyRuntimeConfig = z.output<typeof copyRuntimeConfigSchema>;

/**
 * Where each function's configuration lives at runtime. The validated configuration is bundled with the function's
 * code as a JSON file next to index.js ({@link RUNTIME_CONFIG_FILE}, or {@link COPY_CONFIG_FILE} for the copy
 * function), written at `cdk synth`: Lambda's 4 KB environment would hold about four pairs. The environment keeps
 * what is only known at deploy time, the names of the stack's resources ({@link RESOURCES_ENV}, a few hundred
 * bytes whatever the number of pairs), and what is per function (Powertools' service name).
 */
export const RUNTIME_CONFIG_FILE = 'runtime-config.json';

/** The copy function's configuration file, next to its index.js. */
export const COPY_CONFIG_FILE = 'copy-config.json';

/** The environment variable that carries the replica-region functions' {@link RuntimeResources} as JSON. */
export const RESOURCES_ENV = 'REPLICA_REFRESH_RESOURCES';

/** The environment variable that carries the copy function's {@link CopyResources} as JSON. */
export const COPY_RESOURCES_ENV = 'REPLICA_REFRESH_COPY_RESOURCES';

/**
 * Overrides where {@link RUNTIME_CONFIG_FILE} is read from (a path): for hosts that run the handlers from the
 * TypeScript sources (the simulation, the benchmark's unbundled build). Lambda never sets it.
 */
export const CONFIG_FILE_ENV = 'REPLICA_REFRESH_CONFIG_FILE';

/** Overrides where {@link COPY_CONFIG_FILE} is read from (a path), as {@link CONFIG_FILE_ENV} does. */
export const COPY_CONFIG_FILE_ENV = 'REPLICA_REFRESH_COPY_CONFIG_FILE';

/**
 * For tests only: the whole {@link RuntimeConfig} as JSON in one variable, read instead of the file and
 * {@link RESOURCES_ENV}. The deployed functions never carry it.
 */
export const RUNTIME_CONFIG_ENV = 'REPLICA_REFRESH_CONFIG';

/** For tests only: the whole {@link CopyRuntimeConfig} as JSON, as {@link RUNTIME_CONFIG_ENV} is. */
export const COPY_CONFIG_ENV = 'REPLICA_REFRESH_COPY_CONFIG';

/** The keys of {@link RuntimeConfig} that name the stack's resources: tokens at synth, so they travel in the environment. */
const RUNTIME_RESOURCE_KEYS = { ledgerTableName: true, notificationTopicArn: true, validationFunctions: true } as const;

/** What {@link RUNTIME_CONFIG_FILE} holds: the runtime configuration without its resource names. */
export const runtimeConfigFileSchema = z.omit(runtimeConfigSchema, RUNTIME_RESOURCE_KEYS);

/** What {@link RESOURCES_ENV} holds: the ledger table, the notifications topic and the swap pairs' validation functions. */
export const runtimeResourcesSchema = z.pick(runtimeConfigSchema, RUNTIME_RESOURCE_KEYS);

/** The resource names a replica-region function gets in its environment. */
export type RuntimeResources = z.output<typeof runtimeResourcesSchema>;

const COPY_RESOURCE_KEYS = { deferQueueUrl: true, notificationTopicArn: true } as const;

/** What {@link COPY_CONFIG_FILE} holds: the copy configuration without its resource names. */
export const copyRuntimeConfigFileSchema = z.omit(copyRuntimeConfigSchema, COPY_RESOURCE_KEYS);

/**
 * What {@link COPY_RESOURCES_ENV} holds: the delay queue, the topic, and the project key of each replica region that
 * one (its ARN known at deploy time only), for the pairs without `copy.replicaKmsKeyArn`.
 */
export const copyResourcesSchema = z.strictObject({
  ...z.pick(copyRuntimeConfigSchema, COPY_RESOURCE_KEYS).shape,
  projectKeys: z._default(z.array(z.strictObject({ region: awsRegion, keyArn: arn })), []),
});

/** The resource names the copy function gets in its environment. */
export type CopyResources = z.output<typeof copyResourcesSchema>;

/** A runtime configuration split into what goes into the bundled file and what into the environment. */
export interface SplitConfig<F, R> {
  file: F;
  resources: R;
}

/** Splits a replica-region runtime configuration into its file and its resource names. */
export function splitRuntimeConfig<C extends { ledgerTableName: string; notificationTopicArn: string; validationFunctions?: Record<string, string> }>(
  config: C,
): SplitConfig<Omit<C, keyof typeof RUNTIME_RESOURCE_KEYS>, { ledgerTableName: string; notificationTopicArn: string; validationFunctions?: Record<string, string> }> {
  // Every key of RUNTIME_RESOURCE_KEYS: what names deployed resources goes into the environment.
  const { ledgerTableName, notificationTopicArn, validationFunctions, ...file } = config;
  return { file, resources: { ledgerTableName, notificationTopicArn, ...(validationFunctions ? { validationFunctions } : {}) } };
}

/**
 * The text of {@link RUNTIME_CONFIG_FILE} as `cdk synth` bundles it: validated with the schema the function reads it
 * with, every default spelled out.
 * @throws ConfigError naming the file, the pair (by y) and the field
 */
export function runtimeConfigFileText(file: unknown): string {
  return `${JSON.stringify(parseWith(runtimeConfigFileSchema, file, RUNTIME_CONFIG_FILE))}\n`;
}

/** The text of {@link COPY_CONFIG_FILE} as `cdk synth` bundles it, as {@link runtimeConfigFileText}. */
export function copyConfigFileText(file: unknown): string {
  return `${JSON.stringify(parseWith(copyRuntimeConfigFileSchema, file, COPY_CONFIG_FILE))}\n`;
}

/** The pairs of a copy configuration, each with the key its copies get: its own, or its replica region's project key. */
function withProjectKeys(pairs: readonly PairConfig[], projectKeys: readonly { region: string; keyArn: string }[]): PairConfig[] {
  const byRegion = new Map(projectKeys.map((k) => [k.region, k.keyArn]));
  return pairs.map((p) => {
    const key = p.copy.replicaKmsKeyArn ?? byRegion.get(p.replica.region);
    return key === undefined || key === p.copy.replicaKmsKeyArn ? p : { ...p, copy: { ...p.copy, replicaKmsKeyArn: key } };
  });
}

/** Where a host reads a function's configuration from. */
export interface ConfigSource {
  /** The environment: the resource names, and the overrides for tests and local hosts. */
  env: NodeJS.ProcessEnv;
  /** The directory of the function's code, where its configuration file lies (in Lambda, next to index.js). */
  dir: string;
}

/** Lambda's source: the process environment, and the directory of the running bundle. */
export function lambdaConfigSource(): ConfigSource {
  return { env: process.env, dir: __dirname };
}

/**
 * Parses a function's runtime configuration: the file bundled with its code ({@link RUNTIME_CONFIG_FILE}) and
 * the resource names in its environment ({@link RESOURCES_ENV}), each with its own part of the one schema, so a bad
 * value is named by the file or variable it is in, the pair (by y) and the field. Tests may give the whole
 * configuration in {@link RUNTIME_CONFIG_ENV} instead.
 * @throws ConfigError naming every bad value
 */
export function loadRuntimeConfig(source: ConfigSource = lambdaConfigSource()): RuntimeConfig {
  if (source.env[RUNTIME_CONFIG_ENV]) return loadFromEnv(source.env, RUNTIME_CONFIG_ENV, runtimeConfigSchema);
  const file = parseWith(runtimeConfigFileSchema, readConfigFile(source, RUNTIME_CONFIG_FILE, CONFIG_FILE_ENV), RUNTIME_CONFIG_FILE);
  const resources = loadFromEnv(source.env, RESOURCES_ENV, runtimeResourcesSchema);
  return { ...file, ...resources };
}

/**
 * Parses the copy function's runtime configuration: {@link COPY_CONFIG_FILE} next to its code and
 * {@link COPY_RESOURCES_ENV}; tests may give the whole configuration in {@link COPY_CONFIG_ENV}.
 * @throws ConfigError naming every bad value
 */
export function loadCopyRuntimeConfig(source: ConfigSource = lambdaConfigSource()): CopyRuntimeConfig {
  if (source.env[COPY_CONFIG_ENV]) return loadFromEnv(source.env, COPY_CONFIG_ENV, copyRuntimeConfigSchema);
  const file = parseWith(copyRuntimeConfigFileSchema, readConfigFile(source, COPY_CONFIG_FILE, COPY_CONFIG_FILE_ENV), COPY_CONFIG_FILE);
  const { projectKeys, ...resources } = loadFromEnv(source.env, COPY_RESOURCES_ENV, copyResourcesSchema);
  return { ...file, ...resources, pairs: withProjectKeys(file.pairs, projectKeys) };
}

/** Reads and parses a configuration file: next to the code, or where the override variable points. */
function readConfigFile(source: ConfigSource, name: string, overrideEnv: string): unknown {
  const path = source.env[overrideEnv] || join(source.dir, name);
  let text: string;
  try {
    // Read once per cold start; a synchronous read of a few hundred KB at most, before the first invocation.
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read the configuration file ${path} (${(cause as Error).message}); deploy the function with the CDK app, which bundles ${name} next to index.js`, [], { cause });
  }
  return parseConfigText(text, path);
}


function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = input;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Object.prototype.hasOwnProperty.call(cur, key) ? (cur as Record<PropertyKey, unknown>)[key] : undefined;
  }
  return cur;
}

/** `replicaRefresh.pairs[0] (orders-staging).credentials`: a pair is named by its y, so a long list needs no counting. */
function renderPath(root: string, path: readonly PropertyKey[], input?: unknown): string {
  let cur: unknown = input;
  return path.reduce<string>((acc, key, i) => {
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key !== 'number') return `${acc}.${String(key)}`;
    const side = path[i - 1] === 'pairs' ? (cur as { replica?: { instanceId?: unknown; clusterId?: unknown; identifier?: unknown } } | undefined)?.replica : undefined;
    const y = side?.instanceId ?? side?.clusterId ?? side?.identifier;
    return `${acc}[${key}]${typeof y === 'string' ? ` (${y})` : ''}`;
  }, root);
}

/** A scalar as people write it: NaN and Infinity by name, long strings cut with their length. */
function scalar(v: unknown): string {
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : '-Infinity';
  if (typeof v === 'string') return v.length > 60 ? `${JSON.stringify(v.slice(0, 60))}… (${v.length} characters)` : JSON.stringify(v);
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return '[…]';
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return typeof v === 'object' ? '{…}' : typeof v;
}

/** A short preview of any value, one level deep: a deeply nested or huge value never overflows or floods the message. */
function preview(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '[]' : `[${v.slice(0, 3).map(scalar).join(', ')}${v.length > 3 ? `, … (${v.length} items)` : ''}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v);
    return keys.length === 0 ? '{}' : `{${keys.slice(0, 3).map((k) => `${JSON.stringify(k)}: ${scalar((v as Record<string, unknown>)[k])}`).join(', ')}${keys.length > 3 ? `, … (${keys.length} keys)` : ''}}`;
  }
  return scalar(v);
}

/**
 * Parses with a schema, turning every problem into one line that names the key and the value at fault: one line
 * per bad value (the first problem found with it), NaN and Infinity by name, long or deep values cut short.
 * @throws ConfigError listing every problem found
 */
export function parseWith<S extends z.ZodMiniType>(schema: S, input: unknown, root: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const issue of result.error.issues) {
    const key = renderPath(root, issue.path, input);
    if (issue.code === 'unrecognized_keys') {
      lines.push(`${key}: unknown key(s) ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}; check the spelling against the README's configuration reference`);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    lines.push(`${key} = ${preview(valueAt(input, issue.path))}: ${issue.message}`);
  }
  throw new ConfigError(`invalid configuration:\n  - ${lines.join('\n  - ')}`, lines);
}

/**
 * Reads configuration text (a cdk.json, or a file given with --config): a UTF-8 byte-order mark is dropped, and JSON
 * that cannot be read is answered with where it broke.
 * @throws ConfigError naming the file and the problem
 */
export function parseConfigText(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body) as unknown;
  } catch (err) {
    throw new ConfigError(`${source} is not valid JSON: ${(err as Error).message}; fix the file (a JSON linter shows where)`, [], { cause: err });
  }
}

/**
 * The `replicaRefresh` value of a parsed cdk.json, or a ConfigError naming the path that has the wrong shape
 * (a file holding `null`, a `context` that is not an object).
 */
export function replicaRefreshOf(json: unknown, source: string): unknown {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${source} holds ${kind(json)}; it must be a JSON object with "context": { "replicaRefresh": { ... } } (see the README's configuration reference)`, []);
  }
  const context = (json as { context?: unknown }).context;
  if (context === undefined) return undefined;
  if (typeof context !== 'object' || context === null || Array.isArray(context)) {
    throw new ConfigError(`${source}: "context" is ${kind(context)}; it must be an object holding "replicaRefresh"`, ['context']);
  }
  return (context as { replicaRefresh?: unknown }).replicaRefresh;
}

/** Parses the cdk.json `replicaRefresh` context value. */
export function parseConfig(input: unknown): Config {
  if (input === undefined) {
    throw new ConfigError('missing configuration: add a "replicaRefresh" object to the "context" of cdk.json (see the README\'s configuration reference)', []);
  }
  return parseWith(configSchema, input, 'replicaRefresh');
}

export function loadFromEnv<S extends z.ZodMiniType>(env: NodeJS.ProcessEnv, name: string, schema: S): z.output<S> {
  const raw = env[name];
  if (!raw) throw new ConfigError(`environment variable ${name} is not set; deploy the function with the CDK app`, []);
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(`environment variable ${name} is not valid JSON`, [], { cause });
  }
  return parseWith(schema, json, name);
}

/** The time zone a pair's schedule runs in. */
export function scheduleTimeZone(cfg: Pick<Config, 'timeZone'>, pair: PairConfig): string {
  return pair.schedule.timeZone ?? cfg.timeZone;
}

/** What decides, beside a pair's own settings, which snapshots the project copies: whether the deployment has a vault. */
export interface CopyContext {
  readonly vault?: VaultConfig | undefined;
}

/**
 * Whether the project copies this pair's snapshots itself, as manual snapshots in y's region under a customer-managed
 * key (copy on, always):
 * - mode `snapshot-copy`, x and y in different regions: y is restored from these copies;
 * - with a vault, every other pair too, because the vault takes only manual snapshots under a customer-managed key: "To
 *   share an automated DB snapshot, create a manual DB snapshot by copying the automated snapshot, and then share that
 *   copy" (RDS User Guide, "Sharing a DB snapshot"). For x and y in one region that is a copy within the region
 *   (CopyDBSnapshot without SourceRegion, re-encrypted with KmsKeyId: "If you copy an encrypted DB snapshot from your
 *   AWS account, you can specify a value for this parameter to encrypt the copy with a new KMS key", CopyDBSnapshot
 *   API reference); for mode `backup-replication`, a copy into y's region beside the replicated backups y is restored
 *   from.
 * Without a vault, x and y in one region need no copy (x's snapshots are already there).
 */
export function copiesSnapshots(pair: PairConfig, context: CopyContext): boolean {
  if (!pair.copy.enabled) return false;
  if (context.vault !== undefined) return true;
  return pair.source.mode === 'snapshot-copy' && pair.source.region !== pair.replica.region;
}

/**
 * Why a pair's snapshots cannot go to the vault, or undefined when they can. The vault takes the copies production
 * makes in y's region ({@link copiesSnapshots}: manual DB snapshots, or DB cluster snapshots for an Aurora x, under a
 * customer-managed key): only manual snapshots can be shared, and a snapshot under the default `aws/rds` key cannot be
 * (RDS User Guide, "Sharing a DB snapshot", "Sharing encrypted snapshots"; the Aurora User Guide, "Sharing a DB cluster
 * snapshot", says the same of cluster snapshots).
 */
export function vaultProblem(p: PairConfig): { path: (string | number)[]; message: string } | undefined {
  // With a vault every pair with copy.enabled copies (copiesSnapshots).
  if (!p.copy.enabled) {
    return {
      path: ['copy', 'enabled'],
      message: `is false, so the project makes no copies of ${p.source.identifier}'s snapshots, and the vault takes production's copies (only manual snapshots under a customer-managed key can be shared with it): turn copy.enabled on, or keep this pair in a deployment without a vault`,
    };
  }
  const key = p.copy.replicaKmsKeyArn;
  if (key !== undefined && /(^|:)alias\/aws\/rds$/.test(key)) {
    return { path: ['copy', 'replicaKmsKeyArn'], message: `is the AWS managed key aws/rds, and RDS cannot share a snapshot encrypted with aws/rds with another account: leave replicaKmsKeyArn out (the project's key admits the vault account) or name a customer-managed key whose key policy admits the vault account` };
  }
  return undefined;
}

/** Whether the project manages a customer-managed key in y's region for this pair (copies or replicated backups). */
export function needsProjectKey(pair: PairConfig, context: CopyContext): boolean {
  const forBackups = pair.source.mode === 'backup-replication' && pair.backupReplication.manage && !pair.backupReplication.kmsKeyArn;
  return forBackups || (copiesSnapshots(pair, context) && !pair.copy.replicaKmsKeyArn);
}

/** Finds the pair with this id (the `replica` of the ledger, the metrics and the commands). */
export function pairFor(cfg: Pick<RuntimeConfig, 'pairs'>, replicaId: string): PairConfig | undefined {
  return cfg.pairs.find((p) => p.id === replicaId);
}

/** A staging hook as the functions run it: its file's path and its SQL. */
export interface HookStep {
  name: string;
  sql: string;
}

/** The pair's hooks, embedded (the functions never see a bare path: {@link embedHookSql} read them at synth). */
export function hookSteps(pair: PairConfig): { afterRestore: HookStep[]; validate: HookStep[] } {
  const embedded = (list: readonly (string | HookStep)[]) =>
    list.map((h) => {
      if (typeof h === 'string') throw new ConfigError(`staging hook ${h} of ${pair.id} was not embedded: the app reads each hook file when it is synthesized; run "npx cdk deploy" again`, [h]);
      return h;
    });
  return { afterRestore: embedded(pair.staging?.hooks.afterRestore ?? []), validate: embedded(pair.staging?.hooks.validate ?? []) };
}

/**
 * Reads every staging hook file of the pairs from `root` (the repository) and embeds its SQL, so the functions carry
 * it in their bundled configuration.
 * @throws ConfigError naming the pair and the file that cannot be read
 */
export function embedHookSql(pairs: readonly PairConfig[], root: string): PairConfig[] {
  const problems: string[] = [];
  const out = pairs.map((pair) => {
    if (!pair.staging) return pair;
    const read = (list: readonly (string | HookStep)[], key: string) =>
      list.map((h, j) => {
        if (typeof h !== 'string') return h;
        try {
          const sql = readFileSync(join(root, h), 'utf8');
          if (sql.trim() === '') problems.push(`pairs (${pair.id}).staging.hooks.${key}[${j}] = "${h}": the file is empty`);
          return { name: h, sql };
        } catch (err) {
          problems.push(`pairs (${pair.id}).staging.hooks.${key}[${j}] = "${h}": cannot be read (${(err as Error).message}); paths are relative to the repository`);
          return h;
        }
      });
    return { ...pair, staging: { ...pair.staging, hooks: { afterRestore: read(pair.staging.hooks.afterRestore, 'afterRestore'), validate: read(pair.staging.hooks.validate, 'validate') } } };
  });
  if (problems.length > 0) throw new ConfigError(`replicaRefresh has ${problems.length} problem(s) with staging hook files:\n  - ${problems.join('\n  - ')}`, problems);
  return out;
}
