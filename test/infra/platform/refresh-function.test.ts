import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Stage, Token } from 'aws-cdk-lib';
import { COPY_CONFIG_FILE, COPY_RESOURCES_ENV, RESOURCES_ENV, RUNTIME_CONFIG_ENV, RUNTIME_CONFIG_FILE, loadRuntimeConfig, type CopyRuntimeConfig, type RuntimeConfig } from '../../../lambdas/kernel/config';
import { ENVIRONMENT_BUDGET_BYTES, RefreshFunction, unusedClients, type FunctionConfig, type RefreshFunctionProps } from '../../../infra/platform/refresh-function';
import { ACCOUNT, FIXTURE_HANDLER, REGION, SKIP_BUNDLING, assertHasResource, newStack, pair } from '../helpers';

function runtimeConfig(pairs = [pair('orders-staging')]): RuntimeConfig {
  return {
    region: REGION,
    account: ACCOUNT,
    timeZone: 'UTC',
    rtoTargetMinutes: 60,
    ledgerTableName: 'ledger',
    notificationTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:notifications`,
    pairs,
  };
}

function copyConfig(pairs = [pair('orders-staging')]): CopyRuntimeConfig {
  return {
    region: 'eu-west-1',
    account: ACCOUNT,
    deferQueueUrl: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/delay`,
    notificationTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:notifications`,
    pairs,
  };
}

function props(overrides: Partial<RefreshFunctionProps> = {}): RefreshFunctionProps {
  return {
    entry: FIXTURE_HANDLER,
    description: 'A test function',
    serviceName: 'test-fn',
    timeout: Duration.seconds(30),
    runtimeConfig: runtimeConfig(),
    asyncRetryAttempts: 1,
    ...overrides,
  };
}

/** The copy configuration split as the source stack passes it: the file, and the resource names for the environment. */
function copyFunctionConfig(pairs = [pair('orders-staging')], projectKeys: { region: string; keyArn: string }[] = []): FunctionConfig {
  const { deferQueueUrl, notificationTopicArn, ...file } = copyConfig(pairs);
  return { kind: 'copy', file, resources: { deferQueueUrl, notificationTopicArn, projectKeys } };
}

interface FunctionJson {
  Properties: { Code: { S3Key: string }; Environment: { Variables: Record<string, unknown> } };
}

function functionsOf(template: Template): Record<string, FunctionJson> {
  return template.findResources('AWS::Lambda::Function') as unknown as Record<string, FunctionJson>;
}

/** The staged asset directory of a function's code in the stack's cloud assembly. */
function assetDir(stack: ReturnType<typeof newStack>, fn: FunctionJson): string {
  return path.join(Stage.of(stack)?.outdir ?? '', `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
}

describe('RefreshFunction', () => {
  let template: Template;
  let stack: ReturnType<typeof newStack>;
  let fn: RefreshFunction;

  beforeAll(() => {
    stack = newStack();
    fn = new RefreshFunction(stack, 'Fn', props());
    new RefreshFunction(stack, 'ShortLived', props({ logRetention: RetentionDays.ONE_WEEK }));
    // The same entry point with another configuration: another asset.
    new RefreshFunction(stack, 'OtherPairs', props({ runtimeConfig: runtimeConfig([pair('orders-staging'), pair('billing-staging')]) }));
    template = Template.fromStack(stack);
  });

  it('bundles the entry point and runs it on nodejs22.x, arm64, traced, with 256 MB', () => {
    assertHasResource(template, 'AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      MemorySize: 256,
      Timeout: 30,
      Handler: 'index.handler',
      Description: 'A test function',
      Code: { S3Bucket: Match.anyValue(), S3Key: Match.stringLikeRegexp('\\.zip$') },
    });
  });

  it('sets source maps, Powertools names and only the resource names in the environment', () => {
    assertHasResource(template, 'AWS::Lambda::Function', {
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'test-fn',
          POWERTOOLS_METRICS_NAMESPACE: 'ReplicaRefresh',
          [RESOURCES_ENV]: JSON.stringify({ ledgerTableName: 'ledger', notificationTopicArn: runtimeConfig().notificationTopicArn }),
        },
      },
    });
    for (const f of Object.values(functionsOf(template))) expect(f.Properties.Environment.Variables[RUNTIME_CONFIG_ENV]).toBeUndefined();
  });

  it('bundles the validated configuration next to index.js, and the function reads it back as it was given', () => {
    const dir = assetDir(stack, functionsOf(template)[stack.getLogicalId(fn.function.node.defaultChild as never)] as FunctionJson);
    expect(fs.existsSync(path.join(dir, 'index.js'))).toBe(true);
    const text = fs.readFileSync(path.join(dir, RUNTIME_CONFIG_FILE), 'utf8');
    expect(text).toBe(fn.configFile.text);
    const loaded = loadRuntimeConfig({ dir, env: { [RESOURCES_ENV]: JSON.stringify({ ledgerTableName: 'ledger', notificationTopicArn: runtimeConfig().notificationTopicArn }) } });
    expect(loaded).toEqual(runtimeConfig());
  });

  it('changes the asset, so redeploys the code, when the configuration changes, and only then', () => {
    const keys = Object.fromEntries(Object.entries(functionsOf(template)).map(([id, f]) => [id.replace(/Function[0-9A-F]{8}$/, ''), f.Properties.Code.S3Key]));
    expect(keys.Fn).toBe(keys.ShortLived);
    expect(keys.OtherPairs).not.toBe(keys.Fn);
  });

  it('writes to its own log group, kept 3 months unless told otherwise', () => {
    assertHasResource(template, 'AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^FnLogGroup') } } });
    assertHasResource(template, 'AWS::Logs::LogGroup', { RetentionInDays: 90 });
    assertHasResource(template, 'AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  it('has its own role without managed policies, allowed to write only to its log group', () => {
    assertHasResource(template, 'AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
      ManagedPolicyArns: Match.absent(),
    });
    assertHasResource(template, 'AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^FnRole') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnLogGroup'), 'Arn'] } },
        ]),
      },
    });
  });

  it('sends failed asynchronous invocations to an encrypted queue after the given retries', () => {
    assertHasResource(template, 'AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 1,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FnFailureQueue'), 'Arn'] } } },
    });
    assertHasResource(template, 'AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
  });

  it('fails on asyncRetryAttempts outside 0–2', () => {
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props({ asyncRetryAttempts: 3 }))).toThrow('asyncRetryAttempts must be 0, 1 or 2, got 3');
  });

  it('keeps the environment the same size whatever the number of pairs: 200 pairs with large settings stay far under 4 KB', () => {
    const bigOverrides = { tags: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`cost-centre-${i}`, 'x'.repeat(60)])) };
    const pairs = Array.from({ length: 200 }, (_, i) => pair(`replica-${i}`, REGION, { overrides: bigOverrides }));
    const one = new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props());
    const many = new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props({ runtimeConfig: runtimeConfig(pairs) }));
    expect(many.environmentBytes).toBe(one.environmentBytes);
    expect(many.environmentBytes).toBeLessThan(1024);
    expect(JSON.parse(many.configFile.text)).toMatchObject({ pairs: expect.arrayContaining([expect.objectContaining({ replica: { kind: 'instance', identifier: 'replica-199', region: REGION } })]) as unknown });
  });

  it('fails at synth on a bad pair, naming the file, the pair and the field', () => {
    const bad = { ...runtimeConfig(), pairs: [{ ...pair('orders-staging'), maxSnapshotAgeHours: -1 }] };
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props({ runtimeConfig: bad }))).toThrow(
      `${RUNTIME_CONFIG_FILE}.pairs[0] (orders-staging).maxSnapshotAgeHours = -1`,
    );
  });

  it('refuses a deploy-time value (token) in the bundled file', () => {
    const withToken = { ...runtimeConfig(), timeZone: Token.asString({ Ref: 'AWS::Region' }) };
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props({ runtimeConfig: withToken }))).toThrow(
      `TestStack/Fn: ${RUNTIME_CONFIG_FILE} is bundled at synth and cannot hold deploy-time values (tokens) in timeZone; pass them as resources`,
    );
  });

  it("counts each validation function's name (a token until deployed) at Lambda's 64 characters, so many fit the budget", () => {
    const { ledgerTableName, notificationTopicArn, ...file } = runtimeConfig();
    const { runtimeConfig: _none, ...rest } = props();
    const withNames = (n: number) =>
      new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', {
        ...rest,
        config: {
          kind: 'runtime',
          file,
          resources: { ledgerTableName, notificationTopicArn, validationFunctions: Object.fromEntries(Array.from({ length: n }, (_, i) => [`pair-${i}`, Token.asString({ Ref: `Validation${i}` })])) },
        },
      });
    expect(withNames(2).environmentBytes - withNames(1).environmentBytes).toBe(`,"pair-1":"${'x'.repeat(64)}"`.length);
    expect(withNames(40).environmentBytes).toBeLessThan(ENVIRONMENT_BUDGET_BYTES);
  });

  it('fails when the environment would exceed the Lambda limit, naming the size', () => {
    const projectKeys = Array.from({ length: 12 }, (_, i) => ({ region: `eu-west-${i + 1}`, keyArn: Token.asString({ Ref: `Key${i}` }) }));
    const { runtimeConfig: _none, ...rest } = props();
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Copy', { ...rest, config: copyFunctionConfig(undefined, projectKeys) })).toThrow(
      new RegExp(`^environment of TestStack/Copy would be about \\d+ bytes, over the ${ENVIRONMENT_BUDGET_BYTES}-byte budget \\(lambda allows 4 KB\\): ${COPY_RESOURCES_ENV} names too many resources`),
    );
  });

  it('bundles the copy configuration as copy-config.json with its resources in REPLICA_REFRESH_COPY_RESOURCES, when given one', () => {
    const copyStack = newStack(REGION, SKIP_BUNDLING);
    const { runtimeConfig: _none, ...rest } = props();
    const copy = new RefreshFunction(copyStack, 'Copy', { ...rest, config: copyFunctionConfig() });
    const variables = Object.values(functionsOf(Template.fromStack(copyStack)))[0]?.Properties.Environment.Variables;
    const { deferQueueUrl, notificationTopicArn } = copyConfig();
    expect(variables?.[COPY_RESOURCES_ENV]).toBe(JSON.stringify({ deferQueueUrl, notificationTopicArn, projectKeys: [] }));
    expect(variables?.[RESOURCES_ENV]).toBeUndefined();
    expect(copy.configFile.name).toBe(COPY_CONFIG_FILE);
    expect(JSON.parse(copy.configFile.text)).toEqual({ region: 'eu-west-1', account: ACCOUNT, pairs: [pair('orders-staging')] });
  });

  it('fails with both configurations or with none', () => {
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props({ config: copyFunctionConfig() }))).toThrow('give either runtimeConfig or config, not both');
    const { runtimeConfig: _none, ...rest } = props();
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', rest)).toThrow('runtimeConfig or config is required');
  });
});

describe('RefreshFunction without the SDK clients its configuration never builds', () => {
  const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] };
  const VALIDATION = { tables: ['public.orders'], vpc: VPC };
  const DNS = pair('crm-staging', REGION, { credentials: { mode: 'managed' }, refresh: { mode: 'dns-switch', dns: { hostedZoneId: 'Z0123456789ABCDEFGHIJ', recordName: 'crm.db.internal' }, validation: VALIDATION } });
  const RENAME = pair('shop-staging', REGION, { credentials: { mode: 'managed' }, refresh: { mode: 'rename-swap', validation: VALIDATION } });
  const CLIENTS_HANDLER = path.join(__dirname, '..', 'fixtures', 'clients-handler.ts');
  /** A runtime function of these pairs, naming the SQL functions of `validated` as on-rds-event's configuration does. */
  const runtimeFn = (stack: ReturnType<typeof newStack>, id: string, pairs: ReturnType<typeof pair>[], validated: string[] = [], entry = FIXTURE_HANDLER) => {
    const { ledgerTableName, notificationTopicArn, ...file } = runtimeConfig(pairs);
    const { runtimeConfig: _none, ...rest } = props({ entry });
    const validationFunctions = Object.fromEntries(validated.map((p) => [p, Token.asString({ Ref: `Validation${p.replace(/-/g, '')}` })]));
    return new RefreshFunction(stack, id, { ...rest, config: { kind: 'runtime', file, resources: { ledgerTableName, notificationTopicArn, ...(validated.length > 0 ? { validationFunctions } : {}) } } });
  };

  it('leaves Route 53 out without a dns-switch pair, and Lambda out without an SQL function it names', () => {
    const stack = newStack(REGION, SKIP_BUNDLING);
    expect(runtimeFn(stack, 'DeleteFirst', [pair('orders-staging')]).standInClients).toEqual(['@aws-sdk/client-route-53', '@aws-sdk/client-lambda']);
    expect(runtimeFn(stack, 'Dns', [pair('orders-staging'), DNS]).standInClients).toEqual(['@aws-sdk/client-lambda']);
    expect(runtimeFn(stack, 'DnsValidated', [pair('orders-staging'), DNS], ['crm-staging']).standInClients).toEqual([]);
    expect(runtimeFn(stack, 'RenameValidated', [RENAME], ['shop-staging']).standInClients).toEqual(['@aws-sdk/client-route-53']);
    // start-refresh of a swap pair: its configuration names no SQL function, and it never builds a Lambda client.
    expect(runtimeFn(stack, 'RenameStart', [RENAME]).standInClients).toEqual(['@aws-sdk/client-route-53', '@aws-sdk/client-lambda']);
    const { runtimeConfig: _none, ...rest } = props();
    expect(new RefreshFunction(stack, 'Copy', { ...rest, config: copyFunctionConfig() }).standInClients).toEqual([]);
    expect(unusedClients({ pairs: [{ refresh: { mode: 'delete-first' } }], validationFunctions: {} })).toEqual(['@aws-sdk/client-route-53', '@aws-sdk/client-lambda']);
  });

  it('bundles the stand-ins, which refuse only if a factory would build the client, and the real clients when the configuration uses them', () => {
    // Bundled for real (the default app bundles every stack), then run as Lambda would load it.
    const stack = newStack();
    const without = runtimeFn(stack, 'Without', [pair('orders-staging')], [], CLIENTS_HANDLER);
    const withBoth = runtimeFn(stack, 'With', [pair('orders-staging'), DNS], ['crm-staging'], CLIENTS_HANDLER);
    const template = Template.fromStack(stack);
    const code = (fn: RefreshFunction) => {
      const dir = assetDir(stack, functionsOf(template)[stack.getLogicalId(fn.function.node.defaultChild as never)] as FunctionJson);
      return { dir, text: fs.readFileSync(path.join(dir, 'index.js'), 'utf8') };
    };
    const lean = code(without);
    const full = code(withBoth);
    // The clients' service shapes (Route 53's AWSDnsV20130401, Lambda's AWSGirApiService) only in the full bundle.
    for (const marker of ['AWSDnsV20130401', 'AWSGirApiService']) expect([marker, lean.text.includes(marker), full.text.includes(marker)]).toEqual([marker, false, true]);
    expect(lean.text).toContain('no dns-switch pair in this region');
    expect(full.text.length - lean.text.length).toBeGreaterThan(150 * 1024);
    const run = (dir: string, config: unknown) =>
      spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(dir, 'index.js'))}).handler(${JSON.stringify(config)}).then((r) => console.log(JSON.stringify(r)), (e) => console.log(JSON.stringify({ error: e.message })))`], {
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', AWS_REGION: REGION, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'x' },
      }).stdout.trim();
    const errorOf = (dir: string, config: unknown) => (JSON.parse(run(dir, config)) as { error?: string }).error;
    const asDeployed = { region: REGION, pairs: [{ refresh: { mode: 'delete-first' } }] };
    expect(JSON.parse(run(lean.dir, asDeployed))).toEqual({ dns: false, validator: false });
    // What a stale bundle would meet, should its configuration ever ask for the clients: a clear refusal.
    expect(errorOf(lean.dir, { ...asDeployed, pairs: [{ refresh: { mode: 'dns-switch' } }] })).toMatch(/^Route 53 is not bundled with this function: no dns-switch pair in this region/);
    expect(errorOf(lean.dir, { ...asDeployed, validationFunctions: { 'orders-staging': 'fn' } })).toMatch(/^Lambda is not bundled with this function: no pair in this region has a swap mode or staging hooks/);
    expect(JSON.parse(run(full.dir, { ...asDeployed, pairs: [{ refresh: { mode: 'dns-switch' } }], validationFunctions: { 'crm-staging': 'fn' } }))).toEqual({ dns: true, validator: true });
  });
});
