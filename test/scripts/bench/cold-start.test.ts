/**
 * The pure parts of the cold-start benchmark: statistics, finding the project's functions and their assets in a
 * template, and the configuration and environment a measured process gets. Nothing here synthesizes or times.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assetDirectory,
  bundleParts,
  describeContents,
  packageOf,
  childConfig,
  childEnvironment,
  configFileOf,
  configFromContext,
  configKind,
  parseChildOutput,
  placeholderFor,
  projectFunctions,
  resolveTokens,
  summarize,
  typeScriptFiles,
  type ProjectFunction,
  type StackLike,
} from '../../../scripts/bench/cold-start';
import { copyResourcesSchema, runtimeResourcesSchema } from '../../../lambdas/kernel/config';

const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);
const HASH_C = 'c'.repeat(64);
const ACCOUNT = '111111111111';

const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } };
const context = cdkJson.context.replicaRefresh;

/** The replica functions' resource names as the stack synthesizes them: table and topic as Refs. */
const replicaConfigJoin = {
  'Fn::Join': ['', ['{"ledgerTableName":"', { Ref: 'LedgerTable9343E4AA' }, '","notificationTopicArn":"', { Ref: 'NotificationsTopicAE679CBD' }, '"}']],
};

/** The copy function's resource names as the source stack synthesizes them: queue and topic as Refs, the key as a cross-region read. */
const copyConfigJoin = {
  'Fn::Join': [
    '',
    [
      '{"deferQueueUrl":"',
      { Ref: 'DelayQueueBEB7DB7B' },
      '","notificationTopicArn":"',
      { Ref: 'NotificationsTopicAE679CBD' },
      '","projectKeys":[{"region":"eu-central-1","keyArn":"',
      { 'Fn::GetAtt': ['ExportsReader8B249524', '/cdk/exports/x/SnapshotKeyArn'] },
      '"}]}',
    ],
  ],
};

function lambdaResource(handler: string, code: unknown, variables?: Record<string, unknown>) {
  return {
    Type: 'AWS::Lambda::Function',
    Properties: { Handler: handler, Code: code, ...(variables ? { Environment: { Variables: variables } } : {}) },
  };
}

const replicaStack: StackLike = {
  stackName: 'ReplicaRefresh-eu-central-1',
  region: 'eu-central-1',
  account: ACCOUNT,
  template: {
    Resources: {
      StartRefreshFunction1: lambdaResource(
        'index.handler',
        { S3Bucket: 'cdk-assets', S3Key: `${HASH_A}.zip` },
        { NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_SERVICE_NAME: 'start-refresh', POWERTOOLS_METRICS_NAMESPACE: 'ReplicaRefresh', REPLICA_REFRESH_RESOURCES: replicaConfigJoin },
      ),
      // CDK's cross-region export writer: its own entry point, no environment.
      CustomCrossRegionExportWriterHandler: lambdaResource('__entrypoint__.handler', { S3Bucket: 'cdk-assets', S3Key: `${HASH_C}.zip` }),
      // A provider function with index.handler but no service name: not ours.
      SomeProviderFunction: lambdaResource('index.handler', { S3Bucket: 'cdk-assets', S3Key: `${HASH_C}.zip` }, { FOO: 'bar' }),
      LedgerTable9343E4AA: { Type: 'AWS::DynamoDB::Table', Properties: {} },
    },
  },
};

const sourceStack: StackLike = {
  stackName: 'ReplicaRefreshSource-eu-west-1',
  region: 'eu-west-1',
  account: ACCOUNT,
  template: {
    Resources: {
      CopyFunction200F5BCE: lambdaResource(
        'index.handler',
        { S3Bucket: 'cdk-assets', S3Key: `${HASH_B}.zip` },
        { POWERTOOLS_SERVICE_NAME: 'copy-snapshot', REPLICA_REFRESH_COPY_RESOURCES: copyConfigJoin },
      ),
    },
  },
};

describe('summarize', () => {
  it('summarizes as median, p90 (nearest rank) and runs, to hundredths', () => {
    expect(summarize([100.123, 200.456, 300.789])).toEqual({ median: 200.46, p90: 300.79, runs: 3 });
  });
});

describe('projectFunctions and assetDirectory', () => {
  it("finds the project's functions by index.handler and a service name, and skips CDK's provider functions", () => {
    const fns = [replicaStack, sourceStack].flatMap((s) => projectFunctions('/out', s));
    expect(fns.map((f) => [f.name, f.stackName, f.region, f.logicalId, f.assetDir])).toEqual([
      ['start-refresh', 'ReplicaRefresh-eu-central-1', 'eu-central-1', 'StartRefreshFunction1', path.join('/out', `asset.${HASH_A}`)],
      ['copy-snapshot', 'ReplicaRefreshSource-eu-west-1', 'eu-west-1', 'CopyFunction200F5BCE', path.join('/out', `asset.${HASH_B}`)],
    ]);
    expect(fns[0]?.account).toBe(ACCOUNT);
  });

  it('finds nothing in a template without resources', () => {
    expect(projectFunctions('/out', { ...replicaStack, template: {} })).toEqual([]);
  });

  it('refuses code that is not a CDK asset key', () => {
    expect(() => assetDirectory('/out', { ZipFile: 'exports.handler = 1' })).toThrow('not a CDK asset');
    expect(() => assetDirectory('/out', { S3Bucket: 'b', S3Key: 'other.zip' })).toThrow('not a CDK asset');
    expect(() => assetDirectory('/out', undefined)).toThrow('not a CDK asset');
  });
});

describe('the configuration a measured process gets', () => {
  const [startRefresh, copySnapshot] = [replicaStack, sourceStack].flatMap((s) => projectFunctions('/out', s)) as [ProjectFunction, ProjectFunction];

  it('chooses placeholders by the key a token stands for', () => {
    expect(placeholderFor('deferQueueUrl', 'eu-west-1', ACCOUNT)).toBe(`https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/bench-placeholder`);
    expect(placeholderFor('notificationTopicArn', 'eu-west-1', ACCOUNT)).toBe(`arn:aws:sns:eu-west-1:${ACCOUNT}:bench-placeholder`);
    expect(placeholderFor('replicaKmsKeyArn', 'eu-west-1', ACCOUNT)).toMatch(/^arn:aws:kms:eu-west-1:111111111111:key\//);
    expect(placeholderFor('ledgerTableName', 'eu-west-1', ACCOUNT)).toBe('bench-placeholder');
  });

  it('resolves an Fn::Join of strings and tokens into JSON the schema accepts', () => {
    const replica = JSON.parse(resolveTokens(replicaConfigJoin, 'eu-central-1', ACCOUNT) ?? 'null') as Record<string, unknown>;
    expect(replica).toMatchObject({ ledgerTableName: 'bench-placeholder', notificationTopicArn: `arn:aws:sns:eu-central-1:${ACCOUNT}:bench-placeholder` });
    expect(runtimeResourcesSchema.safeParse(replica).success).toBe(true);

    const copy = JSON.parse(resolveTokens(copyConfigJoin, 'eu-west-1', ACCOUNT) ?? 'null') as unknown;
    expect(copyResourcesSchema.safeParse(copy).success).toBe(true);
  });

  it('keeps a plain string and gives up on forms it does not know', () => {
    expect(resolveTokens('{"a":1}', 'eu-west-1', ACCOUNT)).toBe('{"a":1}');
    expect(resolveTokens({ 'Fn::Sub': 'x' }, 'eu-west-1', ACCOUNT)).toBeUndefined();
    expect(resolveTokens({ 'Fn::Join': ['', [{ Ref: 'X' }]] }, 'eu-west-1', ACCOUNT)).toBeUndefined();
  });

  it('tells which configuration a function reads', () => {
    expect(configKind(startRefresh.environment)).toBe('REPLICA_REFRESH_RESOURCES');
    expect(configKind(copySnapshot.environment)).toBe('REPLICA_REFRESH_COPY_RESOURCES');
    expect(configFileOf(configKind(startRefresh.environment))).toEqual({ name: 'runtime-config.json', env: 'REPLICA_REFRESH_CONFIG_FILE' });
    expect(configFileOf(configKind(copySnapshot.environment))).toEqual({ name: 'copy-config.json', env: 'REPLICA_REFRESH_COPY_CONFIG_FILE' });
    expect(() => configKind({})).toThrow('neither');
  });

  it('uses the synthesized configuration when its placeholders pass the schema', () => {
    expect(childConfig(startRefresh, context)).toMatchObject({ env: 'REPLICA_REFRESH_RESOURCES', source: 'synthesized' });
    expect(childConfig(copySnapshot, context)).toMatchObject({ env: 'REPLICA_REFRESH_COPY_RESOURCES', source: 'synthesized' });
  });

  it('builds a valid configuration from cdk.json when the synthesized one cannot be resolved', () => {
    const unresolvable: ProjectFunction = { ...startRefresh, environment: { ...startRefresh.environment, REPLICA_REFRESH_RESOURCES: { 'Fn::Sub': '${X}' } } };
    const config = childConfig(unresolvable, context);
    expect(config.source).toBe('cdk.json');
    expect(runtimeResourcesSchema.safeParse(JSON.parse(config.value)).success).toBe(true);

    const copy = JSON.parse(configFromContext(context, 'REPLICA_REFRESH_COPY_RESOURCES', 'eu-west-1')) as { projectKeys: unknown[] };
    expect(copyResourcesSchema.safeParse(copy).success).toBe(true);
    expect(copy.projectKeys).toHaveLength(1);
  });

  it('gives the child no inherited variable, no NODE_OPTIONS, fake credentials and the function region', () => {
    const env = childEnvironment(startRefresh, { env: 'REPLICA_REFRESH_RESOURCES', value: '{}' });
    expect(env.REPLICA_REFRESH_CONFIG_FILE).toBeUndefined();
    expect(childEnvironment(startRefresh, { env: 'REPLICA_REFRESH_RESOURCES', value: '{}' }, { env: 'REPLICA_REFRESH_CONFIG_FILE', path: '/a/runtime-config.json' }).REPLICA_REFRESH_CONFIG_FILE).toBe('/a/runtime-config.json');
    expect(env).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'start-refresh',
      POWERTOOLS_METRICS_NAMESPACE: 'ReplicaRefresh',
      REPLICA_REFRESH_RESOURCES: '{}',
      AWS_REGION: 'eu-central-1',
      NODE_OPTIONS: '',
    });
    expect(env.AWS_ACCESS_KEY_ID).toBeTruthy();
    expect(env.PATH).toBeUndefined();
    expect(Object.values(env).every((v) => typeof v === 'string')).toBe(true);
  });
});

describe('parseChildOutput', () => {
  it("reads the marked line, whatever the module printed before it", () => {
    expect(parseChildOutput('some log\n\n__COLD_START_RESULT__{"initMs":12.5}\n')).toEqual({ initMs: 12.5 });
  });

  it('refuses output without a result or with a bad one', () => {
    expect(() => parseChildOutput('nothing here')).toThrow('no result');
    expect(() => parseChildOutput('__COLD_START_RESULT__{"initMs":"fast"}')).toThrow('bad result');
  });
});

describe('typeScriptFiles', () => {
  it('lists every handler source under lambdas/, recursively', () => {
    const files = typeScriptFiles(path.join(__dirname, '..', '..', '..', 'lambdas')).map((f) => path.basename(path.dirname(f)) + '/' + path.basename(f));
    expect(files).toEqual(expect.arrayContaining(['handlers/start-refresh.ts', 'handlers/copy-snapshot.ts', 'kernel/config.ts']));
    expect(files.every((f) => f.endsWith('.ts'))).toBe(true);
  });
});

describe('what a bundle holds', () => {
  it('names a bundled file by its package (the innermost node_modules) or its directory of the project', () => {
    expect(packageOf('../main/node_modules/@aws-sdk/client-rds/dist-es/schemas/schemas_0.js')).toBe('@aws-sdk/client-rds');
    expect(packageOf('node_modules/mnemonist/lru-cache.js')).toBe('mnemonist');
    expect(packageOf('node_modules/a/node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
    expect(packageOf('lambdas/kernel/config.ts')).toBe('lambdas/kernel');
    expect(packageOf('../../lambdas/aws/rds.ts')).toBe('lambdas/aws');
  });

  it('adds up an output\'s bytes by package, largest first, leaving out files that left no code', () => {
    const metafile = {
      inputs: {},
      outputs: {
        'out/index.js.map': { bytes: 9, inputs: {}, imports: [], exports: [] },
        'out/index.js': {
          bytes: 400,
          imports: [],
          exports: [],
          inputs: {
            'node_modules/zod/v4/core/schemas.js': { bytesInOutput: 100 },
            'node_modules/zod/v4/mini/schemas.js': { bytesInOutput: 50 },
            'lambdas/kernel/config.ts': { bytesInOutput: 150 },
            'lambdas/kernel/ids.ts': { bytesInOutput: 30 },
            'node_modules/@smithy/core/dist-es/submodules/event-streams/index.js': { bytesInOutput: 0 },
          },
        },
      },
    };
    const parts = bundleParts(metafile, 'index.js');
    expect(parts).toEqual([
      { package: 'lambdas/kernel', bytes: 180 },
      { package: 'zod', bytes: 150 },
    ]);
    expect(describeContents(parts, 1)).toBe('lambdas/kernel 0.2, 1 more 0.1');
    expect(() => bundleParts(metafile, 'main.js')).toThrow('the metafile has no output main.js');
  });
});
