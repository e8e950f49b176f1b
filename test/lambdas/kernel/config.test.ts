import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../../../lambdas/kernel/errors';
import {
  CONFIG_FILE_ENV,
  COPY_CONFIG_ENV,
  COPY_CONFIG_FILE,
  COPY_RESOURCES_ENV,
  MAX_PAIRS,
  RESOURCES_ENV,
  RUNTIME_CONFIG_ENV,
  RUNTIME_CONFIG_FILE,
  copiesSnapshots,
  copyConfigFileText,
  loadCopyRuntimeConfig,
  loadRuntimeConfig,
  needsProjectKey,
  embedHookSql,
  hookSteps,
  parseConfig,
  parseConfigText,
  replicaRefreshOf,
  runtimeConfigFileText,
  splitRuntimeConfig,
} from '../../../lambdas/kernel/config';
import { runtimeConfig } from '../../support/fixtures';

const example = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: Record<string, unknown> } }).context.replicaRefresh;

function withPair(changes: Record<string, unknown>): Record<string, unknown> {
  const pairs = example.pairs as Record<string, unknown>[];
  return { ...example, pairs: [{ ...pairs[0], ...changes }] };
}

function problemsOf(input: unknown): string[] {
  try {
    parseConfig(input);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts the committed example and fills in the safe defaults', () => {
    const cfg = parseConfig(example);
    const [p] = cfg.pairs;
    expect(p).toMatchObject({
      ownershipTag: { key: 'replica-refresh:managed', value: 'true' },
      snapshotTypes: ['automated', 'manual'],
      requireNewerSnapshot: true,
      allowDisablingDeletionProtection: false,
      finalSnapshot: false,
      restoreUnmanagedDeletions: false,
      whenNewestSnapshotNotReady: 'use-newest-available',
      overrides: {},
    });
    expect(cfg.watchdogIntervalMinutes).toBe(5);
  });

  it('fails without the context key, saying where it goes', () => {
    expect(() => parseConfig(undefined)).toThrow('add a "replicaRefresh" object to the "context" of cdk.json');
  });

  it('fails on a bad time zone, naming key and value', () => {
    expect(problemsOf(withPair({ schedule: { cron: 'cron(0 3 * * ? *)', timeZone: 'Europe/Berln' } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).schedule.timeZone = "Europe/Berln": must be an IANA time zone such as Europe/Berlin',
    ]);
  });

  it.each(['Europe/Berlin', 'UTC', 'America/Los_Angeles', 'Asia/Kolkata', 'America/Argentina/Buenos_Aires'])('accepts the canonical time zone %s', (zone) => {
    expect(parseConfig({ ...example, timeZone: zone }).timeZone).toBe(zone);
  });

  it.each([
    ['europe/berlin', 'Europe/Berlin'],
    ['US/Pacific', 'America/Los_Angeles'],
    ['Etc/UTC', 'UTC'],
    ['EUROPE/BERLIN', 'Europe/Berlin'],
  ])('fails on the non-canonical time zone %s, suggesting %s', (zone, canonical) => {
    expect(problemsOf({ ...example, timeZone: zone })).toEqual([`replicaRefresh.timeZone = "${zone}": must be a canonical IANA time zone: did you mean "${canonical}"?`]);
  });

  it.each([
    ['cron(0 3 * * *)', 'has 5 field(s); a Scheduler cron expression has six'],
    ['0 3 * * ? *', 'must look like cron(minutes hours day-of-month month day-of-week year)'],
    ['cron(0 3 * * 1 *)', 'exactly one of day-of-month and day-of-week'],
    ['cron(0 3 30 2 ? *)', 'never fires in the next 366 days'],
    ['cron(99 99 * * ? *)', 'minutes field: 99 is outside 0-59'],
    ['cron(0 3 * * ? 2020)', 'never fires in the next 366 days'],
    ['cron(0 3 ? * MON#6 *)', 'day-of-week field: "#6" must be 1-5'],
    ['cron(0 3 L * 2 *)', 'exactly one of day-of-month and day-of-week'],
  ])('fails on the cron expression %s, on one line naming the field', (cron, message) => {
    const [problem] = problemsOf(withPair({ schedule: { cron } }));
    expect(problem).toContain(`replicaRefresh.pairs[0] (orders-staging).schedule.cron = ${JSON.stringify(cron)}`);
    expect(problem).toContain(message);
  });

  it('fails on an unknown key, naming it', () => {
    expect(problemsOf(withPair({ maxSnapshotAgeHour: 3 }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging): unknown key(s) "maxSnapshotAgeHour"; check the spelling against the README\'s configuration reference',
    ]);
  });

  it('fails when y is x', () => {
    const problems = problemsOf(withPair({ replica: { instanceId: 'orders-prod', region: 'eu-west-1' } }));
    expect(problems.join('\n')).toContain('is the source instance itself (orders-prod in eu-west-1)');
  });

  it('names each side by instanceId or clusterId, one of them, and parses it to its kind and identifier', () => {
    expect(parseConfig(example).pairs[0]?.replica).toEqual({ kind: 'instance', identifier: 'orders-staging', region: 'eu-central-1' });
    expect(problemsOf(withPair({ replica: { region: 'eu-central-1' } }))).toEqual([
      'replicaRefresh.pairs[0].replica.instanceId = missing: name a DB instance with instanceId, or an Aurora DB cluster with clusterId',
    ]);
    expect(problemsOf(withPair({ replica: { instanceId: 'a', clusterId: 'b', region: 'eu-central-1' } }))).toEqual([
      'replicaRefresh.pairs[0] (a).replica.clusterId = "b": is given with instanceId: a side of a pair is one DB instance (instanceId) or one Aurora DB cluster (clusterId)',
    ]);
    // What cdk synth bundles (the parsed form) reads back the same.
    const parsed = parseConfig(example);
    expect(parseConfig(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
  });

  it('refuses a pair of a DB instance and an Aurora DB cluster, by name', () => {
    expect(problemsOf(withPair({ replica: { clusterId: 'orders-staging', region: 'eu-central-1' } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).replica.clusterId = "orders-staging": names a DB cluster but x (orders-prod) is a DB instance: a pair is two DB instances or two Aurora DB clusters',
    ]);
  });

  it('takes a pair of Aurora clusters with its engine and member instances, and says what a cluster pair needs or cannot have', () => {
    const clusters = { source: { clusterId: 'orders-prod', region: 'eu-west-1' }, replica: { clusterId: 'orders-staging', region: 'eu-central-1', memberIds: ['Orders-Staging-1', 'orders-staging-2'] }, engine: 'aurora-postgresql' };
    const pair = parseConfig(withPair(clusters)).pairs[0]!;
    expect(pair.replica).toMatchObject({ kind: 'cluster', identifier: 'orders-staging', memberIds: ['orders-staging-1', 'orders-staging-2'] });
    expect(pair.engine).toBe('aurora-postgresql');
    expect(problemsOf(withPair({ ...clusters, engine: undefined, replica: { clusterId: 'orders-staging', region: 'eu-central-1' }, overrides: { allocatedStorage: 100 } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).engine = missing: is required for an Aurora cluster pair: "aurora-postgresql" or "aurora-mysql" (orders-staging\'s engine)',
      "replicaRefresh.pairs[0] (orders-staging).replica.memberIds = missing: is required for an Aurora cluster y: list orders-staging's member instances, writer first (the functions may delete and re-create only these)",
      "replicaRefresh.pairs[0] (orders-staging).overrides.allocatedStorage = 100: does not apply to an Aurora cluster (its storage, Multi-AZ and option group are the cluster's, set by Aurora): remove it",
    ]);
    expect(parseConfig(withPair({ ...clusters, source: { ...clusters.source, clusterResourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1' } })).pairs[0]!.source).toMatchObject({ clusterResourceId: 'cluster-ABCDEFGHIJKLMNOPQRSTUVWXY1' });
    expect(problemsOf(withPair({ source: { instanceId: 'orders-prod', region: 'eu-west-1', clusterResourceId: 'cluster-ABC' } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).source.clusterResourceId = "cluster-ABC": is an Aurora cluster\'s resource id; x (orders-prod) is a DB instance: name its DbiResourceId with source.dbiResourceId instead',
    ]);
    expect(problemsOf(withPair({ engine: 'aurora-mysql', replica: { instanceId: 'orders-staging', region: 'eu-central-1', memberIds: ['a'] } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).engine = "aurora-mysql": is for Aurora cluster pairs (clusterId); a DB instance pair reads its engine from y (orders-staging): remove it',
      'replicaRefresh.pairs[0] (orders-staging).replica.memberIds = ["a"]: lists an Aurora cluster\'s member instances; orders-staging is a DB instance (instanceId): remove it',
    ]);
    expect(problemsOf(withPair({ ...clusters, source: { clusterId: 'orders-prod', region: 'eu-west-1', mode: 'backup-replication', dbiResourceId: 'db-ABCDEFGHIJKLMNOPQRSTUVWXY1' } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).source.dbiResourceId = "db-ABCDEFGHIJKLMNOPQRSTUVWXY1": is a DB instance\'s resource id; x is an Aurora cluster: name its DbClusterResourceId with source.clusterResourceId instead',
      'replicaRefresh.pairs[0] (orders-staging).source.mode = "backup-replication": "backup-replication" is for DB instances: an Aurora cluster y is restored from copies of x\'s cluster snapshots ("snapshot-copy")',
    ]);
  });

  it('fails when one y is in two pairs', () => {
    const pairs = example.pairs as Record<string, unknown>[];
    const problems = problemsOf({ ...example, pairs: [pairs[0], { ...pairs[0], source: { instanceId: 'other-prod', region: 'eu-west-1' } }] });
    expect(problems).toEqual(['replicaRefresh.pairs[1] (orders-staging).replica.instanceId = "orders-staging": repeats pairs[0]: each y may belong to one pair only']);
  });

  it('gives each pair an id: its own, or y\'s instance identifier', () => {
    const pairs = example.pairs as Record<string, unknown>[];
    const second = { ...pairs[0], id: 'orders-eu', replica: { instanceId: 'orders-staging-2', region: 'eu-central-1' } };
    expect(parseConfig({ ...example, pairs: [pairs[0], second] }).pairs.map((p) => [p.id, p.replica.identifier])).toEqual([
      ['orders-staging', 'orders-staging'],
      ['orders-eu', 'orders-staging-2'],
    ]);
  });

  it('fails when two pairs of one region share an id, naming the other', () => {
    const pairs = example.pairs as Record<string, unknown>[];
    const second = { ...pairs[0], replica: { instanceId: 'orders-staging-2', region: 'eu-central-1' }, id: 'orders-staging' };
    expect(problemsOf({ ...example, pairs: [pairs[0], second] })).toEqual([
      'replicaRefresh.pairs[1] (orders-staging-2).id = "orders-staging": "orders-staging" is already the id of pairs[0] in eu-central-1 (an id defaults to the identifier of y): give one of them its own "id"',
    ]);
    // The same id in another replica region is another ledger, other metrics and other alarms.
    const elsewhere = { ...pairs[0], replica: { instanceId: 'orders-staging', region: 'us-east-1' } };
    expect(parseConfig({ ...example, pairs: [pairs[0], elsewhere] }).pairs.map((p) => `${p.replica.region}/${p.id}`)).toEqual(['eu-central-1/orders-staging', 'us-east-1/orders-staging']);
  });

  it('fails on an id that cannot name a replica', () => {
    expect(problemsOf(withPair({ id: 'Orders_Staging' }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).id = "Orders_Staging": must be 1-63 lower-case letters, digits or hyphens, starting with a letter',
    ]);
  });

  it('fails when a source is also a replica', () => {
    const pairs = example.pairs as Record<string, unknown>[];
    const second = { source: { instanceId: 'orders-staging', region: 'eu-central-1' }, replica: { instanceId: 'orders-dev', region: 'eu-central-1' }, credentials: { mode: 'source' } };
    expect(problemsOf({ ...example, pairs: [pairs[0], second] }).join('\n')).toContain('replicaRefresh.pairs[1] (orders-dev).source');
  });

  it.each([
    [{ account: '1234' }, 'replicaRefresh.account = "1234": must be a 12-digit AWS account id'],
    [{ pairs: [] }, 'replicaRefresh.pairs = []: must list at least one x→y pair'],
    [{ notificationEmails: ['not-an-email'] }, 'replicaRefresh.notificationEmails[0] = "not-an-email": must be an e-mail address with at most 64 characters before the @ (RFC 5321)'],
    [{ notificationEmails: [`${'a'.repeat(65)}@example.com`] }, `replicaRefresh.notificationEmails[0] = "${'a'.repeat(60)}"… (77 characters): must be an e-mail address with at most 64 characters before the @ (RFC 5321)`],
    [{ rtoTargetMinutes: Infinity }, 'replicaRefresh.rtoTargetMinutes = Infinity: Invalid input: expected number, received Infinity'],
    [{ rtoTargetMinutes: NaN }, 'replicaRefresh.rtoTargetMinutes = NaN: Invalid input: expected number, received NaN'],
    [{ pairs: 'orders' }, 'replicaRefresh.pairs = "orders": Invalid input: expected array, received string'],
    [{ pairs: [null] }, 'replicaRefresh.pairs[0] = null: Invalid input: expected object, received null'],
  ])('fails on %j', (change, message) => {
    expect(problemsOf({ ...example, ...change })).toEqual([message]);
  });

  it.each(['cron(0 3 * * ? *)', 'cron(15 2 L * ? *)', 'cron(0 4 ? * MON-FRI *)', 'cron(0 */6 * * ? *)', 'cron(0 3 ? * 6#3 *)', 'cron(0 3 ? * 6L *)', 'cron(0 3 15W * ? *)', 'cron(30 1 1 JAN,JUL ? *)'])(
    'accepts the Scheduler cron expression %s',
    (cron) => {
      expect(parseConfig(withPair({ schedule: { cron } })).pairs[0]?.schedule.cron).toBe(cron);
    },
  );

  it('requires maxAllocatedStorage at least 10% above allocatedStorage, in whole numbers (220 for 200 is enough)', () => {
    expect(parseConfig(withPair({ overrides: { allocatedStorage: 200, maxAllocatedStorage: 220 } })).pairs[0]?.overrides.maxAllocatedStorage).toBe(220);
    expect(problemsOf(withPair({ overrides: { allocatedStorage: 200, maxAllocatedStorage: 219 } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).overrides.maxAllocatedStorage = 219: must be at least 10% above allocatedStorage (200), i.e. 220 or more, or RDS rejects the post-restore modify',
    ]);
  });

  it('fails on stuckRunHours not above the deletion grace plus the restore deadline, naming both', () => {
    expect(problemsOf(withPair({ stuckRunHours: 0.05 }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).stuckRunHours = 0.05: must exceed deletionEventGraceMinutes (15) plus restoreDeadlineMinutes (120), i.e. more than 2.25 h, or the watchdog would fail a run while RDS is still deleting or restoring y',
    ]);
  });

  it('fails on 51 tags, and on tag keys RDS reserves or rejects, one line each', () => {
    const tags = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    expect(problemsOf(withPair({ overrides: { tags } }))).toEqual([
      'replicaRefresh.pairs[0] (orders-staging).overrides.tags = {"k0": "v", "k1": "v", "k2": "v", … (51 keys)}: must hold at most 50 tags (RDS\'s limit per resource)',
    ]);
    expect(problemsOf(withPair({ overrides: { tags: { 'aws:owner': 'x', 'bad<key': 'y' } } }))).toHaveLength(2);
  });

  it('names a deeply nested or huge value without overflowing, in one line', () => {
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 100_000; i++) deep = (deep.a = {});
    expect(problemsOf(withPair({ overrides: { tags: root } }))).toEqual(['replicaRefresh.pairs[0] (orders-staging).overrides.tags.a = {"a": {…}}: Invalid input: expected string, received object']);
  });

  it('reads a file with a UTF-8 byte-order mark, and names a file that is not JSON', () => {
    expect(parseConfigText(`\uFEFF${JSON.stringify({ a: 1 })}`, 'cdk.json')).toEqual({ a: 1 });
    expect(() => parseConfigText('{"a": ', 'my.json')).toThrow(/^my\.json is not valid JSON: .*fix the file/);
  });

  it('finds replicaRefresh in a cdk.json, and names the file and shape when it is not an object', () => {
    expect(replicaRefreshOf({ context: { replicaRefresh: { a: 1 } } }, 'cdk.json')).toEqual({ a: 1 });
    expect(replicaRefreshOf({}, 'cdk.json')).toBeUndefined();
    expect(() => replicaRefreshOf(null, 'my.json')).toThrow('my.json holds null; it must be a JSON object with "context"');
    expect(() => replicaRefreshOf([1], 'my.json')).toThrow('my.json holds an array');
    expect(() => replicaRefreshOf({ context: 'x' }, 'my.json')).toThrow('my.json: "context" is string');
  });

  it('validates the documented maximum of pairs, and refuses one more', () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({ ...(example.pairs as Record<string, unknown>[])[0], replica: { instanceId: `y-${i}`, region: 'eu-central-1' }, source: { instanceId: `x-${i}`, region: 'eu-west-1' } }));
    expect(parseConfig({ ...example, pairs: many }).pairs).toHaveLength(1000);
    expect(problemsOf({ ...example, pairs: [...many, many[0]] })[0]).toContain(`must list at most ${MAX_PAIRS} pairs per deployment`);
  });

  it('defaults to copying x snapshots itself, with a project key, retention and no extra snapshots', () => {
    const [p] = parseConfig(example).pairs;
    expect(p?.source.mode).toBe('snapshot-copy');
    expect(p?.copy).toEqual({ enabled: true, inFlightLimit: 20, deferSeconds: 300, maxWaitHours: 24, manualSnapshotAlertAt: 90, sweepIntervalMinutes: 60, retention: { enabled: true, keepDays: 7, keepLast: 3, cron: 'cron(30 12 * * ? *)' } });
    expect(copiesSnapshots(p!, {})).toBe(true);
    expect(needsProjectKey(p!, {})).toBe(true);
  });

  const vaultOf = { vault: { account: '222222222222', region: 'eu-west-2', rpoHours: 26, retentionDays: 35, keepAtLeast: 3, recovery: {} } };
  it.each([
    ['copying switched off', { copy: { enabled: false } }, false, false, false, false],
    ['an existing key named', { copy: { replicaKmsKeyArn: 'arn:aws:kms:eu-central-1:111111111111:key/k' } }, true, false, true, false],
    // With a vault the project copies within the region: the vault takes manual snapshots under a customer-managed key only.
    ['x and y in one region', { source: { instanceId: 'orders-prod', region: 'eu-central-1' } }, false, false, true, true],
    ['backup replication managed by the stack', { source: { instanceId: 'orders-prod', region: 'eu-west-1', mode: 'backup-replication' } }, false, true, true, true],
    ['backup replication set up by hand', { source: { instanceId: 'orders-prod', region: 'eu-west-1', mode: 'backup-replication' }, backupReplication: { manage: false } }, false, false, true, true],
    ['backup replication by hand, copies under a key of their own', { source: { instanceId: 'orders-prod', region: 'eu-west-1', mode: 'backup-replication' }, backupReplication: { manage: false }, copy: { replicaKmsKeyArn: 'arn:aws:kms:eu-central-1:111111111111:key/k' } }, false, false, true, false],
  ])('%s: without a vault copies %s and needs the project key %s; with one %s and %s', (_name, change, copies, key, vaultCopies, vaultKey) => {
    const [p] = parseConfig(withPair(change)).pairs;
    expect([copiesSnapshots(p!, {}), needsProjectKey(p!, {}), copiesSnapshots(p!, vaultOf), needsProjectKey(p!, vaultOf)]).toEqual([copies, key, vaultCopies, vaultKey]);
  });

  it('fails on backup replication within one region, and on a bad extra-snapshot schedule, naming what to do', () => {
    expect(problemsOf(withPair({ source: { instanceId: 'orders-prod', region: 'eu-central-1', mode: 'backup-replication' } })).join('\n')).toContain(
      'replicaRefresh.pairs[0] (orders-staging).source.mode = "backup-replication": needs x and y in different regions (both are in eu-central-1)',
    );
    expect(problemsOf(withPair({ copy: { extraSnapshots: { cron: 'rate(6 hours)' } } }))[0]).toContain('replicaRefresh.pairs[0] (orders-staging).copy.extraSnapshots.cron = "rate(6 hours)"');
    expect(problemsOf(withPair({ copy: { retention: { keepDays: 0 } } }))[0]).toContain('replicaRefresh.pairs[0] (orders-staging).copy.retention.keepDays = 0');
  });

  it('fails on bad identifiers and overrides', () => {
    const problems = problemsOf(withPair({ replica: { instanceId: '1bad--name', region: 'eu-central-1' }, overrides: { storageType: 'ssd', port: 80 } }));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain('replicaRefresh.pairs[0] (1bad--name).replica.instanceId = "1bad--name"');
    expect(problems).toContain('replicaRefresh.pairs[0] (1bad--name).overrides.port = 80: Too small: expected number to be >=1150');
    expect(problems.join('\n')).toContain('replicaRefresh.pairs[0] (1bad--name).overrides.storageType = "ssd"');
  });
});

describe('loadRuntimeConfig', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'config-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes the file as `cdk synth` bundles it, and returns the function's source: that directory and the resources. */
  function deployed(cfg = runtimeConfig(), fileText?: string) {
    const { file, resources } = splitRuntimeConfig(cfg);
    writeFileSync(join(dir, RUNTIME_CONFIG_FILE), fileText ?? runtimeConfigFileText(file));
    return { dir, env: { [RESOURCES_ENV]: JSON.stringify(resources) } };
  }

  it('reads the file bundled next to the code and the resource names in the environment', () => {
    const cfg = runtimeConfig();
    expect(loadRuntimeConfig(deployed(cfg))).toEqual(cfg);
  });

  it('reads the file where the override variable points (hosts that run the sources)', () => {
    const cfg = runtimeConfig();
    const { env } = deployed(cfg);
    expect(loadRuntimeConfig({ dir: '/nowhere', env: { ...env, [CONFIG_FILE_ENV]: join(dir, RUNTIME_CONFIG_FILE) } })).toEqual(cfg);
  });

  it('reads the whole configuration from REPLICA_REFRESH_CONFIG for tests', () => {
    const cfg = runtimeConfig();
    expect(loadRuntimeConfig({ dir: '/nowhere', env: { [RUNTIME_CONFIG_ENV]: JSON.stringify(cfg) } })).toEqual(cfg);
    expect(() => loadRuntimeConfig({ dir, env: { [RUNTIME_CONFIG_ENV]: JSON.stringify({ ...cfg, region: 'mars' }) } })).toThrow(`${RUNTIME_CONFIG_ENV}.region = "mars"`);
  });

  it('fails on a bad file naming the file, the pair (by y) and the field', () => {
    const { file } = splitRuntimeConfig(runtimeConfig());
    const bad = { ...file, pairs: [{ ...file.pairs[0], maxSnapshotAgeHours: -1, schedule: { cron: 'cron(0 3 30 2 ? *)' } }] };
    const source = deployed(runtimeConfig(), JSON.stringify(bad));
    let err: unknown;
    try {
      loadRuntimeConfig(source);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems).toContain(`${RUNTIME_CONFIG_FILE}.pairs[0] (orders-staging).maxSnapshotAgeHours = -1: Too small: expected number to be >0`);
    expect(problems.join('\n')).toContain(`${RUNTIME_CONFIG_FILE}.pairs[0] (orders-staging).schedule.cron = "cron(0 3 30 2 ? *)": never fires`);
  });

  it('fails clearly on a missing or broken file, or missing resources', () => {
    expect(() => loadRuntimeConfig({ dir, env: {} })).toThrow(`cannot read the configuration file ${join(dir, RUNTIME_CONFIG_FILE)}`);
    expect(() => loadRuntimeConfig(deployed(runtimeConfig(), '{'))).toThrow(`${join(dir, RUNTIME_CONFIG_FILE)} is not valid JSON`);
    deployed();
    expect(() => loadRuntimeConfig({ dir, env: {} })).toThrow(`environment variable ${RESOURCES_ENV} is not set; deploy the function with the CDK app`);
    expect(() => loadRuntimeConfig({ dir, env: { [RESOURCES_ENV]: JSON.stringify({ ledgerTableName: 'l', notificationTopicArn: 'nope' }) } })).toThrow(
      `${RESOURCES_ENV}.notificationTopicArn = "nope": must be an ARN`,
    );
  });
});

describe('loadCopyRuntimeConfig', () => {
  const cfg = { region: 'eu-west-1', account: '111111111111', deferQueueUrl: 'https://sqs.eu-west-1.amazonaws.com/111111111111/q', notificationTopicArn: 'arn:aws:sns:eu-central-1:111111111111:n', pairs: runtimeConfig().pairs };
  const projectKey = 'arn:aws:kms:eu-central-1:111111111111:key/project';

  it('reads copy-config.json and the resources, giving each pair without a key its replica region project key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
    try {
      const { deferQueueUrl, notificationTopicArn, ...file } = cfg;
      writeFileSync(join(dir, COPY_CONFIG_FILE), copyConfigFileText(file));
      const env = { [COPY_RESOURCES_ENV]: JSON.stringify({ deferQueueUrl, notificationTopicArn, projectKeys: [{ region: 'eu-central-1', keyArn: projectKey }] }) };
      const loaded = loadCopyRuntimeConfig({ dir, env });
      expect(loaded.deferQueueUrl).toBe(deferQueueUrl);
      expect(loaded.pairs[0]?.copy.replicaKmsKeyArn).toBe(projectKey);
      expect(() => loadCopyRuntimeConfig({ dir, env: { [COPY_RESOURCES_ENV]: JSON.stringify({ deferQueueUrl: 'nope', notificationTopicArn }) } })).toThrow(`${COPY_RESOURCES_ENV}.deferQueueUrl = "nope"`);
      writeFileSync(join(dir, COPY_CONFIG_FILE), JSON.stringify({ ...file, pairs: [{ ...file.pairs[0], copy: { inFlightLimit: 0 } }] }));
      expect(() => loadCopyRuntimeConfig({ dir, env })).toThrow(`${COPY_CONFIG_FILE}.pairs[0] (orders-staging).copy.inFlightLimit = 0`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the whole configuration from REPLICA_REFRESH_COPY_CONFIG for tests, and fails naming the variable', () => {
    expect(loadCopyRuntimeConfig({ dir: '/nowhere', env: { [COPY_CONFIG_ENV]: JSON.stringify(cfg) } }).deferQueueUrl).toBe(cfg.deferQueueUrl);
    expect(() => loadCopyRuntimeConfig({ dir: '/nowhere', env: { [COPY_CONFIG_ENV]: JSON.stringify({ ...cfg, deferQueueUrl: 'nope' }) } })).toThrow(`${COPY_CONFIG_ENV}.deferQueueUrl = "nope"`);
  });
});

describe('refresh modes in the config', () => {
  const validation = { tables: ['orders'], vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] } };
  const clusters = { source: { clusterId: 'orders-prod', region: 'eu-west-1' }, replica: { clusterId: 'orders-staging', region: 'eu-central-1', memberIds: ['orders-staging-1'] }, engine: 'aurora-postgresql' };

  it('defaults to delete-first, and fills rename-swap and dns-switch defaults', () => {
    expect(parseConfig(example).pairs[0]?.refresh).toEqual({ mode: 'delete-first' });
    expect(parseConfig(withPair({ refresh: { mode: 'rename-swap', validation } })).pairs[0]?.refresh).toMatchObject({ mode: 'rename-swap', keepOldHours: 24 });
    const dns = parseConfig(withPair({ refresh: { mode: 'dns-switch', dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'orders-staging.db.internal' }, validation } })).pairs[0]?.refresh;
    expect(dns).toMatchObject({ mode: 'dns-switch', oldSlot: 'delete', dns: { ttlSeconds: 5 } });
  });

  it('refuses an unknown mode, a swap mode without validation, and a bad zone or record, naming the field', () => {
    expect(problemsOf(withPair({ refresh: { mode: 'blue-green' } })).join('\n')).toMatch(/pairs\[0\] \(orders-staging\)\.refresh\.mode = "blue-green": must be \{"mode": "delete-first"\}/);
    expect(problemsOf(withPair({ refresh: { mode: 'rename-swap' } })).join('\n')).toMatch(/pairs\[0\] \(orders-staging\)\.refresh\.validation/);
    const bad = problemsOf(withPair({ refresh: { mode: 'dns-switch', dns: { hostedZoneId: '/hostedzone/Z01', recordName: 'not a name' }, validation } })).join('\n');
    expect(bad).toMatch(/refresh\.dns\.hostedZoneId.*without "\/hostedzone\/"/);
    expect(bad).toMatch(/refresh\.dns\.recordName.*DNS name/);
  });

  it('refuses swap modes for Aurora cluster pairs and for a y too long for the names the mode makes', () => {
    expect(problemsOf(withPair({ ...clusters, refresh: { mode: 'rename-swap', validation } })).join('\n')).toMatch(/refresh\.mode.*"rename-swap" is for DB instances/);
    const long = 'a'.repeat(50);
    expect(problemsOf(withPair({ replica: { instanceId: long, region: 'eu-central-1' }, refresh: { mode: 'rename-swap', validation } })).join('\n')).toMatch(/rename-swap needs at most 49/);
    expect(parseConfig(withPair({ replica: { instanceId: long, region: 'eu-central-1' }, refresh: { mode: 'dns-switch', dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'db.internal.example' }, validation } })).pairs[0]?.replica.identifier).toBe(long);
  });
});

describe('staging safety in the config', () => {
  const runner = { vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] } };
  const hooks = { afterRestore: ['infra/examples/staging-safety/sql/10-mask.sql'], validate: [] };

  it('needs a runner with hooks, a family with readOnly, an isolation group with onFailure isolate, naming each field', () => {
    const problems = problemsOf(withPair({ staging: { readOnly: true, hooks } })).join('\n');
    expect(problems).toMatch(/staging\.runner.*is required with staging\.hooks/);
    expect(problems).toMatch(/staging\.parameterGroupFamily.*is required with staging\.readOnly/);
    expect(problems).toMatch(/staging\.isolationSecurityGroupId.*is required with onFailure "isolate"/);
  });

  it('refuses a path that leaves the repository or is no .sql file, and read-only or hooks for engines it cannot serve', () => {
    expect(problemsOf(withPair({ staging: { hooks: { afterRestore: ['../secrets.sql'] }, runner, onFailure: 'delete' } })).join('\n')).toMatch(/staging\.hooks\.afterRestore\[0\].*\.sql file in the repository/);
    expect(problemsOf(withPair({ staging: { readOnly: true, parameterGroupFamily: 'sqlserver-se-16.0' } })).join('\n')).toMatch(/staging\.readOnly.*not supported for "sqlserver-se-16\.0"/);
    expect(problemsOf(withPair({ staging: { parameterGroupFamily: 'oracle-ee-19', hooks, runner, onFailure: 'delete' } })).join('\n')).toMatch(/staging\.hooks.*PostgreSQL, MySQL and MariaDB.*"oracle-ee-19" is none of them/);
  });

  it('takes MySQL and MariaDB hooks, and read-only MySQL without hooks, but refuses read_only with hooks there: the master user could not write', () => {
    expect(parseConfig(withPair({ staging: { parameterGroupFamily: 'mysql8.0', hooks, runner, onFailure: 'delete' } })).pairs[0]?.staging?.hooks.afterRestore).toHaveLength(1);
    expect(parseConfig(withPair({ staging: { parameterGroupFamily: 'mariadb10.11', hooks, runner, onFailure: 'delete' } })).pairs[0]?.staging?.parameterGroupFamily).toBe('mariadb10.11');
    expect(parseConfig(withPair({ staging: { readOnly: true, parameterGroupFamily: 'mysql8.0' } })).pairs[0]?.staging?.readOnly).toBe(true);
    for (const family of ['mysql8.0', 'mariadb10.11']) {
      expect(problemsOf(withPair({ staging: { readOnly: true, parameterGroupFamily: family, hooks, runner, onFailure: 'delete' } })).join('\n')).toMatch(/staging\.readOnly.*cannot be combined with hooks.*CONNECTION_ADMIN or SUPER/);
    }
  });

  it('embeds each hook file, and names the pair and the file it cannot read', () => {
    const pair = parseConfig(withPair({ staging: { hooks, runner, onFailure: 'delete' } })).pairs[0]!;
    const [embedded] = embedHookSql([pair], join(__dirname, '../../..'));
    expect(hookSteps(embedded!).afterRestore[0]).toMatchObject({ name: 'infra/examples/staging-safety/sql/10-mask.sql', sql: expect.stringContaining('update customers') as unknown });
    const missing = parseConfig(withPair({ staging: { hooks: { afterRestore: ['sql/nope.sql'] }, runner, onFailure: 'delete' } })).pairs[0]!;
    expect(() => embedHookSql([missing], join(__dirname, '../../..'))).toThrow(/staging\.hooks\.afterRestore\[0\] = "sql\/nope\.sql": cannot be read/);
    expect(() => hookSteps(missing)).toThrow(/was not embedded/);
  });
});

describe('the vault in the config', () => {
  const vault = { account: '222222222222', region: 'eu-west-2' };
  const withVault = (changes: Record<string, unknown> = {}, v: Record<string, unknown> = vault) => ({ ...withPair(changes), vault: v });

  it('takes a vault in another account, with defaults for its RPO, retention and kept copies', () => {
    expect(parseConfig(withVault()).vault).toEqual({ ...vault, rpoHours: 26, retentionDays: 35, keepAtLeast: 3, recovery: {} });
  });

  it("refuses production's own account as the vault, naming the field", () => {
    expect(problemsOf(withVault({}, { ...vault, account: (example as { account: string }).account })).join('\n')).toMatch(/vault\.account.*production's own account/);
  });

  it('takes every pair that copies: x and y in one region, and backup replication, are copied for the vault', () => {
    expect(parseConfig(withVault({ source: { instanceId: 'orders-prod', region: 'eu-west-1', mode: 'backup-replication' } })).pairs).toHaveLength(1);
    expect(parseConfig(withVault({ source: { instanceId: 'orders-prod', region: 'eu-central-1' } })).pairs).toHaveLength(1);
  });

  it('refuses a pair whose copies the vault could not take: no copies, or copies under aws/rds', () => {
    // Copies turned off: the one change that lets the pair go to the vault is named.
    expect(problemsOf(withVault({ copy: { enabled: false } })).join('\n')).toMatch(/copy\.enabled = false.*makes no copies.*turn copy\.enabled on/);
    expect(problemsOf(withVault({ source: { instanceId: 'orders-prod', region: 'eu-central-1' }, copy: { enabled: false } })).join('\n')).toMatch(/copy\.enabled = false.*turn copy\.enabled on/);
    expect(problemsOf(withVault({ copy: { replicaKmsKeyArn: 'arn:aws:kms:eu-central-1:111111111111:alias/aws/rds' } })).join('\n')).toMatch(/copy\.replicaKmsKeyArn.*aws\/rds.*cannot share/);
  });
});

