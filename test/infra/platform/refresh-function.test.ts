import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { COPY_CONFIG_ENV, RUNTIME_CONFIG_ENV, type CopyRuntimeConfig, type RuntimeConfig } from '../../../lambdas/kernel/config';
import { ENVIRONMENT_BUDGET_BYTES, RefreshFunction, type RefreshFunctionProps } from '../../../infra/platform/refresh-function';
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

describe('RefreshFunction', () => {
  let template: Template;

  beforeAll(() => {
    const stack = newStack();
    new RefreshFunction(stack, 'Fn', props());
    new RefreshFunction(stack, 'ShortLived', props({ logRetention: RetentionDays.ONE_WEEK }));
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

  it('sets source maps, Powertools names and the runtime configuration as JSON', () => {
    assertHasResource(template, 'AWS::Lambda::Function', {
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          POWERTOOLS_SERVICE_NAME: 'test-fn',
          POWERTOOLS_METRICS_NAMESPACE: 'ReplicaRefresh',
          [RUNTIME_CONFIG_ENV]: JSON.stringify(runtimeConfig()),
        },
      },
    });
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

  it('fails when the environment would exceed the Lambda limit, naming the size', () => {
    const bigOverrides = { tags: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`cost-centre-${i}`, 'x'.repeat(60)])) };
    const pairs = Array.from({ length: 3 }, (_, i) => pair(`replica-${i}`, REGION, { overrides: bigOverrides }));
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props({ runtimeConfig: runtimeConfig(pairs) }))).toThrow(
      new RegExp(`^environment of TestStack/Fn would be about \\d+ bytes, over the ${ENVIRONMENT_BUDGET_BYTES}-byte budget \\(lambda allows 4 KB\\): REPLICA_REFRESH_CONFIG carries 3 pair\\(s\\) of ${REGION}`),
    );
  });

  it('passes the copy configuration in REPLICA_REFRESH_COPY_CONFIG instead, when given one', () => {
    const stack = newStack(REGION, SKIP_BUNDLING);
    const { runtimeConfig: _none, ...rest } = props();
    new RefreshFunction(stack, 'Copy', { ...rest, config: { env: COPY_CONFIG_ENV, value: copyConfig() } });
    const variables = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function') as unknown as Record<string, { Properties: { Environment: { Variables: Record<string, unknown> } } }>)[0]
      ?.Properties.Environment.Variables;
    expect(variables?.[COPY_CONFIG_ENV]).toBe(JSON.stringify(copyConfig()));
    expect(variables?.[RUNTIME_CONFIG_ENV]).toBeUndefined();
  });

  it('fails when the copy configuration would exceed the Lambda limit, naming its variable', () => {
    const bigOverrides = { tags: Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`cost-centre-${i}`, 'x'.repeat(60)])) };
    const pairs = Array.from({ length: 3 }, (_, i) => pair(`replica-${i}`, REGION, { overrides: bigOverrides }));
    const { runtimeConfig: _none, ...rest } = props();
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Copy', { ...rest, config: { env: COPY_CONFIG_ENV, value: copyConfig(pairs) } })).toThrow(
      /over the 3584-byte budget \(lambda allows 4 KB\): REPLICA_REFRESH_COPY_CONFIG carries 3 pair\(s\) of eu-west-1/,
    );
  });

  it('fails with both configurations or with none', () => {
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', props({ config: { env: COPY_CONFIG_ENV, value: copyConfig() } }))).toThrow('give either runtimeConfig or config, not both');
    const { runtimeConfig: _none, ...rest } = props();
    expect(() => new RefreshFunction(newStack(REGION, SKIP_BUNDLING), 'Fn', rest)).toThrow('runtimeConfig or config is required');
  });
});
