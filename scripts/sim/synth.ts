/**
 * The project's CDK constructs as the simulation meets them: the replica region's event pipeline
 * (`EventPipeline`: the RDS event subscriptions, one per source type, the topic, its policy and key), its alarms
 * (`Monitoring`: single-metric alarms and Metrics Insights alarms over the replicas, with the dead-letter and
 * function-error alarms the stack adds), and the vault's inbox (`VaultInbox`: the queue and its policy), synthesized
 * from the real construct classes and read back from the CloudFormation template, with the few intrinsics
 * they use resolved to the simulated account's names. Nothing here is a copy of what the constructs
 * say: a change to a construct changes what the simulation enforces.
 *
 * Synthesis costs a second or more (aws-cdk-lib loads), so each distinct input is synthesized once
 * per process, and the templates are also kept on disk under node_modules/.cache keyed by a hash of
 * the sources they come from (infra/, lambdas/, the lock file): a change to any of them resynthesizes.
 * REPLICA_REFRESH_SIM_CACHE=off turns the disk cache off.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInsightsQuery, type InsightsQuery } from './metrics-insights';

/** A CloudFormation template, as far as the simulation reads it. */
export interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string | string[] }>;
}

/** An IAM policy document, intrinsics resolved. */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** What `AWS::RDS::EventSubscription` asks RDS for, with its topic, the topic's policy and key. */
export interface EventPathDefinition {
  /** The name CreateEventSubscription gets: SubscriptionName, or the one CloudFormation generates (and Ref returns). */
  subscriptionName: string;
  snsTopicArn: string;
  sourceType?: string;
  sourceIds?: string[];
  eventCategories?: string[];
  enabled: boolean;
  topicPolicy?: PolicyDocument;
  /** The topic's KMS key (KmsMasterKeyId) and its key policy; undefined for an unencrypted topic. */
  topicKey?: { arn: string; policy: PolicyDocument };
}

/** One `AWS::CloudWatch::Alarm` of a single metric, intrinsics resolved. */
export interface AlarmDefinition {
  /** AlarmName, or the construct's logical id when CloudFormation would generate one. */
  name: string;
  logicalId: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Seconds. */
  period: number;
  statistic: string;
  threshold: number;
  comparison: 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: 'breaching' | 'notBreaching' | 'ignore' | 'missing';
}

/**
 * One `AWS::CloudWatch::Alarm` on a Metrics Insights query (`Metrics`: one MetricDataQuery with the query as its
 * `Expression`, its `Period`, ReturnData true), intrinsics resolved: with GROUP BY, a multi-time-series alarm whose
 * every series is a contributor.
 */
export interface InsightsAlarmDefinition {
  name: string;
  logicalId: string;
  /** The query as the template holds it. */
  expression: string;
  query: InsightsQuery;
  /** Seconds. */
  period: number;
  threshold: number;
  comparison: AlarmDefinition['comparison'];
  evaluationPeriods: number;
  datapointsToAlarm: number;
  treatMissingData: AlarmDefinition['treatMissingData'];
}

/** Any alarm the simulation evaluates. */
export type AnyAlarmDefinition = AlarmDefinition | InsightsAlarmDefinition;

/** Whether an alarm is on a Metrics Insights query. */
export function isInsightsAlarm(def: AnyAlarmDefinition): def is InsightsAlarmDefinition {
  return 'query' in def;
}

/** What the replica region's stack is built from, as far as its events and alarms go. */
export interface ReplicaStackInput {
  account: string;
  region: string;
  replicaIds: string[];
  /**
   * The y clusters among the replicas (Aurora cluster pairs): with any, the pipeline adds its `db-cluster`
   * subscription and the cluster event path alarm.
   * @default [] - DB instance pairs only
   */
  clusterIds?: string[];
  rtoTargetMinutes: number;
  alarms: Record<string, unknown>;
  /** The functions of the stack, by the name the simulation gives them (start-refresh, …): each gets an error alarm and a failure-queue alarm. */
  functions: string[];
  /** Manual-snapshot quota alarms of the copy function's stack (source region). */
  manualSnapshotAlarms: { replicaId: string; region: string; threshold: number }[];
  /** The copy function of the source region's stack, when the project copies: its error and failure-queue alarms. */
  copyFunction: boolean;
  /** How often the watchdog runs (minutes): the event path alarm's period and the silent-watchdog alarm's interval. */
  watchdogIntervalMinutes: number;
}

/** What the simulation reads from the synthesized replica stack. */
export interface ReplicaStackDefinition {
  /** The `db-instance` subscription: every replica region has it. */
  eventPath: EventPathDefinition;
  /**
   * Every event subscription of the stack, the `db-instance` one first: with a cluster pair, also the `db-cluster`
   * one. CloudFormation creates each with CreateEventSubscription; RDS delivers an event to those whose SourceType is
   * the event's source type (scripts/sim/rds.ts, `matches`).
   */
  eventPaths: EventPathDefinition[];
  alarms: AnyAlarmDefinition[];
  /** The physical name of each failure queue, by the function it belongs to. */
  failureQueues: Record<string, string>;
  /** The event pipeline's own SNS delivery dead-letter queue. */
  deliveryDeadLetterQueue: string;
}

const STACK_NAME = 'ReplicaRefreshSim';
const root = join(__dirname, '..', '..');
const memo = new Map<string, Promise<Template>>();

/** A request parameter as text. */
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === undefined ? '' : (JSON.stringify(v) ?? '');
}


/** A stable short hash. */
function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Every file a synthesized template can depend on: the constructs, the code they import, the lock file. */
function sourcesHash(): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts')) h.update(path).update(readFileSync(path));
    }
  };
  walk(join(root, 'infra'));
  walk(join(root, 'lambdas'));
  h.update(readFileSync(join(root, 'package-lock.json')));
  h.update(readFileSync(join(root, 'cdk.json')));
  h.update(readFileSync(__filename));
  return h.digest('hex').slice(0, 16);
}

/** The feature flags of the real app (cdk.json), so the simulation synthesizes what `cdk synth` would. */
function featureFlags(): Record<string, unknown> {
  const json = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return Object.fromEntries(Object.entries(json.context ?? {}).filter(([k]) => k.startsWith('@aws-cdk/')));
}

/** Builds the replica stack's event pipeline and monitoring from the real constructs. */
async function synthesizeReplicaStack(input: ReplicaStackInput): Promise<Template> {
  const [{ App, Duration, Stack }, lambda, sns, sqs, { EventPipeline }, { Monitoring }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/aws-lambda'),
    import('aws-cdk-lib/aws-sns'),
    import('aws-cdk-lib/aws-sqs'),
    import('../../infra/features/event-pipeline'),
    import('../../infra/platform/monitoring'),
  ]);
  const app = new App({ context: featureFlags() });
  const stack = new Stack(app, STACK_NAME, { env: { account: input.account, region: input.region } });
  const fn = (name: string) => new lambda.Function(stack, `Fn-${name}`, { functionName: name, runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => {};') });
  const functions = new Map(input.functions.map((name) => [name, fn(name)]));
  const onEvent = functions.get('on-rds-event') ?? fn('on-rds-event');
  // As infra/stacks/replica-region-stack.ts builds it: `new EventPipeline(this, 'Events', { instanceIds, clusterIds, handler })`.
  const events = new EventPipeline(stack, 'Events', { instanceIds: input.replicaIds, clusterIds: input.clusterIds ?? [], handler: onEvent });
  const alarmTopic = new sns.Topic(stack, 'Notifications');
  const watchdogInterval = Duration.minutes(input.watchdogIntervalMinutes);
  // As infra/stacks/replica-region-stack.ts builds it.
  const monitoring = new Monitoring(stack, 'Monitoring', {
    alarmTopic,
    replicaIds: input.replicaIds,
    rtoTargetMinutes: input.rtoTargetMinutes,
    alarms: input.alarms as ConstructorParameters<typeof Monitoring>[2]['alarms'],
    eventSubscriptionName: events.subscriptionName,
    ...(events.clusterSubscriptionName === undefined ? {} : { clusterEventSubscriptionName: events.clusterSubscriptionName }),
    watchdogInterval,
  });
  // The stack's own alarm wiring (infra/stacks/replica-region-stack.ts and source-region-stack.ts), with the construct's alarm shapes.
  monitoring.alarmOnDeadLetters('RdsEventDeliveryDlqAlarm', events.deliveryDeadLetterQueue, 'An RDS event SNS could not deliver to on-rds-event');
  const withCopy = input.copyFunction ? [...input.functions, 'copy-snapshot'] : input.functions;
  // The construct ids the stacks use: `${fn.node.id}FailureQueueAlarm` and `${fn.node.id}ErrorsAlarm`.
  const nodeIds: Record<string, string> = { 'start-refresh': 'StartRefresh', 'on-rds-event': 'OnRdsEvent', watchdog: 'Watchdog', retention: 'Retention', 'copy-snapshot': 'Copy' };
  for (const name of withCopy) {
    const queue = new sqs.Queue(stack, `FailureQueue-${name}`, { queueName: `${name}-failures` });
    const nodeId = nodeIds[name] ?? name;
    monitoring.alarmOnDeadLetters(`${nodeId}FailureQueueAlarm`, queue, `An invocation of ${name} that failed after its retries`);
    monitoring.alarmOnFunctionErrors(`${nodeId}ErrorsAlarm`, functions.get(name) ?? fn(name), name);
  }
  for (const a of input.manualSnapshotAlarms) monitoring.alarmOnManualSnapshotQuota(`ManualSnapshotQuotaAlarm-${a.replicaId}`, a.replicaId, a.region, a.threshold);
  monitoring.alarmOnSilentFunction('WatchdogSilentAlarm', functions.get('watchdog') ?? fn('watchdog'), 'watchdog', watchdogInterval);
  // Resolving the stack directly skips the cloud assembly (schema loading and validation, about 3 s on first use); the
  // template is the same that `cdk synth` writes for it.
  const toCfn = (stack as unknown as { _toCloudFormation?: () => Template })._toCloudFormation;
  if (typeof toCfn === 'function') return toCfn.call(stack);
  return app.synth().getStackByName(STACK_NAME).template as Template;
}

/** What the vault stack's inbox is built from (infra/stacks/vault-stack.ts). */
export interface VaultInboxInput {
  /** Production's account, whose share roles may send. */
  productionAccount: string;
  /** The vault's account and region, where the inbox is. */
  vaultAccount: string;
  vaultRegion: string;
  /** The replica regions production shares from: one share role each. */
  replicaRegions: string[];
}

/** What the simulation reads from the synthesized inbox: its name and the queue policy, intrinsics resolved. */
export interface VaultInboxDefinition {
  queueUrl: string;
  queueArn: string;
  /** The queue policy (AWS::SQS::QueuePolicy) of the inbox; undefined when the construct sets none. */
  policy: PolicyDocument | undefined;
  /**
   * The key the inbox is encrypted with (its KmsMasterKeyId): the vault key's policy as the vault stack deploys it,
   * with what the inbox adds to it. Undefined when the queue is not encrypted with a customer managed key.
   */
  key: { policy: PolicyDocument } | undefined;
}

/** Builds the vault's inbox from the real construct, in a stack of the vault's account and region. */
async function synthesizeVaultInbox(input: VaultInboxInput): Promise<Template> {
  const [{ App, Duration, Stack }, { VaultInbox }, { SnapshotKey }, { VAULT_KEY_ALIAS, shareRoleArn }] = await Promise.all([
    import('aws-cdk-lib'),
    import('../../infra/features/vault-inbox'),
    import('../../infra/platform/snapshot-key'),
    import('../../lambdas/vault/names'),
  ]);
  const app = new App({ context: featureFlags() });
  const stack = new Stack(app, STACK_NAME, { env: { account: input.vaultAccount, region: input.vaultRegion } });
  // As infra/stacks/vault-stack.ts builds it: the vault's key, and one share role per replica region (its consumer's
  // timeout shapes the visibility timeout only, not the policies). The stack's ledger and topic add nothing to the key
  // policy that concerns a sender (CloudWatch's statement names its service principal).
  const key = new SnapshotKey(stack, 'Key', { aliasName: VAULT_KEY_ALIAS });
  new VaultInbox(stack, 'Inbox', {
    productionAccount: input.productionAccount,
    senderRoleArns: [...input.replicaRegions].sort().map((r) => shareRoleArn(input.productionAccount, r)),
    consumerTimeout: Duration.seconds(300),
    key: key.key,
  });
  const toCfn = (stack as unknown as { _toCloudFormation?: () => Template })._toCloudFormation;
  if (typeof toCfn === 'function') return toCfn.call(stack);
  return app.synth().getStackByName(STACK_NAME).template as Template;
}

/** The template of a kind of stack for an input: from this process's memo, the disk cache, or a fresh synthesis. */
function template<I>(kind: 'replica-stack' | 'vault-inbox', input: I, synthesize: (input: I) => Promise<Template>): Promise<Template> {
  const key = hash(JSON.stringify([kind, input]));
  const cached = memo.get(key);
  if (cached) return cached;
  const promise = (async () => {
    const useDisk = process.env.REPLICA_REFRESH_SIM_CACHE !== 'off';
    const dir = join(root, 'node_modules', '.cache', 'replica-refresh-sim');
    const file = join(dir, `${kind}-${key}-${sourcesHash()}.json`);
    if (useDisk && existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Template;
    const t = await synthesize(input);
    if (useDisk) {
      try {
        mkdirSync(dir, { recursive: true });
        // Templates of older sources for the same input are stale for good.
        for (const old of readdirSync(dir)) if (old.startsWith(`${kind}-${key}-`) && old.endsWith('.json')) rmSync(join(dir, old), { force: true });
        // Written aside and renamed: parallel test workers never read half a file.
        const part = `${file}.${process.pid}.part`;
        writeFileSync(part, JSON.stringify(t));
        renameSync(part, file);
      } catch {
        // A read-only checkout only loses the cache.
      }
    }
    return t;
  })();
  memo.set(key, promise);
  return promise;
}

/** Physical names of a template's resources, as CloudFormation would give them in the simulated account. */
class Names {
  private readonly refs = new Map<string, string>();
  private readonly attrs = new Map<string, string>();

  public constructor(
    t: Template,
    private readonly account: string,
    private readonly region: string,
  ) {
    for (const [id, r] of Object.entries(t.Resources)) this.name(id, r.Type, r.Properties ?? {});
  }

  private name(id: string, type: string, p: Record<string, unknown>): void {
    const generated = `${STACK_NAME}-${id}-SIM${hash(id).slice(0, 6).toUpperCase()}`;
    const given = (key: string) => (typeof p[key] === 'string' ? p[key] : generated);
    const arn = (service: string, resource: string) => `arn:aws:${service}:${this.region}:${this.account}:${resource}`;
    switch (type) {
      case 'AWS::SNS::Topic': {
        const a = arn('sns', given('TopicName'));
        this.refs.set(id, a);
        this.attrs.set(`${id}.TopicArn`, a);
        break;
      }
      case 'AWS::KMS::Key': {
        const keyId = `${hash(`key-${id}`).slice(0, 8)}-sim0-4000-8000-${hash(id).slice(0, 12)}`;
        this.refs.set(id, keyId);
        this.attrs.set(`${id}.Arn`, arn('kms', `key/${keyId}`));
        this.attrs.set(`${id}.KeyId`, keyId);
        break;
      }
      case 'AWS::SQS::Queue': {
        const name = given('QueueName');
        this.refs.set(id, `https://sqs.${this.region}.amazonaws.com/${this.account}/${name}`);
        this.attrs.set(`${id}.Arn`, arn('sqs', name));
        this.attrs.set(`${id}.QueueName`, name);
        break;
      }
      case 'AWS::Lambda::Function': {
        const name = given('FunctionName');
        this.refs.set(id, name);
        this.attrs.set(`${id}.Arn`, arn('lambda', `function:${name}`));
        break;
      }
      case 'AWS::IAM::Role': {
        const name = given('RoleName');
        this.refs.set(id, name);
        this.attrs.set(`${id}.Arn`, `arn:aws:iam::${this.account}:role/${name}`);
        break;
      }
      case 'AWS::RDS::EventSubscription':
        // "Ref returns the name of the event subscription" (CloudFormation, AWS::RDS::EventSubscription).
        this.refs.set(id, given('SubscriptionName').toLowerCase());
        break;
      default:
        this.refs.set(id, id);
    }
  }

  /** Resolves the intrinsics the constructs use: Ref (resources and pseudo parameters), Fn::GetAtt, Fn::Join, Fn::Sub. */
  public resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys;
      if (k === 'Ref') return this.ref(String(o.Ref));
      if (k === 'Fn::GetAtt') {
        const [id, attr] = o['Fn::GetAtt'] as [string, string];
        const v = this.attrs.get(`${id}.${attr}`);
        if (v === undefined) throw new Error(`the simulation cannot resolve Fn::GetAtt ${id}.${attr}`);
        return v;
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).map(String).join(sep);
      }
      if (k === 'Fn::Sub') {
        const arg = o['Fn::Sub'];
        const [text, vars] = typeof arg === 'string' ? [arg, {}] : (arg as [string, Record<string, unknown>]);
        return text.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
          if (name in vars) return String(this.resolve(vars[name]));
          const [id, attr] = name.split('.');
          return attr ? String(this.resolve({ 'Fn::GetAtt': [id, attr] })) : this.ref(name);
        });
      }
      if (k?.startsWith('Fn::')) throw new Error(`the simulation cannot resolve ${k}`);
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, this.resolve(v)]));
  }

  private ref(name: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': this.region,
      'AWS::AccountId': this.account,
      'AWS::URLSuffix': 'amazonaws.com',
      'AWS::StackName': STACK_NAME,
    };
    const v = pseudo[name] ?? this.refs.get(name);
    if (v === undefined) throw new Error(`the simulation cannot resolve Ref ${name}`);
    return v;
  }
}

function only<T>(items: T[], what: string, where = 'replica stack'): T {
  if (items.length !== 1) throw new Error(`the synthesized ${where} has ${items.length} ${what}, the simulation expects exactly one`);
  return items[0]!;
}

/** Reads the event path and the alarms out of the synthesized replica stack. */
export async function replicaStackDefinition(input: ReplicaStackInput): Promise<ReplicaStackDefinition> {
  const t = await template('replica-stack', input, synthesizeReplicaStack);
  const names = new Names(t, input.account, input.region);
  const resources = Object.entries(t.Resources);
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const props = (id: string) => names.resolve(t.Resources[id]?.Properties ?? {}) as Record<string, unknown>;

  const eventPathOf = (subId: string): EventPathDefinition => {
    const sub = props(subId);
    const snsTopicArn = String(sub.SnsTopicArn);
    const topicId = resources.find(([id, r]) => r.Type === 'AWS::SNS::Topic' && names.resolve({ Ref: id }) === snsTopicArn)?.[0];
    if (!topicId) throw new Error(`the event subscription's topic ${snsTopicArn} is not in the synthesized stack`);
    const policies = ofType('AWS::SNS::TopicPolicy')
      .map(([id]) => props(id))
      .filter((p) => (p.Topics as string[] | undefined)?.includes(snsTopicArn));
    const topic = props(topicId);
    let topicKey: EventPathDefinition['topicKey'];
    if (typeof topic.KmsMasterKeyId === 'string') {
      const keyArn = topic.KmsMasterKeyId;
      const keyId = ofType('AWS::KMS::Key').find(([id]) => names.resolve({ 'Fn::GetAtt': [id, 'Arn'] }) === keyArn)?.[0];
      if (!keyId) throw new Error(`the topic's key ${keyArn} is not a key of the synthesized stack (an AWS managed key cannot admit RDS)`);
      topicKey = { arn: keyArn, policy: props(keyId).KeyPolicy as PolicyDocument };
    }
    return {
      subscriptionName: names.resolve({ Ref: subId }) as string,
      snsTopicArn,
      ...(sub.SourceType !== undefined ? { sourceType: str(sub.SourceType) } : {}),
      ...(sub.SourceIds !== undefined ? { sourceIds: (sub.SourceIds as unknown[]).map(String) } : {}),
      ...(sub.EventCategories !== undefined ? { eventCategories: (sub.EventCategories as unknown[]).map(String) } : {}),
      // AWS::RDS::EventSubscription Enabled: "If this parameter is not specified, the subscription is enabled" (default true).
      enabled: sub.Enabled !== false,
      // Several policies on one topic: SNS keeps one policy per topic; the construct makes one.
      ...(policies.length > 0 ? { topicPolicy: { Version: '2012-10-17', Statement: policies.flatMap((p) => (p.PolicyDocument as PolicyDocument).Statement) } } : {}),
      ...(topicKey ? { topicKey } : {}),
    };
  };
  const eventPaths = ofType('AWS::RDS::EventSubscription').map(([id]) => eventPathOf(id));
  // One subscription per source type, the instances' always: a second subscription of one type would deliver each
  // event twice, and without the db-instance one nothing would tell y's deletion.
  for (const [i, e] of eventPaths.entries()) {
    if (eventPaths.findIndex((o) => o.sourceType === e.sourceType) !== i) throw new Error(`the synthesized replica stack has two RDS event subscriptions of source type ${e.sourceType ?? '(all)'}, the simulation expects one per source type`);
  }
  const eventPath = only(
    eventPaths.filter((e) => e.sourceType === 'db-instance'),
    'db-instance event subscriptions',
  );
  eventPaths.sort((a, b) => (a === eventPath ? -1 : b === eventPath ? 1 : (a.sourceType ?? '').localeCompare(b.sourceType ?? '')));

  const alarms: AnyAlarmDefinition[] = ofType('AWS::CloudWatch::Alarm').map(([id]) => {
    const p = props(id);
    const evaluationPeriods = Number(p.EvaluationPeriods);
    const common = {
      name: typeof p.AlarmName === 'string' ? p.AlarmName : id,
      logicalId: id,
      threshold: Number(p.Threshold),
      comparison: p.ComparisonOperator as AlarmDefinition['comparison'],
      evaluationPeriods,
      // PutMetricAlarm, DatapointsToAlarm: defaults to EvaluationPeriods ("N out of N").
      datapointsToAlarm: p.DatapointsToAlarm === undefined ? evaluationPeriods : Number(p.DatapointsToAlarm),
      // PutMetricAlarm, TreatMissingData: "If you omit this parameter, the default behavior of missing is used."
      treatMissingData: (p.TreatMissingData as AlarmDefinition['treatMissingData'] | undefined) ?? 'missing',
    };
    if (p.Metrics !== undefined) {
      // The alarm watches the one query with ReturnData true; the project's alarms hold nothing else.
      const queries = p.Metrics as { Expression?: string; Period?: number; ReturnData?: boolean; MetricStat?: unknown }[];
      const watched = queries.filter((q) => q.ReturnData !== false);
      if (queries.length !== 1 || watched.length !== 1 || typeof watched[0]?.Expression !== 'string' || !/^\s*SELECT\b/i.test(watched[0].Expression)) {
        throw new Error(`alarm ${id} is neither a single-metric alarm nor one Metrics Insights query; the simulation evaluates only those`);
      }
      const expression = watched[0].Expression;
      return { ...common, expression, query: parseInsightsQuery(expression), period: Number(watched[0].Period) };
    }
    if (p.MetricName === undefined) throw new Error(`alarm ${id} is not a single-metric alarm; the simulation evaluates only those and Metrics Insights alarms`);
    const dims = Object.fromEntries(((p.Dimensions as { Name: string; Value: string }[] | undefined) ?? []).map((d) => [d.Name, String(d.Value)]));
    return {
      ...common,
      namespace: str(p.Namespace),
      metricName: str(p.MetricName),
      dimensions: dims,
      period: Number(p.Period),
      statistic: str(p.Statistic ?? p.ExtendedStatistic),
    };
  });

  const failureQueues = Object.fromEntries([...input.functions, ...(input.copyFunction ? ['copy-snapshot'] : [])].map((name) => [name, `${name}-failures`]));
  const [dlqId] = only(
    resources.filter(([id, r]) => r.Type === 'AWS::SQS::Queue' && id.startsWith('Events')),
    'event pipeline delivery dead-letter queues',
  );
  return { eventPath, eventPaths, alarms, failureQueues, deliveryDeadLetterQueue: names.resolve({ 'Fn::GetAtt': [dlqId, 'QueueName'] }) as string };
}

/** Reads the vault's inbox and its queue policy out of the synthesized construct. */
export async function vaultInboxDefinition(input: VaultInboxInput): Promise<VaultInboxDefinition> {
  const t = await template('vault-inbox', input, synthesizeVaultInbox);
  const names = new Names(t, input.vaultAccount, input.vaultRegion);
  const resources = Object.entries(t.Resources);
  // The inbox is the queue with a dead-letter queue of its own (RedrivePolicy); its dead-letter queue has none.
  const [queueId] = only(
    resources.filter(([, r]) => r.Type === 'AWS::SQS::Queue' && r.Properties?.RedrivePolicy !== undefined),
    'inbox queues',
    'vault inbox',
  );
  const queueUrl = names.resolve({ Ref: queueId }) as string;
  const policies = resources
    .filter(([, r]) => r.Type === 'AWS::SQS::QueuePolicy')
    .map(([id]) => names.resolve(t.Resources[id]?.Properties ?? {}) as { Queues?: string[]; PolicyDocument?: PolicyDocument })
    .filter((p) => p.Queues?.includes(queueUrl));
  // The queue's key, named by KmsMasterKeyId (the key's Fn::GetAtt Arn, or a Ref to it): its KeyPolicy as deployed.
  const keyRef = t.Resources[queueId]?.Properties?.KmsMasterKeyId as { 'Fn::GetAtt'?: [string, string]; Ref?: string } | undefined;
  const keyId = keyRef?.['Fn::GetAtt']?.[0] ?? keyRef?.Ref;
  const keyPolicy = keyId === undefined ? undefined : (names.resolve(t.Resources[keyId]?.Properties?.KeyPolicy) as PolicyDocument | undefined);
  if (keyRef !== undefined && keyPolicy === undefined) throw new Error(`the inbox's KmsMasterKeyId ${JSON.stringify(keyRef)} names no key of the synthesized vault inbox`);
  return {
    queueUrl,
    queueArn: names.resolve({ 'Fn::GetAtt': [queueId, 'Arn'] }) as string,
    // SQS keeps one policy per queue (SetQueueAttributes Policy); AWS::SQS::QueuePolicy sets it.
    policy: policies.length > 0 ? { Version: '2012-10-17', Statement: policies.flatMap((p) => p.PolicyDocument?.Statement ?? []) } : undefined,
    key: keyPolicy ? { policy: keyPolicy } : undefined,
  };
}
