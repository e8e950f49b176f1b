import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SourceInstances } from '../../../infra/features/source-instances';
import { pairSchema, type PairConfig } from '../../../lambdas/kernel/config';
import { ACCOUNT, iamStatements, newStack, rdsArn, resourcesAllowed, unacknowledgedNagFindings } from '../helpers';

const SOURCE = 'eu-west-1';
const CENTRAL_KEY = `arn:aws:kms:eu-central-1:${ACCOUNT}:key/cccccccc-1111-2222-3333-444444444444`;
const US_KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/dddddddd-1111-2222-3333-444444444444`;

function sourcePair(x: string, y: string, replicaRegion: string, extra: Record<string, unknown> = {}): PairConfig {
  return pairSchema.parse({ source: { instanceId: x, region: SOURCE }, replica: { instanceId: y, region: replicaRegion }, credentials: { mode: 'source' }, ...extra });
}

const PAIRS = [
  sourcePair('orders-prod', 'orders-staging', 'eu-central-1'),
  sourcePair('billing-prod', 'billing-staging', 'eu-central-1', { copy: { extraSnapshots: { cron: 'cron(0 */6 * * ? *)' } }, ownershipTag: { key: 'team', value: 'dba' } }),
  sourcePair('reports-prod', 'reports-staging', 'us-east-1', { copy: { replicaKmsKeyArn: US_KEY } }),
];

/** Grants on a bare role, so the template holds nothing else. */
function grants(pairs: PairConfig[], grant: (sources: SourceInstances, role: iam.IRole) => void) {
  const stack = newStack(SOURCE);
  const sources = new SourceInstances(stack, 'Sources', { pairs, replicaKeyArns: new Map([['eu-central-1', CENTRAL_KEY]]) });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  grant(sources, role);
  return { stack, statements: iamStatements(Template.fromStack(stack)) };
}

describe('SourceInstances', () => {
  describe('grantCopy', () => {
    const { stack, statements } = grants(PAIRS, (s, role) => s.grantCopy(role));

    it("copies x's snapshots (automated and manual names) into <x>-* of the pair's replica region only", () => {
      expect(resourcesAllowed(statements, 'rds:CopyDBSnapshot').sort()).toEqual(
        [
          ...['billing-prod', 'orders-prod', 'reports-prod'].flatMap((x) => [rdsArn(`snapshot:rds:${x}-*`, SOURCE), rdsArn(`snapshot:${x}-*`, SOURCE)]),
          rdsArn('snapshot:billing-prod-*', 'eu-central-1'),
          rdsArn('snapshot:orders-prod-*', 'eu-central-1'),
          rdsArn('snapshot:reports-prod-*', 'us-east-1'),
        ].sort(),
      );
    });

    it('tags only the copies', () => {
      expect(resourcesAllowed(statements, 'rds:AddTagsToResource').sort()).toEqual(
        [rdsArn('snapshot:billing-prod-*', 'eu-central-1'), rdsArn('snapshot:orders-prod-*', 'eu-central-1'), rdsArn('snapshot:reports-prod-*', 'us-east-1')].sort(),
      );
    });

    it('reads on "*" but mutates nothing there', () => {
      expect(statements.filter((s) => s.resources.includes('*')).flatMap((s) => s.actions)).toEqual(['rds:DescribeDBSnapshots']);
    });

    it("lets RDS use each replica region's copy key and x's region keys, each only through RDS of its region", () => {
      const grantsOf = statements.filter((s) => s.actions.includes('kms:CreateGrant')).map((s) => ({ resources: s.resources, condition: s.statement.Condition }));
      const via = (region: string) => ({ StringEquals: { 'kms:ViaService': `rds.${region}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } });
      expect(grantsOf).toEqual([
        { resources: [CENTRAL_KEY], condition: via('eu-central-1') },
        { resources: [US_KEY], condition: via('us-east-1') },
        { resources: [`arn:\${AWS::Partition}:kms:${SOURCE}:${ACCOUNT}:key/*`], condition: via(SOURCE) },
      ]);
      expect(resourcesAllowed(statements, 'kms:DescribeKey').sort()).toEqual([CENTRAL_KEY, US_KEY, `arn:\${AWS::Partition}:kms:${SOURCE}:${ACCOUNT}:key/*`].sort());
    });

    it('creates and deletes no snapshot', () => {
      expect(statements.flatMap((s) => s.actions).filter((a) => a === 'rds:CreateDBSnapshot' || a === 'rds:DeleteDBSnapshot')).toEqual([]);
    });

    it('leaves no cdk-nag finding unacknowledged', () => {
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });
  });

  describe('grantExtraSnapshots', () => {
    const { stack, statements } = grants(PAIRS, (s, role) => s.grantExtraSnapshots(role));

    it('takes and tags <x>-rr-* snapshots of the pairs with extra snapshots only', () => {
      expect(resourcesAllowed(statements, 'rds:CreateDBSnapshot')).toEqual([rdsArn('db:billing-prod', SOURCE), rdsArn('snapshot:billing-prod-rr-*', SOURCE)]);
      expect(resourcesAllowed(statements, 'rds:AddTagsToResource')).toEqual([rdsArn('snapshot:billing-prod-rr-*', SOURCE)]);
    });

    it("deletes <x>-rr-* in x's region only while it carries the pair's ownership tag, for every copied pair (extras taken before they were switched off)", () => {
      const deletes = statements.filter((s) => s.actions.includes('rds:DeleteDBSnapshot'));
      expect(deletes.map((s) => [s.resources, s.statement.Condition])).toEqual(
        expect.arrayContaining([
          [[rdsArn('snapshot:billing-prod-rr-*', SOURCE)], { StringEquals: { 'rds:snapshot-tag/team': 'dba' }, Null: { 'rds:snapshot-tag/replica-refresh:copied-from': 'true' } }],
          [[rdsArn('snapshot:orders-prod-rr-*', SOURCE), rdsArn('snapshot:reports-prod-rr-*', SOURCE)], { StringEquals: { 'rds:snapshot-tag/replica-refresh:managed': 'true' }, Null: { 'rds:snapshot-tag/replica-refresh:copied-from': 'true' } }],
        ]),
      );
      expect(deletes).toHaveLength(2);
    });

    it('leaves no cdk-nag finding unacknowledged', () => {
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });

    it('grants only the clean-up when no pair takes extra snapshots', () => {
      const only = grants([PAIRS[0] as PairConfig], (s, role) => s.grantExtraSnapshots(role)).statements;
      expect(only.flatMap((s) => s.actions)).toEqual(['rds:DeleteDBSnapshot']);
      // Never a copy (x and y in one region: the copy of an extra is named <extra>-copy and carries its tags).
      expect(only[0]?.statement.Condition).toEqual({ StringEquals: { 'rds:snapshot-tag/replica-refresh:managed': 'true' }, Null: { 'rds:snapshot-tag/replica-refresh:copied-from': 'true' } });
    });
  });

  it("lets RDS use each key only through RDS of the key's own region, a configured key by its ARN's region", () => {
    // Two pairs into us-east-1 (one with its own key there) and the project key of eu-central-1: three keys, two regions of keys, plus x's region.
    const { statements } = grants(
      [...PAIRS, sourcePair('ledger-prod', 'ledger-staging', 'us-east-1', { copy: { replicaKmsKeyArn: US_KEY } })],
      (s, role) => s.grantCopy(role),
    );
    const viaOf = (key: string) =>
      statements
        .filter((s) => s.actions.includes('kms:DescribeKey') && s.resources.includes(key))
        .map((s) => (s.statement.Condition?.StringEquals as Record<string, string> | undefined)?.['kms:ViaService']);
    expect(viaOf(CENTRAL_KEY)).toEqual(['rds.eu-central-1.amazonaws.com']);
    expect(viaOf(US_KEY)).toEqual(['rds.us-east-1.amazonaws.com']);
    // x's snapshot keys live in x's region, and only RDS of x's region may use them.
    expect(viaOf(`arn:\${AWS::Partition}:kms:${SOURCE}:${ACCOUNT}:key/*`)).toEqual([`rds.${SOURCE}.amazonaws.com`]);
  });

  it('fails for a copy key outside the replica region, where CopyDBSnapshot needs it', () => {
    const misplaced = sourcePair('orders-prod', 'orders-staging', 'eu-central-1', { copy: { replicaKmsKeyArn: US_KEY } });
    expect(() => grants([misplaced], () => undefined)).toThrow('copy.replicaKmsKeyArn of orders-staging must be a key in eu-central-1, where the copies go, got one in us-east-1');
  });

  it('fails for a pair whose snapshots the project does not copy', () => {
    const off = sourcePair('orders-prod', 'orders-staging', 'eu-central-1', { copy: { enabled: false } });
    expect(() => grants([off], () => undefined)).toThrow('the project does not copy the snapshots of orders-prod for orders-staging');
  });

  it('fails for a replica region with neither a project key nor a configured one', () => {
    expect(() => grants([sourcePair('orders-prod', 'orders-staging', 'ap-south-1')], () => undefined)).toThrow(
      'no key to encrypt copies into ap-south-1: set copy.replicaKmsKeyArn of orders-staging, or pass the project key of that region',
    );
  });

  it("fails for a source outside the stack's region", () => {
    const elsewhere = pairSchema.parse({ source: { instanceId: 'orders-prod', region: 'us-west-2' }, replica: { instanceId: 'orders-staging', region: 'eu-central-1' }, credentials: { mode: 'source' } });
    expect(() => grants([elsewhere], () => undefined)).toThrow(`source orders-prod is in us-west-2, not in this stack's region ${SOURCE}`);
  });

  it('fails in a stack without a concrete region and account', () => {
    expect(() => new SourceInstances(new Stack(new App(), 'Agnostic'), 'S', { pairs: PAIRS, replicaKeyArns: new Map() })).toThrow('stack Agnostic must have a concrete region and account');
  });
});
