import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { VALIDATION_REPORT_FILE } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp, type BuiltApp } from '../../infra/app';
import { ConfigError } from '../../lambdas/kernel/errors';
import { ACCOUNT, SKIP_BUNDLING, exampleConfig, newApp } from './helpers';

const REPO_ROOT = path.join(__dirname, '..', '..');

/**
 * The example (managed credentials) plus a final snapshot, a monitoring role, a credentials secret, an associated role,
 * an RDS Proxy, explicit keys and a second region: every optional grant.
 */
function twoRegionConfig() {
  const input = exampleConfig();
  input.pairs.push(
    {
      source: { instanceId: 'billing-prod', region: 'eu-west-1' },
      replica: { instanceId: 'billing-staging', region: 'eu-central-1' },
      credentials: { mode: 'secret', secretArn: `arn:aws:secretsmanager:eu-central-1:${ACCOUNT}:secret:billing-staging/master` },
      finalSnapshot: true,
      monitoringRoleArn: `arn:aws:iam::${ACCOUNT}:role/rds-monitoring`,
      associatedRoleArns: [`arn:aws:iam::${ACCOUNT}:role/billing-s3-import`],
      rdsProxyArns: [`arn:aws:rds:eu-central-1:${ACCOUNT}:db-proxy:prx-0123456789abcdef0`],
    },
    {
      source: { instanceId: 'reports-prod', region: 'eu-west-1' },
      replica: { instanceId: 'reports-staging', region: 'us-east-1' },
      credentials: { mode: 'source' },
      snapshotKmsKeyArns: [`arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`],
    },
  );
  return input;
}

/** The replicaRefresh of infra/examples/staging-safety/cdk.json: read-only y, staging hooks, their SQL runner. */
function stagingExampleConfig(): Record<string, unknown> & { pairs: Record<string, unknown>[] } {
  const file = path.join(REPO_ROOT, 'infra', 'examples', 'staging-safety', 'cdk.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { context: { replicaRefresh: Record<string, unknown> & { pairs: Record<string, unknown>[] } } }).context.replicaRefresh;
}

function brokenConfig() {
  const input = exampleConfig();
  input.timeZone = 'Europe/Berln';
  const first = input.pairs[0] as { schedule: { cron: string } };
  first.schedule.cron = 'cron(0 3 * * *)';
  return input;
}

function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('buildApp', () => {
  let built: BuiltApp;

  beforeAll(() => {
    built = buildApp(twoRegionConfig(), newApp(SKIP_BUNDLING));
  });

  it('creates one stack per replica region, named ReplicaRefresh-<region>, in the configured account', () => {
    expect([...built.stacks.keys()]).toEqual(['eu-central-1', 'us-east-1']);
    expect([...built.stacks.values()].map((s) => [s.stackName, s.account, s.region])).toEqual([
      ['ReplicaRefresh-eu-central-1', ACCOUNT, 'eu-central-1'],
      ['ReplicaRefresh-us-east-1', ACCOUNT, 'us-east-1'],
    ]);
  });

  it('gives each stack the pairs of its own region only', () => {
    const pairsOf = [...built.stacks.values()].map((stack) => {
      // The bundled file holds the parsed form: each side's kind and identifier.
      const config = JSON.parse(stack.startRefresh.configFile.text) as { region: string; pairs: { replica: { kind: string; identifier: string } }[] };
      expect(config.region).toBe(stack.region);
      return config.pairs.map((p) => `${p.replica.kind}:${p.replica.identifier}`);
    });
    expect(pairsOf).toEqual([['instance:orders-staging', 'instance:billing-staging'], ['instance:reports-staging']]);
  });

  it('subscribes each replica region once, by name and to all its DB instances (no SourceIds), so no deployment waits for y', () => {
    const subscriptions = [...built.stacks.values()].map((stack) =>
      Object.values(Template.fromStack(stack).findResources('AWS::RDS::EventSubscription') as unknown as Record<string, { Properties: Record<string, unknown> }>).map((s) => [
        s.Properties.SubscriptionName,
        s.Properties.SourceType,
        s.Properties.SourceIds,
      ]),
    );
    expect(subscriptions).toEqual([[['replica-refresh-eu-central-1', 'db-instance', undefined]], [['replica-refresh-us-east-1', 'db-instance', undefined]]]);
  });

  it('creates one source stack per region whose snapshots it copies, named ReplicaRefreshSource-<region>, after the replica stacks it reads keys from', () => {
    expect([...built.sourceStacks.keys()]).toEqual(['eu-west-1']);
    const source = built.sourceStacks.get('eu-west-1');
    expect([source?.stackName, source?.account, source?.region]).toEqual(['ReplicaRefreshSource-eu-west-1', ACCOUNT, 'eu-west-1']);
    expect(source?.dependencies.map((d) => d.stackName).sort()).toEqual(['ReplicaRefresh-eu-central-1', 'ReplicaRefresh-us-east-1']);
  });

  it('passes the project keys of both replica regions to the source stack through cross-region references', () => {
    const count = (stack: Stack, type: string) => Object.keys(Template.fromStack(stack).findResources(type)).length;
    expect([...built.stacks.values()].map((s) => count(s, 'Custom::CrossRegionExportWriter'))).toEqual([1, 1]);
    expect([...built.sourceStacks.values()].map((s) => count(s, 'Custom::CrossRegionExportReader'))).toEqual([1]);
  });

  it('creates no source stack for pairs that copy nothing: copy off, x and y in one region, or backup replication', () => {
    const input = exampleConfig();
    const credentials = { mode: 'source' };
    input.pairs = [
      { source: { instanceId: 'orders-prod', region: 'eu-west-1' }, replica: { instanceId: 'orders-staging', region: 'eu-central-1' }, credentials, copy: { enabled: false } },
      { source: { instanceId: 'local-prod', region: 'eu-central-1' }, replica: { instanceId: 'local-staging', region: 'eu-central-1' }, credentials },
      { source: { instanceId: 'hist-prod', region: 'eu-north-1', mode: 'backup-replication' }, replica: { instanceId: 'hist-staging', region: 'eu-central-1' }, credentials },
    ];
    const none = buildApp(input, newApp(SKIP_BUNDLING));
    expect([...none.sourceStacks.keys()]).toEqual([]);
    expect([...none.stacks.keys()]).toEqual(['eu-central-1']);
    // Only the backup replication needs the project key, and no other region reads it.
    const replica = none.stacks.get('eu-central-1');
    expect(replica?.snapshotKey).toBeDefined();
    expect(replica && Object.keys(Template.fromStack(replica).findResources('Custom::CrossRegionExportWriter'))).toEqual([]);
  });

  it('reads the replicaRefresh context when no configuration is passed', () => {
    const fromContext = buildApp(undefined, newApp({ ...SKIP_BUNDLING, replicaRefresh: exampleConfig() }));
    expect([...fromContext.stacks.keys()]).toEqual(['eu-central-1']);
    expect([...fromContext.sourceStacks.keys()]).toEqual(['eu-west-1']);
    expect(fromContext.config.pairs.map((p) => p.replica.identifier)).toEqual(['orders-staging']);
  });

  it('reads the replicaRefresh of another cdk.json named by -c replicaRefreshFile, and refuses a file without one, naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-test-'));
    try {
      const other = exampleConfig();
      other.pairs[0] = { ...other.pairs[0], id: 'orders-copy' };
      const file = path.join(dir, 'cdk-other.json');
      fs.writeFileSync(file, JSON.stringify({ app: 'npx tsx infra/app.ts', context: { replicaRefresh: other } }));
      const fromFile = buildApp(undefined, newApp({ ...SKIP_BUNDLING, replicaRefresh: exampleConfig(), replicaRefreshFile: file }));
      expect(fromFile.config.pairs.map((p) => p.id)).toEqual(['orders-copy']);
      const empty = path.join(dir, 'empty.json');
      fs.writeFileSync(empty, JSON.stringify({ context: {} }));
      expect(() => buildApp(undefined, newApp({ ...SKIP_BUNDLING, replicaRefreshFile: empty }))).toThrow(`-c replicaRefreshFile=${empty}: the file has no context.replicaRefresh`);
      expect(() => buildApp(undefined, newApp({ ...SKIP_BUNDLING, replicaRefreshFile: path.join(dir, 'missing.json') }))).toThrow(ConfigError);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('passes the AWS Solutions checks with no unacknowledged error or warning', () => {
    const report = new AwsSolutionsChecks().validateScope(built.app);
    const findings = (severity: string) => report.violations.filter((v) => v.severity === severity).map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(findings('error')).toEqual([]);
    expect(findings('warning')).toEqual([]);
    expect(() => built.app.synth()).not.toThrow();
  });

  it('acknowledges every cdk-nag finding individually, each with a specific reason', () => {
    const acknowledgements = built.app.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => ({ id: id.replace(/^annotation::/i, ''), reason }));
    expect(acknowledgements.length).toBeGreaterThan(0);
    for (const { id, reason } of acknowledgements) {
      expect(id).toMatch(/^AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
      expect(reason.length).toBeGreaterThanOrEqual(40);
    }
    // IAM5 is about wildcards: each one is acknowledged by itself (the v2 appliesTo), never the whole rule.
    const iam5 = acknowledgements.filter(({ id }) => id.startsWith('AwsSolutions-IAM5'));
    expect(iam5.filter(({ id }) => !/\[(Resource|Action)::.+\]$/.test(id))).toEqual([]);
  });

  it('fails synth on a broken config, naming each bad key and value', () => {
    const error = thrownBy(() => buildApp(brokenConfig(), newApp(SKIP_BUNDLING)));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('replicaRefresh.timeZone = "Europe/Berln": must be an IANA time zone');
    expect(error.message).toContain('replicaRefresh.pairs[0] (orders-staging).schedule.cron = "cron(0 3 * * *)": has 5 field(s); a Scheduler cron expression has six');
  });

  it('fails synth on a pair without a credentials choice, naming the pair and the field on one line', () => {
    const input = exampleConfig();
    delete (input.pairs[0] as { credentials?: unknown }).credentials;
    const error = thrownBy(() => buildApp(input, newApp(SKIP_BUNDLING)));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message.split('\n').filter((line) => line.includes('credentials'))).toEqual([
      expect.stringMatching(/^ {2}- replicaRefresh\.pairs\[0\] \(orders-staging\)\.credentials = missing: is required/),
    ]);
  });

  it('fails synth without a replicaRefresh context', () => {
    expect(() => buildApp(undefined, newApp(SKIP_BUNDLING))).toThrow('missing configuration: add a "replicaRefresh" object');
  });
});

/** What the validation plugins of a synth reported, as `plugin severity rule at paths: description`. */
function validationFindings(app: App): string[] {
  const assembly = app.synth();
  const report = JSON.parse(fs.readFileSync(path.join(assembly.directory, VALIDATION_REPORT_FILE), 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; severity: string; description: string; violatingConstructs: { constructPath: string }[] }[] }[];
  };
  return report.pluginReports.flatMap((r) =>
    r.violations.map((v) => `${r.pluginName} ${v.severity} ${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}: ${v.description}`),
  );
}

// The construct tests turn the CDK's built-in CloudFormation validation off (see newApp in helpers.ts); here it runs.
describe("the CDK's built-in CloudFormation validation", () => {
  it('finds nothing, not even a warning, in the stacks of the whole app', () => {
    expect(validationFindings(buildApp(twoRegionConfig(), newApp(SKIP_BUNDLING, { builtinCloudFormationValidation: true })).app)).toEqual([]);
  });

  it('finds nothing in the app of the staging-safety example (its read-only parameter group, its SQL runner)', () => {
    const built = buildApp(stagingExampleConfig(), newApp(SKIP_BUNDLING, { builtinCloudFormationValidation: true }));
    expect(Template.fromStack(built.stacks.get('eu-central-1')!).findResources('AWS::RDS::DBParameterGroup')).not.toEqual({});
    expect(validationFindings(built.app)).toEqual([]);
  });

  it('is really on here: it reports a queue CloudFormation would reject', () => {
    const app = newApp({}, { builtinCloudFormationValidation: true });
    new sqs.CfnQueue(new Stack(app, 'Broken', { env: { account: ACCOUNT, region: 'eu-central-1' } }), 'Queue', { delaySeconds: 901 });
    // The CDK prints its findings as well as writing them to the report.
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(validationFindings(app)).toEqual([expect.stringMatching(/^CloudFormation Validate \w+ \w+ at Broken\/Queue: DelaySeconds: 901 is greater than the maximum of 900/)]);
    } finally {
      printed.mockRestore();
    }
  });
});

describe('infra/app.ts as the cdk app', () => {
  it('fails with the bad key and value on stderr and a non-zero exit code', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-refresh-synth-'));
    try {
      const result = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['infra/app.ts'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ replicaRefresh: brokenConfig() }) },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('replicaRefresh.timeZone = "Europe/Berln"');
      expect(result.stderr).toContain('replicaRefresh.pairs[0] (orders-staging).schedule.cron = "cron(0 3 * * *)"');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('fails on a staging hook file that cannot be read, naming the pair and the path, with a non-zero exit code', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-refresh-synth-'));
    try {
      const config = stagingExampleConfig();
      const staging = config.pairs[0]!.staging as { hooks: { afterRestore: string[] } };
      staging.hooks.afterRestore = [...staging.hooks.afterRestore, 'infra/examples/staging-safety/sql/30-gone.sql'];
      const result = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['infra/app.ts'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify({ replicaRefresh: config, ...SKIP_BUNDLING }) },
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('pairs (orders-staging).staging.hooks.afterRestore[2] = "infra/examples/staging-safety/sql/30-gone.sql": cannot be read');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
