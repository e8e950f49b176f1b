/**
 * The source-region infrastructure for Aurora x's: the EventBridge rule for cluster snapshot events
 * (infra/features/snapshot-events.ts), the copy function's grants on cluster snapshots scoped to x's and the copies'
 * names (infra/features/source-instances.ts), and a source-region stack with an Aurora pair beside a DB instance pair
 * that leaves no cdk-nag finding unacknowledged.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { parseConfig, pairSchema } from '../../../lambdas/kernel/config';
import { SnapshotEvents } from '../../../infra/features/snapshot-events';
import { SourceRegionStack } from '../../../infra/stacks/source-region-stack';
import { ACCOUNT, SKIP_BUNDLING, exampleConfig, iamStatements, newApp, newStack, resourcesAllowed, unacknowledgedNagFindings } from '../helpers';

const SOURCE = 'eu-west-1';
const KEY = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/cccccccc-1111-2222-3333-444444444444`;

/** The example's DB instance pair plus an Aurora pair (taking extra snapshots) from the same region. */
function config() {
  const input = exampleConfig();
  input.pairs.push({
    source: { clusterId: 'ledger-prod', region: SOURCE },
    replica: { clusterId: 'ledger-staging', region: 'eu-central-1', memberIds: ['ledger-staging-1'] },
    engine: 'aurora-postgresql',
    credentials: { mode: 'source' },
    copy: { extraSnapshots: { cron: 'cron(0 */6 * * ? *)' } },
  });
  return parseConfig(input);
}

function sourceStack() {
  const cfg = config();
  const pairs = cfg.pairs.filter((p) => p.source.region === SOURCE && p.replica.region !== SOURCE);
  const stack = new SourceRegionStack(newApp(SKIP_BUNDLING), 'Source', { env: { account: ACCOUNT, region: SOURCE }, config: cfg, pairs, replicaKeyArns: new Map([['eu-central-1', KEY]]) });
  return { stack, template: Template.fromStack(stack) };
}

const arn = (region: string, resource: string) => `arn:\${AWS::Partition}:rds:${region}:${ACCOUNT}:${resource}`;

describe('cluster snapshot events', () => {
  it('routes created cluster snapshots (0169, 0075) named after the x clusters to the copy function, in a rule of their own', () => {
    const stack = newStack(SOURCE);
    const handler = lambda.Function.fromFunctionArn(stack, 'Fn', `arn:aws:lambda:${SOURCE}:${ACCOUNT}:function:copy`);
    const events = new SnapshotEvents(stack, 'SnapshotEvents', { sourceIds: [], clusterSourceIds: ['ledger-prod'], handler });
    expect(events.rule).toBeUndefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Cluster Snapshot Event'],
        detail: { EventID: ['RDS-EVENT-0169', 'RDS-EVENT-0075'], SourceIdentifier: [{ prefix: 'rds:ledger-prod-' }, { prefix: 'ledger-prod-' }] },
      },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 }, DeadLetterConfig: Match.anyValue() })],
    });
  });

  it('fails when neither instances nor clusters are named', () => {
    const stack = newStack(SOURCE);
    const handler = lambda.Function.fromFunctionArn(stack, 'Fn', `arn:aws:lambda:${SOURCE}:${ACCOUNT}:function:copy`);
    expect(() => new SnapshotEvents(stack, 'SnapshotEvents', { sourceIds: [], clusterSourceIds: [], handler })).toThrow('sourceIds or clusterSourceIds must name at least one x, got none');
  });
});

describe('source-region stack with an Aurora x', () => {
  const { stack, template } = sourceStack();
  const copyRole = iamStatements(template).filter((s) => s.roles.some((r) => r.startsWith('${CopyRole')));

  it('has one rule per kind of x: DB snapshots of the instances, cluster snapshots of the clusters', () => {
    expect(Object.keys(template.findResources('AWS::Events::Rule'))).toHaveLength(2);
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['RDS DB Snapshot Event'], detail: Match.objectLike({ SourceIdentifier: [{ prefix: 'rds:orders-prod-' }, { prefix: 'orders-prod-' }] }) }) });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: Match.objectLike({ 'detail-type': ['RDS DB Cluster Snapshot Event'], detail: Match.objectLike({ SourceIdentifier: [{ prefix: 'rds:ledger-prod-' }, { prefix: 'ledger-prod-' }] }) }) });
  });

  it("lets the copy role copy x's cluster snapshots into <x>-* of y's region and tag them there, and nothing else", () => {
    expect(resourcesAllowed(copyRole, 'rds:CopyDBClusterSnapshot').sort()).toEqual(
      [arn(SOURCE, 'cluster-snapshot:rds:ledger-prod-*'), arn(SOURCE, 'cluster-snapshot:ledger-prod-*'), arn('eu-central-1', 'cluster-snapshot:ledger-prod-*')].sort(),
    );
    expect(resourcesAllowed(copyRole, 'rds:AddTagsToResource')).toEqual(
      expect.arrayContaining([arn('eu-central-1', 'cluster-snapshot:ledger-prod-*'), arn(SOURCE, 'cluster-snapshot:ledger-prod-rr-*')]) as unknown,
    );
    // The DB instance pair keeps its own grants, on DB snapshots only.
    expect(resourcesAllowed(copyRole, 'rds:CopyDBSnapshot').every((r) => r.includes(':snapshot:orders-prod-') || r.includes(':snapshot:rds:orders-prod-'))).toBe(true);
    expect(resourcesAllowed(copyRole, 'rds:DescribeDBClusterSnapshots')).toEqual(['*']);
  });

  it('takes and deletes only <x>-rr-* cluster snapshots of x, and deletes only those carrying the ownership tag', () => {
    expect(resourcesAllowed(copyRole, 'rds:CreateDBClusterSnapshot').sort()).toEqual([arn(SOURCE, 'cluster-snapshot:ledger-prod-rr-*'), arn(SOURCE, 'cluster:ledger-prod')].sort());
    const deletes = copyRole.filter((s) => s.actions.includes('rds:DeleteDBClusterSnapshot'));
    expect(deletes.map((s) => [s.resources, s.statement.Condition])).toEqual([[[arn(SOURCE, 'cluster-snapshot:ledger-prod-rr-*')], { StringEquals: { 'rds:cluster-snapshot-tag/replica-refresh:managed': 'true' }, Null: { 'rds:cluster-snapshot-tag/replica-refresh:copied-from': 'true' } }]]);
  });

  it('grants no mutating rds action on "*"', () => {
    const onStar = copyRole.filter((s) => s.resources.includes('*')).flatMap((s) => s.actions.filter((a) => a.startsWith('rds:')));
    expect(onStar.filter((a) => !/^rds:Describe/.test(a))).toEqual([]);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('bundles the Aurora pair in the copy configuration as a cluster', () => {
    const file = JSON.parse(stack.copy.configFile.text) as { pairs: { id: string }[] };
    const pair = pairSchema.parse(file.pairs.find((p) => p.id === 'ledger-staging'));
    expect([pair.source.kind, pair.source.identifier]).toEqual(['cluster', 'ledger-prod']);
  });
});
