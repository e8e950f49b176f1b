import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BackupReplication, type BackupReplicationEntry } from '../../../infra/features/backup-replication';
import { ACCOUNT, REGION, iamStatements, newStack, render, resourcesAllowed, unacknowledgedNagFindings } from '../helpers';

const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/aaaaaaaa-1111-2222-3333-444444444444`;
const entry = (overrides: Partial<BackupReplicationEntry> = {}): BackupReplicationEntry => ({
  sourceInstanceId: 'ledger-prod',
  sourceRegion: 'eu-west-1',
  retentionDays: 10,
  kmsKeyArn: KEY,
  ...overrides,
});

interface SdkCall {
  service: string;
  action: string;
  region: string;
  parameters: Record<string, unknown>;
  physicalResourceId?: { id: string };
  outputPaths?: string[];
  ignoreErrorCodesMatching?: string;
}

function customResources(template: Template) {
  return Object.values(template.findResources('Custom::RdsBackupReplication') as unknown as Record<string, { Properties: { Create: unknown; Delete: unknown; Update?: unknown } }>);
}

describe('BackupReplication', () => {
  let stack: Stack;
  let template: Template;
  let calls: { create: SdkCall; delete?: unknown };

  beforeAll(() => {
    stack = newStack();
    new BackupReplication(stack, 'BackupReplication', { replications: [entry()] });
    template = Template.fromStack(stack);
    const props = customResources(template)[0]?.Properties;
    calls = { create: JSON.parse(render(props?.Create)) as SdkCall, delete: props?.Delete };
  });

  it('is one custom resource with a create call only: no update (RDS cannot modify a replication)', () => {
    const resources = customResources(template);
    expect(resources).toHaveLength(1);
    expect(resources[0]?.Properties.Update).toBeUndefined();
  });

  it("starts the replication in this region with x's ARN, the retention and the key, and no SourceRegion (SDK v3 presigns from the ARN)", () => {
    expect(calls.create).toMatchObject({ service: 'RDS', action: 'StartDBInstanceAutomatedBackupsReplication', region: REGION });
    expect(calls.create.parameters).toEqual({
      SourceDBInstanceArn: `arn:\${AWS::Partition}:rds:eu-west-1:${ACCOUNT}:db:ledger-prod`,
      BackupRetentionPeriod: 10,
      KmsKeyId: KEY,
    });
    expect(calls.create.physicalResourceId).toEqual({ id: `eu-west-1/ledger-prod->${REGION}` });
    // CloudFormation takes at most 4 KB of response data.
    expect(calls.create.outputPaths).toEqual(['DBInstanceAutomatedBackup.DBInstanceAutomatedBackupsArn']);
  });

  it('never stops a replication: no delete call, since a rolled-back create would stop one the project did not start', () => {
    expect(calls.delete).toBeUndefined();
  });

  it("scopes the provider's RDS rights to x's ARN (and the auto-backups RDS names) and its KMS rights to RDS", () => {
    const statements = iamStatements(template);
    const x = `arn:\${AWS::Partition}:rds:eu-west-1:${ACCOUNT}:db:ledger-prod`;
    expect(resourcesAllowed(statements, 'rds:StartDBInstanceAutomatedBackupsReplication').sort()).toEqual(
      [x, `arn:\${AWS::Partition}:rds:${REGION}:${ACCOUNT}:auto-backup:*`, `arn:\${AWS::Partition}:rds:eu-west-1:${ACCOUNT}:auto-backup:*`].sort(),
    );
    expect(resourcesAllowed(statements, 'rds:StopDBInstanceAutomatedBackupsReplication')).toEqual([]);
    const grants = statements.filter((s) => s.actions.includes('kms:CreateGrant'));
    expect(grants.map((s) => [s.resources, s.statement.Condition])).toEqual([
      [[KEY], { StringEquals: { 'kms:ViaService': `rds.${REGION}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
      [[`arn:\${AWS::Partition}:kms:eu-west-1:${ACCOUNT}:key/*`], { StringEquals: { 'kms:ViaService': 'rds.eu-west-1.amazonaws.com' }, Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
    ]);
    expect(statements.filter((s) => s.resources.includes('*') && s.actions.some((a) => a.startsWith('rds:')))).toEqual([]);
  });

  it('runs the provider with its own role (no managed policy) writing to its own log group, without downloading an SDK', () => {
    const roles = Object.values(template.findResources('AWS::IAM::Role') as unknown as Record<string, { Properties: { ManagedPolicyArns?: unknown } }>);
    expect(roles.map((r) => r.Properties.ManagedPolicyArns)).toEqual([undefined]);
    expect(resourcesAllowed(iamStatements(template), 'logs:PutLogEvents')).toEqual([expect.stringMatching(/^\$\{BackupReplicationLogGroup\w+\.Arn\}$/)]);
    const resources = Object.values(template.findResources('Custom::RdsBackupReplication') as unknown as Record<string, { Properties: { InstallLatestAwsSdk: unknown } }>);
    expect(resources[0]?.Properties.InstallLatestAwsSdk).toBe(false);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('fails for a source in its own region', () => {
    expect(() => new BackupReplication(newStack(), 'B', { replications: [entry({ sourceRegion: REGION })] })).toThrow(
      `backups of ledger-prod replicate across regions only, but its region is this stack's (${REGION})`,
    );
  });

  it('fails on a retention outside 1–35 days', () => {
    expect(() => new BackupReplication(newStack(), 'B', { replications: [entry({ retentionDays: 36 })] })).toThrow('retentionDays of ledger-prod must be a whole number from 1 to 35, got 36');
  });

  it('fails on one source twice, and on none', () => {
    expect(() => new BackupReplication(newStack(), 'B', { replications: [entry(), entry()] })).toThrow('replications must name each source instance once, got ledger-prod twice');
    expect(() => new BackupReplication(newStack(), 'B', { replications: [] })).toThrow('replications must list at least one source instance, got none');
  });

  it('fails in a stack without a concrete region and account', () => {
    expect(() => new BackupReplication(new Stack(new App(), 'Agnostic'), 'B', { replications: [entry()] })).toThrow('stack Agnostic must have a concrete region and account');
  });
});
