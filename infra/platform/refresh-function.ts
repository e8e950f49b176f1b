/**
 * The one place that fixes how every function of the project is built and run.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import { RemovalPolicy, Stack, Stage, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type BundlingOptions, type ICommandHooks } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { z } from 'zod/mini';
import {
  COPY_CONFIG_FILE,
  COPY_RESOURCES_ENV,
  RESOURCES_ENV,
  RUNTIME_CONFIG_FILE,
  copyConfigFileText,
  parseWith,
  runtimeConfigFileText,
  splitRuntimeConfig,
  type copyRuntimeConfigFileSchema,
  type runtimeConfigFileSchema,
  type copyResourcesSchema,
  type runtimeConfigSchema,
  type runtimeResourcesSchema,
} from '../../lambdas/kernel/config';
import { METRICS_NAMESPACE } from '../../lambdas/kernel/powertools';
import { VAULT_CONFIG_FILE, VAULT_RESOURCES_ENV, vaultConfigFileSchema, type vaultResourcesSchema } from '../../lambdas/vault/config';
import { VAULT_METRIC_NAMESPACE } from '../../lambdas/vault/names';
import { acknowledgeNag } from './nag';
import { deadLetterQueue } from './dead-letter-queue';

/**
 * Modules the bundles take from the project instead of node_modules (esbuild's alias), each never needed in Lambda
 * as the file that replaces it explains: the SDK's default credential chain becomes its first link, the environment,
 * which is where Lambda puts the role's credentials (lambdas/aws/lambda-credentials.ts, about 100 KiB less in every
 * bundle); the SDK's event-stream support, which no operation the functions call uses, becomes a module that refuses
 * (lambdas/aws/no-event-streams.ts, about 15 KiB). Tests and scripts keep the real modules.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  '@aws-sdk/credential-provider-node': path.join(__dirname, '..', '..', 'lambdas', 'aws', 'lambda-credentials.ts'),
  '@smithy/core/event-streams': path.join(__dirname, '..', '..', 'lambdas', 'aws', 'no-event-streams.ts'),
};

/**
 * SDK clients a replica-region function's code imports but its configuration may never use, each with the module
 * that stands in for it (esbuild's alias, as {@link BUNDLE_ALIASES}) when it does not: Route 53 without a dns-switch
 * pair (lambdas/aws/no-route-53.ts), Lambda without a pair's SQL function (lambdas/aws/no-lambda.ts). Each stand-in
 * refuses, with a message naming why, if ever constructed. {@link unusedClients} decides, with the same test the
 * functions' factories build these clients with.
 */
export const CLIENT_STAND_INS = {
  '@aws-sdk/client-route-53': path.join(__dirname, '..', '..', 'lambdas', 'aws', 'no-route-53.ts'),
  '@aws-sdk/client-lambda': path.join(__dirname, '..', '..', 'lambdas', 'aws', 'no-lambda.ts'),
} as const;

/** A client {@link CLIENT_STAND_INS} can leave out. */
export type OptionalClient = keyof typeof CLIENT_STAND_INS;

/**
 * The optional clients a replica-region function's configuration never builds, so its bundle holds their stand-ins:
 * - `@aws-sdk/client-route-53` when no pair is a dns-switch pair: lambdas/aws/route53.ts's dnsRecordsFor, the only
 *   place that builds the client, builds it only for such a pair;
 * - `@aws-sdk/client-lambda` when the function names no pair's SQL function (`validationFunctions`, which only
 *   on-rds-event and the watchdog get): lambdas/validation/copy.ts's copyValidators, the only place in the functions
 *   that builds it (lambdas/aws/functions.ts's FunctionInvoker; the operator commands in scripts/ build theirs outside
 *   any bundle), builds it only then.
 * test/infra/platform/bundle-aliases.test.ts checks that no other code of lambdas/ builds either client.
 */
export function unusedClients(config: { readonly pairs: readonly { readonly refresh: { readonly mode: string } }[]; readonly validationFunctions?: Readonly<Record<string, string>> }): OptionalClient[] {
  return [
    ...(config.pairs.some((p) => p.refresh.mode === 'dns-switch') ? [] : (['@aws-sdk/client-route-53'] as const)),
    ...(Object.keys(config.validationFunctions ?? {}).length > 0 ? [] : (['@aws-sdk/client-lambda'] as const)),
  ];
}

/** {@link BUNDLE_ALIASES}, and the stand-ins of the clients a function does not use. */
export function bundleAliases(unused: readonly OptionalClient[] = []): Record<string, string> {
  return { ...BUNDLE_ALIASES, ...Object.fromEntries(unused.map((client) => [client, CLIENT_STAND_INS[client]])) };
}

/**
 * How every function is bundled: NodejsFunction's bundling options, but the hooks that add each function's
 * configuration file. `npm run bench` rebuilds each function's bundle with the same options to list what it holds
 * (scripts/bench/cold-start.ts), and checks that the rebuild is byte for byte the size of the synthesized one.
 */
export const BUNDLING = {
  // Smaller bundle, faster cold start.
  minify: true,
  // Readable stack traces despite minification (with NODE_OPTIONS below). The map is index.js.map, a file of its own,
  // which --enable-source-maps makes Node read and parse when it loads index.js, at every cold start.
  sourceMap: true,
  // The map without a copy of every source file: traces still name the TypeScript file, line and column, and the map
  // is a third of the size (2.2-2.9 MiB to 0.7-0.9), which takes about half of the source-map cost off each cold
  // start (`npm run bench`: init with the function's NODE_OPTIONS).
  sourcesContent: false,
  // Emit syntax the runtime understands natively: no down-levelling.
  target: 'node22',
  // CommonJS: the project's code and its dependencies load without ESM interop shims.
  format: OutputFormat.CJS,
  // Prefer the packages' ES module builds, which esbuild can tree-shake (the SDK's CommonJS builds cannot be):
  // a quarter less code to compile at every cold start.
  mainFields: ['module', 'main'],
  // Run the SDK versions the tests ran against, not whatever the runtime ships that day.
  bundleAwsSDK: true,
  // Only what needs attention in synth and test output, not the size of every bundle.
  logLevel: LogLevel.WARNING,
  // Smaller bundle: see BUNDLE_ALIASES.
  esbuildArgs: { '--alias': Object.entries(BUNDLE_ALIASES).map(([module, file]) => `${module}=${file}`) },
} as const satisfies BundlingOptions;

/** {@link BUNDLING} with the stand-ins of the clients a function does not use ({@link unusedClients}). */
export function bundlingWithout(unused: readonly OptionalClient[]): BundlingOptions {
  if (unused.length === 0) return BUNDLING;
  return { ...BUNDLING, esbuildArgs: { '--alias': Object.entries(bundleAliases(unused)).map(([module, file]) => `${module}=${file}`) } };
}

/**
 * {@link BUNDLING} as options of esbuild's own `build` API: what the benchmark and the bundle tests rebuild a function
 * with, so that their build is the synthesized one (they add the entry point, the output and what to report). A
 * replica-region function whose configuration leaves clients out ({@link unusedClients}) is built with
 * {@link esbuildOptionsWithout} instead.
 */
export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: BUNDLING.target,
  format: BUNDLING.format,
  minify: BUNDLING.minify,
  sourcemap: BUNDLING.sourceMap,
  sourcesContent: BUNDLING.sourcesContent,
  mainFields: [...BUNDLING.mainFields],
  alias: { ...BUNDLE_ALIASES },
} as const;

/** {@link ESBUILD_OPTIONS} with the stand-ins of the clients a function does not use. */
export function esbuildOptionsWithout(unused: readonly OptionalClient[]): Omit<typeof ESBUILD_OPTIONS, 'alias'> & { alias: Record<string, string> } {
  return { ...ESBUILD_OPTIONS, alias: bundleAliases(unused) };
}

/** Every function's memory: the work is SDK calls and small JSON (the benchmark bills GB-seconds with it). */
export const FUNCTION_MEMORY_MB = 256;

/** Lambda allows 4 KB for all environment variables together; this leaves room for what AWS or CDK may add. */
export const ENVIRONMENT_BUDGET_BYTES = 3584;

/**
 * What an unresolved token (a table name, a topic ARN) is assumed to grow to once deployed, for the size check:
 * table names are at most 255 characters, topic ARNs at most about 310.
 */
const TOKEN_SIZE_ESTIMATE = 320;

/**
 * The configuration a function receives: the file bundled next to its index.js (validated here, at synth, with the
 * schema the function parses it with at cold start) and the resource names that go into its environment (tokens
 * until deployed). A replica-region function gets its region's runtime configuration, the copy function its own, the
 * vault function (issue 18, in the vault account) the vault's: {@link VAULT_CONFIG_FILE} (lambdas/vault/config.ts's
 * vaultConfigFile of the app's configuration) and {@link VAULT_RESOURCES_ENV} (its key, ledger table and topic).
 */
export type FunctionConfig =
  | { readonly kind: 'runtime'; readonly file: z.input<typeof runtimeConfigFileSchema>; readonly resources: z.input<typeof runtimeResourcesSchema> }
  | { readonly kind: 'copy'; readonly file: z.input<typeof copyRuntimeConfigFileSchema>; readonly resources: z.input<typeof copyResourcesSchema> }
  | { readonly kind: 'vault'; readonly file: z.input<typeof vaultConfigFileSchema>; readonly resources: z.input<typeof vaultResourcesSchema> };

/** Where each kind of configuration goes: the bundled file's name and the environment variable of its resources. */
const CONFIG_PLACES: Readonly<Record<FunctionConfig['kind'], { readonly file: string; readonly env: string }>> = {
  runtime: { file: RUNTIME_CONFIG_FILE, env: RESOURCES_ENV },
  copy: { file: COPY_CONFIG_FILE, env: COPY_RESOURCES_ENV },
  vault: { file: VAULT_CONFIG_FILE, env: VAULT_RESOURCES_ENV },
};

/** Properties of a {@link RefreshFunction}. */
export interface RefreshFunctionProps {
  /** Path of the TypeScript entry point; it must export `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** The function's name in logs and metrics (`POWERTOOLS_SERVICE_NAME`), such as `start-refresh`. */
  readonly serviceName: string;
  /** The most one invocation may take. */
  readonly timeout: Duration;
  /**
   * The runtime configuration of the region: bundled as {@link RUNTIME_CONFIG_FILE}, but its resource names (which
   * may be tokens), which go into {@link RESOURCES_ENV}. Give either this or {@link config}.
   * @default - none: {@link config} must be given
   */
  readonly runtimeConfig?: z.input<typeof runtimeConfigSchema>;
  /**
   * The configuration, already split into file and resources, for a function that reads another configuration
   * than the runtime one (the copy function, the vault function). Give either this or {@link runtimeConfig}.
   * @default - `runtimeConfig`, split
   */
  readonly config?: FunctionConfig;
  /**
   * How often Lambda retries a failed asynchronous invocation (0–2) before it goes to {@link RefreshFunction.failureQueue}.
   */
  readonly asyncRetryAttempts: number;
  /**
   * Concurrent executions reserved for (and capping) the function.
   * @default - none: the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * A fixed name for the function's role, for a role that a policy of another account names (the vault's inbox names
   * production's share roles, lambdas/vault/names.ts). IAM role names are unique per account, at most 64 characters.
   * @default - a name CloudFormation generates
   */
  readonly roleName?: string;
  /**
   * How long the function's logs are kept.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A Node.js function with the project's defaults: its own role (no managed policies), an explicit log group,
 * X-Ray, source maps, Powertools settings, the region's runtime configuration, and an on-failure queue for
 * asynchronous invocations.
 */
export class RefreshFunction extends Construct {
  /** The function. */
  public readonly function: lambda.IFunction;
  /** The function's own role; grant it what this function needs and nothing more. */
  public readonly role: iam.IRole;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** Asynchronous invocations that failed after their retries. */
  public readonly failureQueue: sqs.IQueue;
  /** The estimated size of the function's environment in bytes (Lambda allows 4,096). */
  public readonly environmentBytes: number;
  /** The configuration file bundled next to index.js: its name and its text (JSON, validated at synth). */
  public readonly configFile: { readonly name: string; readonly text: string };
  /**
   * The SDK clients bundled as stand-ins that refuse (CLIENT_STAND_INS), because the function's configuration never
   * builds them ({@link unusedClients}); none for the copy and vault functions.
   */
  public readonly standInClients: readonly OptionalClient[];

  public constructor(scope: Construct, id: string, props: RefreshFunctionProps) {
    super(scope, id);
    if (!Number.isInteger(props.asyncRetryAttempts) || props.asyncRetryAttempts < 0 || props.asyncRetryAttempts > 2) {
      throw new Error(`asyncRetryAttempts must be 0, 1 or 2, got ${props.asyncRetryAttempts}`);
    }
    const config = functionConfig(props);
    const bundled = configFile(this, config);
    const resourcesEnv = CONFIG_PLACES[config.kind].env;
    const environment = {
      // Stack traces point into the TypeScript sources, not the minified bundle.
      NODE_OPTIONS: '--enable-source-maps',
      // Powertools tags every log line and metric with the function's role in the pipeline.
      POWERTOOLS_SERVICE_NAME: props.serviceName,
      // The namespace the functions publish in and the alarms and dashboard read, from one constant (the vault's own
      // in the vault account, which its alarms read).
      POWERTOOLS_METRICS_NAMESPACE: config.kind === 'vault' ? VAULT_METRIC_NAMESPACE : METRICS_NAMESPACE,
      // Only the names of the stack's resources, known at deploy time: the pairs are in the bundled file, so the
      // environment's size does not grow with them.
      [resourcesEnv]: Stack.of(this).toJsonString(config.resources),
    };
    const estimatedBytes = estimateEnvironmentBytes({ ...environment, [resourcesEnv]: estimateJson(config.resources) });
    if (estimatedBytes > ENVIRONMENT_BUDGET_BYTES) {
      throw new Error(
        `environment of ${this.node.path} would be about ${estimatedBytes} bytes, over the ${ENVIRONMENT_BUDGET_BYTES}-byte budget ` +
          `(lambda allows 4 KB): ${resourcesEnv} names too many resources`,
      );
    }
    /** The size of the environment as estimated at synth (tokens at their largest likely size), for tests and reports. */
    this.environmentBytes = estimatedBytes;
    this.configFile = { name: bundled.name, text: bundled.text };
    // The file as the function parses it (every default spelled out), and the resource names it gets beside it.
    this.standInClients =
      config.kind === 'runtime' ? unusedClients({ pairs: (JSON.parse(bundled.text) as { pairs: { refresh: { mode: string } }[] }).pairs, ...(config.resources.validationFunctions ? { validationFunctions: config.resources.validationFunctions } : {}) }) : [];

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      // Long enough to investigate a month of nightly runs; the ledger keeps the history itself.
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Logs of a removed function are still evidence of what it did.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Its own role per function, so each gets only its grants (no AWSLambdaBasicExecutionRole with logs:* on *).
    if (props.roleName !== undefined && !/^[\w+=,.@-]{1,64}$/.test(props.roleName)) {
      throw new Error(`roleName must be 1-64 characters of letters, digits and +=,.@_-, got ${JSON.stringify(props.roleName)}`);
    }
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Runs the ${props.serviceName} function of replica-refresh`,
      ...(props.roleName === undefined ? {} : { roleName: props.roleName }),
    });
    this.logGroup.grantWrite(role);
    this.role = role;

    this.failureQueue = deadLetterQueue(this, 'FailureQueue', 'the function (its on-failure destination)');

    const fn = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      // Node 22 matches the esbuild target, @types/node and the engines the code is tested on.
      runtime: lambda.Runtime.NODEJS_22_X,
      // Graviton: cheaper per millisecond and nothing here is architecture-specific.
      architecture: lambda.Architecture.ARM_64,
      // X-Ray records each invocation's init and duration (Lambda's own segments); the code adds no subsegments.
      tracing: lambda.Tracing.ACTIVE,
      // The work is SDK calls and small JSON; 256 MB keeps cold starts short without paying for idle memory.
      memorySize: FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions === undefined ? {} : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      role,
      logGroup: this.logGroup,
      environment,
      bundling: {
        // Without the clients its configuration never builds (some 160 KiB less in on-rds-event and the watchdog of a
        // region of delete-first pairs).
        ...bundlingWithout(this.standInClients),
        // The validated configuration goes into the asset next to index.js. The asset is hashed by its output, so a
        // configuration change is a code change and redeploys the function.
        commandHooks: bundled.hooks,
      },
    });
    fn.configureAsyncInvoke({
      retryAttempts: props.asyncRetryAttempts,
      onFailure: sendOnlyDestination(this.failureQueue),
    });
    acknowledgeNag(
      this,
      'AwsSolutions-L1',
      'Pinned to nodejs22.x on purpose: the bundle targets node22 and the code is typed and tested against Node 22; move runtime, target and @types/node together',
    );
    this.function = fn;
  }
}

/** The one configuration a function gets, from either property. */
function functionConfig(props: RefreshFunctionProps): FunctionConfig {
  if (props.runtimeConfig !== undefined && props.config !== undefined) throw new Error('give either runtimeConfig or config, not both');
  if (props.config !== undefined) return props.config;
  if (props.runtimeConfig !== undefined) return { kind: 'runtime', ...splitRuntimeConfig(props.runtimeConfig) };
  throw new Error('runtimeConfig or config is required');
}

/**
 * Copies the configuration file into the bundle after esbuild. Its fields are part of the JSON that CDK keys its
 * bundling cache with (the functions are not), so two functions of one entry point with different configurations
 * are never taken for one asset.
 */
class ConfigFileHooks implements ICommandHooks {
  public constructor(
    public readonly fileName: string,
    public readonly sha256: string,
    public readonly stagedPath: string,
  ) {}

  public beforeBundling(): string[] {
    return [];
  }

  public beforeInstall(): string[] {
    return [];
  }

  public afterBundling(_inputDir: string, outputDir: string): string[] {
    return [`cp ${shellQuote(this.stagedPath)} ${shellQuote(path.join(outputDir, this.fileName))}`];
  }
}

/** A POSIX shell word: single-quoted, with single quotes closed, escaped and reopened. */
function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}

/**
 * Validates a function's configuration file with the schema the function reads it with, writes it (parsed, every
 * default spelled out) into the cloud assembly's directory, and returns the hooks that copy it into the bundle.
 * @throws ConfigError naming the file, the pair (by y) and the field
 */
function configFile(scope: Construct, config: FunctionConfig): { name: string; text: string; hooks: ConfigFileHooks } {
  const name = CONFIG_PLACES[config.kind].file;
  const tokens: string[] = [];
  JSON.stringify(config.file, (key, v: unknown) => {
    if (typeof v === 'string' && Token.isUnresolved(v)) tokens.push(key);
    return v;
  });
  if (tokens.length > 0) {
    throw new Error(`${scope.node.path}: ${name} is bundled at synth and cannot hold deploy-time values (tokens) in ${tokens.join(', ')}; pass them as resources`);
  }
  const json = configFileText(config);
  const sha256 = createHash('sha256').update(json).digest('hex');
  const dir = path.join(Stage.of(scope)?.assetOutdir ?? Stage.of(scope)?.outdir ?? '.', '.replica-refresh-config');
  mkdirSync(dir, { recursive: true });
  const stagedPath = path.join(dir, `${sha256}.json`);
  writeFileSync(stagedPath, json);
  return { name, text: json, hooks: new ConfigFileHooks(name, sha256, stagedPath) };
}

/**
 * The text of a function's configuration file, validated with the schema the function reads it with and every default
 * spelled out. The vault's is what lambdas/vault/config.ts's vaultConfigFileText writes for the app's configuration
 * (vaultConfigFile's output, parsed again, prints the same).
 */
function configFileText(config: FunctionConfig): string {
  switch (config.kind) {
    case 'copy':
      return copyConfigFileText(config.file);
    case 'runtime':
      return runtimeConfigFileText(config.file);
    case 'vault':
      return `${JSON.stringify(parseWith(vaultConfigFileSchema, config.file, VAULT_CONFIG_FILE))}\n`;
  }
}

/** The size Lambda counts: every key and value, in bytes. */
function estimateEnvironmentBytes(environment: Record<string, string>): number {
  return Object.entries(environment).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
}

/**
 * The most a function name takes: "If you specify only the function name, it is limited to 64 characters in length"
 * (Lambda API reference, CreateFunction, FunctionName).
 */
const FUNCTION_NAME_MAX = 64;

/**
 * The JSON as it will be once deployed, each unresolved token counted at its largest likely size: a function name
 * (the values of `validationFunctions`) at Lambda's 64 characters, any other at {@link TOKEN_SIZE_ESTIMATE}.
 */
function estimateJson(value: unknown): string {
  const functionNames = new WeakSet<object>();
  return JSON.stringify(value, function (this: unknown, key, v: unknown) {
    if (key === 'validationFunctions' && v !== null && typeof v === 'object') functionNames.add(v);
    if (typeof v !== 'string' || !Token.isUnresolved(v)) return v;
    return 'x'.repeat(this !== null && typeof this === 'object' && functionNames.has(this) ? FUNCTION_NAME_MAX : TOKEN_SIZE_ESTIMATE);
  });
}

/**
 * An SQS on-failure destination whose grant is what Lambda uses it with: sqs:SendMessage on the queue, sent with the
 * function's role (Lambda Developer Guide, "Capturing records of Lambda asynchronous invocations": the execution role
 * needs sqs:SendMessage for an SQS destination). aws-lambda-destinations' SqsDestination grants grantSendMessages,
 * which adds GetQueueAttributes and GetQueueUrl that Lambda never calls. The queue is SQS-managed SSE: no KMS.
 */
function sendOnlyDestination(queue: sqs.IQueue): lambda.IDestination {
  return {
    bind: (_scope, fn) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ sid: 'SendFailedInvocations', actions: ['sqs:SendMessage'], resources: [queue.queueArn] }));
      return { destination: queue.queueArn };
    },
  };
}
