/**
 * The RDS event path as the simulation enforces it: subscriptions resolve their SourceIds at creation and match
 * resources, not names; RDS's publish is evaluated against the topic policy and key policy that the project's
 * EventPipeline construct synthesizes; a refused publish turns the subscription no-permission. End to end, a dead event
 * path still refreshes every night (the watchdog carries it) and its alarm fires during the first night.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SourceNotFoundFault, SubscriptionNotFoundFault } from '@aws-sdk/client-rds';
import { VirtualClock } from '../../../scripts/sim/clock';
import { RDS_EVENTS_PRINCIPAL, SimRds } from '../../../scripts/sim/rds';
import { Random } from '../../../scripts/sim/random';
import { SimTopic } from '../../../scripts/sim/sns';
import type { EventPathDefinition, PolicyDocument } from '../../../scripts/sim/synth';
import { replicaStackDefinition } from '../../../scripts/sim/synth';
import { Simulation } from '../../../scripts/sim/world';
import { FIXED_TIMINGS } from '../../support/regions';

const ACCOUNT = '111111111111';
const REGION = 'eu-central-1';
const config = (JSON.parse(readFileSync(join(__dirname, '../../../cdk.json'), 'utf8')) as { context: { replicaRefresh: unknown } }).context.replicaRefresh;
const TIMINGS = FIXED_TIMINGS;

/** The event path exactly as EventPipeline synthesizes it for this account and region. */
function synthesizedEventPath(): Promise<EventPathDefinition> {
  return replicaStackDefinition({
    account: ACCOUNT,
    region: REGION,
    replicaIds: ['orders-staging'],
    rtoTargetMinutes: 45,
    alarms: { rtoMissed: true, noSuccessWithinHours: 26, runFailed: true, refused: true, restoreOverdue: true },
    functions: ['start-refresh', 'on-rds-event', 'watchdog'],
    manualSnapshotAlarms: [],
    copyFunction: false,
    watchdogIntervalMinutes: 5,
  }).then((d) => d.eventPath);
}

/** A region with an available snapshot of x, a topic with the given policies, and y restored from the snapshot. */
async function region(topicPolicy: PolicyDocument | undefined, key?: { arn: string; policy: PolicyDocument }) {
  const clock = new VirtualClock(new Date('2026-11-21T00:00:00Z'));
  const rds = new SimRds(REGION, ACCOUNT, clock, new Random(1), TIMINGS);
  const topic = new SimTopic(`arn:aws:sns:${REGION}:${ACCOUNT}:rds-events`, clock, new Random(2));
  topic.policy = topicPolicy;
  topic.key = key;
  rds.topics = new Map([[topic.arn, topic]]);
  const snap = rds.arriveCopy({ id: 's1', sourceInstanceId: 'x', sourceDbiResourceId: 'db-X', sourceRegion: 'eu-west-1', sourceSnapshotId: 'rds:s1', dataTime: new Date('2026-11-20T00:10:00Z'), engine: 'postgres', engineVersion: '16.6', allocatedStorage: 100, port: 5432 });
  await clock.run(clock.millis + 1_800_000);
  expect(snap.Status).toBe('available');
  const restoreY = async () => {
    await rds.handle('RestoreDBInstanceFromDBSnapshotCommand', { DBInstanceIdentifier: 'y', DBSnapshotIdentifier: 's1' });
    await clock.run(clock.millis + 1_900_000);
  };
  const deleteY = async () => {
    await rds.handle('DeleteDBInstanceCommand', { DBInstanceIdentifier: 'y', SkipFinalSnapshot: true });
    await clock.run(clock.millis + 400_000);
  };
  /** Event ids of y that reached the topic, in order. */
  const delivered = () => topic.messages.map((m) => m.message).filter((m) => m.startsWith('{')).map((m) => (JSON.parse(m) as Record<string, string>)['Event ID']?.replace(/.*#/, '') ?? '');
  return { clock, rds, topic, restoreY, deleteY, delivered };
}

/** A topic policy that admits RDS for any of this account's instances in the region (the documented form). */
const DB_STAR: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: RDS_EVENTS_PRINCIPAL },
      Action: 'sns:Publish',
      Resource: `arn:aws:sns:${REGION}:${ACCOUNT}:rds-events`,
      Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:rds:${REGION}:${ACCOUNT}:db:*` } },
    },
  ],
};

describe('RDS event subscriptions', () => {
  it('fails with "SourceNotFound" when a listed source does not exist, with the message RDS gives', async () => {
    const { rds } = await region(DB_STAR);
    const create = rds.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'sub', SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:rds-events`, SourceType: 'db-instance', SourceIds: ['y'] });
    await expect(create).rejects.toBeInstanceOf(SourceNotFoundFault);
    await expect(create).rejects.toMatchObject({ message: 'Could not find source :y' });
    expect(rds.subscriptions.size).toBe(0);
  });

  it('turns "all-sources-deleted" once every listed source is deleted, and delivers nothing of a y re-created under the same name', async () => {
    const { clock, rds, restoreY, deleteY, delivered } = await region(DB_STAR);
    await restoreY();
    await rds.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'sub', SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:rds-events`, SourceType: 'db-instance', SourceIds: ['y'], EventCategories: ['deletion', 'restoration', 'creation'] });
    await clock.run(clock.millis + 61_000);
    expect(rds.subscription('sub')).toMatchObject({ Status: 'active', SourceIdsList: ['y'], EventCategoriesList: ['deletion', 'restoration', 'creation'], Enabled: true });
    await deleteY();
    expect(rds.subscription('sub')?.Status).toBe('all-sources-deleted');
    expect(delivered()).toEqual(['RDS-EVENT-0003']);
    // The new y has the old name, not the old resource: none of its events is delivered.
    await restoreY();
    expect(rds.instances.get('y')?.DBInstanceStatus).toBe('available');
    expect(delivered()).toEqual(['RDS-EVENT-0003']);
    expect(rds.subscription('sub')?.Status).toBe('all-sources-deleted');
  });

  it('delivers every db-instance event of the region to a subscription without SourceIds, across a delete and a restore', async () => {
    const { clock, rds, restoreY, deleteY, delivered } = await region(DB_STAR);
    await restoreY();
    await rds.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'sub', SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:rds-events`, SourceType: 'db-instance' });
    await clock.run(clock.millis + 61_000);
    await deleteY();
    await restoreY();
    expect(delivered()).toEqual(['RDS-EVENT-0003', 'RDS-EVENT-0043', 'RDS-EVENT-0005', 'RDS-EVENT-0001', 'RDS-EVENT-0002']);
    expect(rds.subscription('sub')?.Status).toBe('active');
  });

  it('reports "creating" then "active" with DescribeEventSubscriptions, and SubscriptionNotFound for an unknown name', async () => {
    const { clock, rds } = await region(DB_STAR);
    await rds.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'sub', SnsTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:rds-events`, SourceType: 'db-instance' });
    const first = (await rds.handle('DescribeEventSubscriptionsCommand', { SubscriptionName: 'sub' })).EventSubscriptionsList as { Status: string; CustSubscriptionId: string }[];
    expect(first).toEqual([expect.objectContaining({ Status: 'creating', CustSubscriptionId: 'sub' })]);
    await clock.run(clock.millis + 61_000);
    expect(rds.subscription('sub')?.Status).toBe('active');
    await expect(rds.handle('DescribeEventSubscriptionsCommand', { SubscriptionName: 'other' })).rejects.toBeInstanceOf(SubscriptionNotFoundFault);
    await expect(rds.handle('DescribeEventSubscriptionsCommand', { SubscriptionName: 'other' })).rejects.toMatchObject({ message: 'Event Subscription other not found.' });
  });
});

describe("RDS's publish to the events topic", () => {
  it('admits RDS for a DB instance of this account and region under the synthesized topic and key policy, and nobody else', async () => {
    const path = await synthesizedEventPath();
    expect(path.topicKey).toBeDefined();
    const topic = new SimTopic(path.snsTopicArn, new VirtualClock(new Date()), new Random(1));
    topic.policy = path.topicPolicy;
    topic.key = path.topicKey;
    const as = (sourceArn: string, sourceAccount = ACCOUNT) => topic.authorize({ principal: RDS_EVENTS_PRINCIPAL, sourceArn, sourceAccount });
    expect(await as(`arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-staging`)).toBeUndefined();
    expect(await as(`arn:aws:rds:${REGION}:222222222222:db:orders-staging`, '222222222222')).toMatchObject({ action: 'sns:Publish' });
    expect(await as(`arn:aws:rds:eu-west-1:${ACCOUNT}:db:orders-prod`)).toMatchObject({ action: 'sns:Publish' });
    expect(await topic.authorize({ principal: 'events.amazonaws.com', sourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:orders-staging`, sourceAccount: ACCOUNT })).toMatchObject({ action: 'sns:Publish' });
  });

  it('turns "no-permission" and drops the event when the topic policy admits only event subscriptions (:es:*, the old EventPipeline form)', async () => {
    const esOnly: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ ...DB_STAR.Statement[0], Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT }, ArnLike: { 'aws:SourceArn': `arn:aws:rds:${REGION}:${ACCOUNT}:es:*` } } }],
    };
    const { clock, rds, topic, restoreY, deleteY, delivered } = await region(esOnly);
    await restoreY();
    await rds.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'sub', SnsTopicArn: topic.arn, SourceType: 'db-instance' });
    await clock.run(clock.millis + 61_000);
    await deleteY();
    expect(delivered()).toEqual([]);
    expect(rds.subscription('sub')?.Status).toBe('no-permission');
    expect(topic.denied.at(-1)).toMatchObject({ action: 'sns:Publish', publisher: { sourceArn: `arn:aws:rds:${REGION}:${ACCOUNT}:db:y`, sourceAccount: ACCOUNT } });
  });

  it('turns "no-permission" when the topic key does not admit RDS, though the topic policy does', async () => {
    const path = await synthesizedEventPath();
    const rootOnly: PolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    const { clock, rds, topic, restoreY, deleteY, delivered } = await region(DB_STAR, { arn: path.topicKey!.arn, policy: rootOnly });
    await restoreY();
    await rds.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'sub', SnsTopicArn: topic.arn, SourceType: 'db-instance' });
    await clock.run(clock.millis + 61_000);
    await deleteY();
    expect(delivered()).toEqual([]);
    expect(rds.subscription('sub')?.Status).toBe('no-permission');
    expect(topic.denied.at(-1)).toMatchObject({ action: 'kms:GenerateDataKey', resourceArn: path.topicKey!.arn });
  });

  it('comes back from "no-permission" to active once a publish is admitted again (assumed)', async () => {
    const { clock, rds, topic, restoreY, deleteY, delivered } = await region({ Version: '2012-10-17', Statement: [] });
    await restoreY();
    await rds.handle('CreateEventSubscriptionCommand', { SubscriptionName: 'sub', SnsTopicArn: topic.arn, SourceType: 'db-instance' });
    await clock.run(clock.millis + 61_000);
    await deleteY();
    expect(rds.subscription('sub')?.Status).toBe('no-permission');
    topic.policy = DB_STAR;
    await restoreY();
    expect(rds.subscription('sub')?.Status).toBe('active');
    expect(delivered()).toEqual(['RDS-EVENT-0043', 'RDS-EVENT-0005', 'RDS-EVENT-0001', 'RDS-EVENT-0002']);
  });
});

describe('the event path of the simulated account', () => {
  it("is the EventPipeline construct's: the subscription's name in the functions' configuration, its SourceIds, categories and policies", async () => {
    const sim = await Simulation.create({ config, seed: 5 });
    try {
      const path = sim.stack.eventPath;
      expect(sim.config.eventSubscriptionNames).toEqual([path.subscriptionName]);
      expect(sim.rds.subscription(path.subscriptionName)).toMatchObject({ Status: 'active', SourceType: path.sourceType, SnsTopicArn: sim.eventsTopic.arn });
      expect(sim.rds.subscription(path.subscriptionName)?.SourceIdsList).toEqual(path.sourceIds);
      expect(sim.eventsTopic.policy).toEqual(path.topicPolicy);
      expect(sim.eventsTopic.key).toEqual(path.topicKey);
    } finally {
      await sim.close();
    }
  });

  it('"dead-event-path": the subscription turns no-permission, every night still refreshes, and an alarm naming the event path fires during the first night', async () => {
    const sim = await Simulation.create({ config, seed: 7, faults: [{ name: 'dead-event-path' }] });
    try {
      await sim.runNights(3);
      const runs = await sim.history('orders-staging');
      expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
      // No RDS event reached on-rds-event: the watchdog carried every night.
      for (const run of runs) expect(run).toMatchObject({ deletedSource: 'poll', usableSource: 'poll' });
      expect(sim.rds.subscription(sim.stack.eventPath.subscriptionName)?.Status).toBe('no-permission');
      expect(sim.eventsTopic.denied.length).toBeGreaterThan(0);
      const firstNightEnds = new Date('2026-11-17T12:00:00Z').getTime();
      const eventPathAlarm = sim.alarms.find((a) => a.name === `replica-refresh-${REGION}-event-path`);
      expect(eventPathAlarm?.time.getTime()).toBeLessThan(firstNightEnds);
      // The region's alarms over the replicas: orders-staging is the contributor that went into ALARM, the first night.
      for (const what of ['deletion-missed', 'usable-missed', 'polled']) {
        const name = `replica-refresh-${REGION}-event-path-${what}`;
        const firstForReplica = sim.alarms.find((a) => a.name === name && a.contributor?.replica === 'orders-staging');
        expect(firstForReplica?.time.getTime()).toBeLessThan(firstNightEnds);
        // Its notification names the contributor by its attributes, the metric's dimensions.
        const notes = sim.notified().filter((m) => m.attributes.source === 'cloudwatch-alarm' && (JSON.parse(m.message) as { AlarmName: string }).AlarmName === name);
        expect(notes.map((m) => JSON.parse(m.message) as { NewStateValue: string; AlarmContributor?: { ContributorAttributes: Record<string, string> } })).toContainEqual(
          expect.objectContaining({ NewStateValue: 'ALARM', AlarmContributor: expect.objectContaining({ ContributorAttributes: { replica: 'orders-staging' } }) as unknown }),
        );
      }
    } finally {
      await sim.close();
    }
  });
});
