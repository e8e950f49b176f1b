/**
 * The vault account, simulated (issue 18): a second AWS account with its own RDS in the vault region, its own KMS
 * key, ledger table and topic, the inbox queue production sends manifests to, and the vault function; and, in
 * production's replica region, the share function. Both functions are the real handlers (lambdas/handlers/
 * share-to-vault.ts, vault-copy.ts) with their real adapters, over SDK clients the simulator answers: production's
 * calls reach production's simulated RDS, the vault's reach the vault's, and the two accounts meet only where AWS lets
 * them (scripts/sim/sharing.ts): a shared snapshot, a key whose policy admits the vault, the inbox.
 *
 * Wiring as the CDK app deploys it (infra/features/vault-sharing.ts, infra/stacks/vault-stack.ts): the share
 * function on RDS-EVENT-0060 and 0042 snapshot events of y's region (EventBridge) and hourly; the vault function on
 * the inbox (an SQS event source) and hourly. The project key in y's region admits the vault account. The inbox
 * admits what its queue policy, synthesized from the real construct (infra/features/vault-inbox.ts), admits: the
 * share function sends as its role (lambdas/vault/names.ts shareRoleArn), and a send from any other principal is
 * refused with SQS's AccessDenied (scripts/sim/sqs.ts). The inbox is encrypted with the vault's key, whose policy
 * (synthesized with it) must admit the sender's use of the key through SQS too, or SQS answers KmsAccessDenied.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RDSClient } from '@aws-sdk/client-rds';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { ledgerClient } from '../../lambdas/aws/ledger';
import { SnsNotifier, notifyClient } from '../../lambdas/aws/notify';
import { VaultInbox, queueClient } from '../../lambdas/aws/queue';
import { RdsAdapter, replicaRdsClient } from '../../lambdas/aws/rds';
import { RdsClusterAdapter } from '../../lambdas/aws/rds-clusters';
import { RdsClusterSharing } from '../../lambdas/aws/rds-cluster-sharing';
import { keepingCalls, sharingCalls } from '../../lambdas/aws/vault-snapshots';
import { vaultInventoryReads } from '../cli/vault-account';
import { VaultLedger } from '../../lambdas/aws/vault-ledger';
import type { Config, RuntimeConfig } from '../../lambdas/kernel/config';
import type { VaultPair, VaultRuntimeConfig } from '../../lambdas/vault/config';
import type { VaultInventoryReads } from '../../lambdas/vault/audit';
import { readInventory } from '../../lambdas/vault/audit';
import { VAULT_CONFIG_FILE_ENV, VAULT_RESOURCES_ENV, loadVaultConfig, vaultConfigFileText } from '../../lambdas/vault/config';
import type { RecoverDeps } from '../../lambdas/vault/recover';
import { KeptSnapshots } from '../../lambdas/vault/snapshots';
import { clusterGateway } from '../../lambdas/targets/cluster/gateway';
import { VAULT_KEY_ALIAS, shareRoleArn, vaultInboxArn, vaultInboxUrl } from '../../lambdas/vault/names';
import type { VirtualClock } from './clock';
import type { LocalDynamo } from './dynamo';
import { SimKms } from './kms';
import type { DeadLetter, Invocation } from './lambda';
import { SimLambda } from './lambda';
import { answerFromSimulator, interceptCalls, retryWithoutDelay } from './middleware';
import { Random } from './random';
import type { RdsTimings } from './rds';
import { SimRds } from './rds';
import { SimTopic } from './sns';
import { SimQueue } from './sqs';
import type { PolicyDocument } from './synth';
import { vaultInboxDefinition } from './synth';
import type { SimTelemetry } from './telemetry';

const SIM_CREDENTIALS = { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' };

/** The share function's RDS events (infra/features/vault-sharing.ts's rule): a cross-region copy finished, a manual snapshot created. */
const SHARE_EVENTS = ['RDS-EVENT-0060', 'RDS-EVENT-0042'];

/** What the vault needs of the production simulation it joins. */
export interface VaultHost {
  clock: VirtualClock;
  dynamo: LocalDynamo;
  full: Config;
  /** The replica region's runtime configuration (with `vault`), which the share function reads. */
  runtime: RuntimeConfig;
  /** The environment that names that configuration (its file and resources), as the share function is deployed with it. */
  runtimeEnv: Record<string, string | undefined>;
  /** Production's RDS in every simulated region. */
  regions: Map<string, SimRds>;
  /** Production's KMS and the project key in y's region, which the vault must be admitted to. */
  kms: SimKms;
  projectKeyArn: string;
  timings: RdsTimings;
  telemetry: SimTelemetry;
  configDir: string;
  /** Records an IAM action called by a function. */
  called(fn: string, service: string, command: string): void;
  /** Answers a production RDS call in a region (the simulation's own routing). */
  productionRds(region: string, command: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Answers a production SNS call (the notifications topic). */
  productionSns(command: string, input: Record<string, unknown>): Record<string, unknown>;
  toDlq(letter: DeadLetter): void;
  observe(invocation: Invocation): void;
  step(replica: string, text: string): void;
}

/** The vault account and the two functions that feed it. */
export class SimVault {
  /**
   * The vault's own random stream: its functions' timings do not shift those of production, so a seed tells the same
   * story of production's nights with or without a vault.
   */
  private readonly random = new Random(0x7a017);
  public readonly rds: SimRds;
  public readonly kms: SimKms;
  public readonly keyArn: string;
  public readonly topic: SimTopic;
  public readonly inbox: SimQueue;
  public readonly config: VaultRuntimeConfig;
  public readonly ledger: VaultLedger;
  /** The vault account's RDS in y's regions other than its own (where it lists what production shared). */
  public readonly replicaRegions = new Map<string, SimRds>();
  public share!: SimLambda;
  public fn!: SimLambda;

  private constructor(
    private readonly host: VaultHost,
    config: VaultRuntimeConfig,
    ledgerTable: string,
    private readonly vaultEnv: Record<string, string>,
    inbox: { policy: PolicyDocument | undefined; key: { policy: PolicyDocument } | undefined },
  ) {
    const vault = host.full.vault!;
    this.config = config;
    this.kms = new SimKms(vault.account);
    this.keyArn = this.kms.create(vault.region, 'sim-vault-key', VAULT_KEY_ALIAS.replace(/^alias\//, ''));
    this.rds = new SimRds(vault.region, vault.account, host.clock, this.random, { ...host.timings });
    this.rds.kms = this.kms;
    this.rds.regions = new Map([[vault.region, this.rds]]);
    // The vault account in each y's region too, where it finds what production shared (a snapshot is listed in its own region).
    for (const region of new Set(config.pairs.map((p) => p.replicaRegion))) {
      if (region === vault.region) continue;
      const there = new SimRds(region, vault.account, host.clock, this.random, { ...host.timings });
      there.kms = this.kms;
      this.replicaRegions.set(region, there);
    }
    // The two accounts in one cloud: a shared snapshot of production is found by the vault through it.
    const cloud = new Map<string, SimRds>([[`${vault.account}/${vault.region}`, this.rds]]);
    for (const [region, sim] of this.replicaRegions) cloud.set(`${vault.account}/${region}`, sim);
    for (const [region, sim] of host.regions) cloud.set(`${host.full.account}/${region}`, sim);
    for (const sim of cloud.values()) sim.cloud = cloud;
    // The project key's policy admits the vault account (infra/platform/snapshot-key.ts, with a vault configured).
    host.kms.admit(host.projectKeyArn, vault.account);
    this.topic = new SimTopic(config.notificationTopicArn, host.clock, this.random);
    this.inbox = new SimQueue(vaultInboxUrl(vault), vaultInboxArn(vault), host.clock, this.random, { visibilityTimeoutSeconds: 360, maxReceiveCount: 3 }, (message, error) =>
      host.toDlq({ function: 'vault-copy', time: host.clock.now(), event: message.body, error }),
    );
    this.inbox.policy = inbox.policy;
    // The inbox is encrypted with the vault's key, under the key policy the vault stack deploys.
    this.inbox.key = inbox.key ? { arn: this.keyArn, policy: inbox.key.policy } : undefined;
    this.ledger = new VaultLedger(retryWithoutDelay(ledgerClient(vault.region, { ...host.dynamo.transport, credentials: SIM_CREDENTIALS })), ledgerTable);
  }

  /** Creates the vault account, its functions and their schedules, beside a production simulation. */
  public static async create(host: VaultHost): Promise<SimVault> {
    const vault = host.full.vault;
    if (!vault) throw new Error('the configuration has no vault');
    const ledgerTable = await host.dynamo.createTable('replica-refresh-vault-ledger', { partitionKey: 'pk', sortKey: 'sk' });
    // The vault function's configuration as the vault stack bundles it: the file, and its resources in the environment.
    const dir = join(host.configDir, 'vault');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'vault-config.json');
    writeFileSync(file, vaultConfigFileText(host.full));
    const keyArn = `arn:aws:kms:${vault.region}:${vault.account}:key/sim-vault-key`;
    const env = {
      [VAULT_CONFIG_FILE_ENV]: file,
      [VAULT_RESOURCES_ENV]: JSON.stringify({ keyArn, ledgerTableName: ledgerTable, notificationTopicArn: `arn:aws:sns:${vault.region}:${vault.account}:replica-refresh-vault-notifications` }),
    };
    const config = loadVaultConfig({ env, dir });
    // The inbox as the vault stack deploys it, its queue policy naming production's share role of each replica region.
    const inbox = await vaultInboxDefinition({ productionAccount: host.full.account, vaultAccount: vault.account, vaultRegion: vault.region, replicaRegions: [...new Set(host.full.pairs.map((p) => p.replica.region))] });
    if (inbox.queueUrl !== vaultInboxUrl(vault)) throw new Error(`the synthesized inbox is ${inbox.queueUrl}, but production sends to ${vaultInboxUrl(vault)} (lambdas/vault/names.ts)`);
    const sim = new SimVault(host, config, ledgerTable, env, inbox);
    await sim.build();
    return sim;
  }

  /**
   * An SQS client that calls the vault's inbox as an IAM role of any account (not one of the functions): what the
   * queue policy makes of a sender other than production's share roles.
   */
  public inboxClient(principalArn: string): SQSClient {
    const sqs = retryWithoutDelay(queueClient(this.rds.region, { credentials: SIM_CREDENTIALS }));
    answerFromSimulator(sqs, (command, input) => this.inbox.sendAs(principalArn, command, input));
    return sqs;
  }

  /** An RDS client of the vault account in a region (its own by default), answered by the vault's simulated RDS there. */
  public vaultRdsClient(fn: string, region = this.rds.region): RDSClient {
    const sim = region === this.rds.region ? this.rds : this.replicaRegions.get(region);
    if (!sim) throw new Error(`the simulated vault account has no RDS in ${region}`);
    const client = retryWithoutDelay(replicaRdsClient(region, { credentials: SIM_CREDENTIALS }));
    answerFromSimulator(client, (command, input) => (this.host.called(fn, 'rds', command), sim.handle(command, input)));
    return client;
  }

  /** What `npm run vault --local` reads: the vault's RDS and ledger only, its key, at the simulated time. */
  public inventoryReads(pairs: readonly VaultPair[]): VaultInventoryReads {
    return vaultInventoryReads(this.vaultRdsClient('vault-inventory'), pairs, this.ledger, this.keyArn, this.host.clock.now());
  }

  /** The dependencies of `recover --local`: the vault's RDS and ledger only, on the simulated clock. */
  public recoverDeps(progress: (line: string) => void): RecoverDeps {
    const clock = this.host.clock;
    const client = this.vaultRdsClient('recover');
    const rds = new RdsAdapter(client);
    const sharing = new RdsClusterSharing(client);
    return {
      rds,
      clusters: { listTaggedManualSnapshots: (tag) => sharing.listTaggedManual(tag), gateway: clusterGateway(new RdsClusterAdapter(client), rds) },
      ledger: this.ledger,
      now: clock.now,
      // The world goes on while the operator waits: RDS's status changes, schedules and events of the simulated clock.
      sleep: (ms) => clock.run(clock.millis + ms),
      progress,
    };
  }

  private async build(): Promise<void> {
    const host = this.host;
    const vault = host.full.vault!;
    // The handler modules build their Lambda runtime when first loaded, from the configuration the environment names:
    // this simulation's (the share function's has a vault), whatever an earlier simulation of the process left there.
    const [{ createHandler: shareHandler }, { createHandler: vaultHandler }] = await withEnv({ ...host.runtimeEnv, ...this.vaultEnv }, () =>
      Promise.all([import('../../lambdas/handlers/share-to-vault'), import('../../lambdas/handlers/vault-copy')]),
    );

    // Production's share function in y's region: its RDS calls reach production, its SendMessage the vault's inbox,
    // as its role (infra/features/vault-sharing.ts names it shareRoleName(region)).
    const sns = retryWithoutDelay(notifyClient(host.runtime.region, { credentials: SIM_CREDENTIALS }));
    answerFromSimulator(sns, (command, input) => (host.called('share-to-vault', 'sns', command), Promise.resolve(host.productionSns(command, input))));
    const sqs = retryWithoutDelay(queueClient(vault.region, { credentials: SIM_CREDENTIALS }));
    const shareRole = shareRoleArn(host.full.account, host.runtime.region);
    answerFromSimulator(sqs, (command, input) => (host.called('share-to-vault', 'sqs', command), this.inbox.sendAs(shareRole, command, input)));
    const productionRds = (region: string) => {
      const client = retryWithoutDelay(replicaRdsClient(region, { credentials: SIM_CREDENTIALS }));
      answerFromSimulator(client, (command, input) => (host.called('share-to-vault', 'rds', command), host.productionRds(region, command, input)));
      return client;
    };
    const kinds = new Set(this.config.pairs.map((p) => p.kind ?? 'instance'));
    const sources = new Map<string, { describeInstance: RdsAdapter['describeInstance']; describeCluster: RdsClusterAdapter['describeCluster'] }>();
    const share = shareHandler({
      config: host.runtime,
      deps: {
        snapshots: sharingCalls(productionRds(host.runtime.region), kinds),
        sourceRds: (region) => {
          let found = sources.get(region);
          if (!found) {
            const client = productionRds(region);
            const instances = new RdsAdapter(client);
            const clusters = new RdsClusterAdapter(client);
            sources.set(region, (found = { describeInstance: (id) => instances.describeInstance(id), describeCluster: (id) => clusters.describeCluster(id) }));
          }
          return found;
        },
        inbox: new VaultInbox(sqs, vaultInboxUrl(vault)),
        notifier: new SnsNotifier(sns, host.runtime.notificationTopicArn),
        telemetry: host.telemetry,
        now: host.clock.now,
      },
    });
    this.share = new SimLambda('share-to-vault', host.clock, this.random, (e) => share(e), 2, (l) => host.toDlq(l), undefined, (i) => host.observe(i));

    // The vault function, with the vault account's clients only.
    const vaultSns = retryWithoutDelay(notifyClient(vault.region, { credentials: SIM_CREDENTIALS }));
    answerFromSimulator(vaultSns, (command, input) => {
      host.called('vault-copy', 'sns', command);
      const subject = typeof input.Subject === 'string' ? input.Subject : '';
      const id = this.topic.publish(typeof input.Message === 'string' ? input.Message : '', subject, {});
      host.step('*', `vault alert: ${subject}`);
      return Promise.resolve({ MessageId: id });
    });
    const vaultDynamo = retryWithoutDelay(ledgerClient(vault.region, { ...host.dynamo.transport, credentials: SIM_CREDENTIALS }));
    interceptCalls(vaultDynamo, (command, _input, pass) => (host.called('vault-copy', 'dynamodb', command), pass()));
    const keep = vaultHandler({
      config: this.config,
      deps: {
        sharedIn: (region) => new KeptSnapshots(keepingCalls(this.vaultRdsClient('vault-copy', region), kinds)),
        rds: new KeptSnapshots(keepingCalls(this.vaultRdsClient('vault-copy'), kinds)),
        ledger: new VaultLedger(vaultDynamo, this.config.ledgerTableName),
        notifier: new SnsNotifier(vaultSns, this.config.notificationTopicArn),
        telemetry: host.telemetry,
        now: host.clock.now,
      },
    });
    this.fn = new SimLambda('vault-copy', host.clock, this.random, (e) => keep(e), 2, (l) => host.toDlq(l), undefined, (i) => host.observe(i));
    this.inbox.subscribe(this.fn);

    // EventBridge in y's region: the share rule's snapshot events go to the share function.
    host.regions.get(host.runtime.region)?.eventBus.push((event) => {
      if (event.sourceType !== 'db-snapshot' || !SHARE_EVENTS.includes(event.eventId)) return;
      this.share.invokeAsync({
        version: '0',
        'detail-type': 'RDS DB Snapshot Event',
        source: 'aws.rds',
        account: host.full.account,
        time: event.time.toISOString(),
        region: host.runtime.region,
        resources: [event.sourceArn],
        detail: { EventCategories: [event.category], SourceType: 'SNAPSHOT', SourceArn: event.sourceArn, Date: event.time.toISOString(), Message: event.message, SourceIdentifier: event.sourceId, EventID: event.eventId },
      });
    });
    // The hourly schedules of both functions.
    const hour = 3_600_000;
    const tick = (at: number) =>
      host.clock.at(at, 'vault schedules', () => {
        this.share.invokeAsync({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
        this.fn.invokeAsync({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });
        tick(at + hour);
      });
    tick(Math.ceil(host.clock.millis / hour) * hour);
  }

  /**
   * One line per pair, from the inventory `npm run vault` draws up (lambdas/vault/audit.ts): how many copies the vault
   * holds of its x, and how old the newest one's data is.
   */
  public async summary(): Promise<string[]> {
    const vault = this.host.full.vault!;
    const inventory = await readInventory(this.inventoryReads(this.config.pairs), this.config.pairs, vault);
    return inventory.map(
      (r) =>
        `vault ${vault.account}/${vault.region}: ${r.copies.available} copies of ${r.source} (${r.copies.copying} in flight), newest data ${r.newest?.dataTime ?? 'none'} (${r.newest ? `${r.newest.ageHours.toFixed(1)} h` : '-'} old; RPO alarm at ${this.config.rpoHours} h)${r.attention.length > 0 ? `: ${r.attention.join('; ')}` : ''}`,
    );
  }

}

/**
 * Runs `load` with the process environment set to `env`, then restores what was there: a handler module reads its
 * configuration from the environment when first loaded (in Lambda, from what the stack deployed it with).
 */
async function withEnv<T>(env: Record<string, string | undefined>, load: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const set = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(env);
  try {
    return await load();
  } finally {
    set(saved);
  }
}
