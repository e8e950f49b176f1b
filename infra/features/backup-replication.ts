/**
 * Cross-region replication of x's automated backups into y's region, for the pairs in mode `backup-replication`
 * that let the stack manage it: StartDBInstanceAutomatedBackupsReplication, in y's region (this stack's), when the
 * stack creates the resource. Nothing is stopped on delete: CloudFormation also sends a delete after a failed or
 * cancelled create (a replication someone else started makes Start fail), and stopping then would end backups the
 * project does not own. Deleting the stack leaves the replication running; README says how to stop it.
 *
 * Presigning: the RDS API wants a PreSignedUrl for an encrypted source (the API reference now says it is used only
 * in GovCloud and ignored elsewhere). AWS SDK for JavaScript v3 makes it itself: @aws-sdk/middleware-sdk-rds maps
 * `SourceDBInstanceArn` to StartDBInstanceAutomatedBackupsReplication and, when the ARN's region differs from the
 * client's and no PreSignedUrl is given, signs a request for the ARN's region (checked in
 * node_modules/@aws-sdk/middleware-sdk-rds 3.972.72, dist-cjs/index.js `sourceIdToCommandKeyMap`; an older
 * aws/aws-sdk-js-v3 packages/middleware-sdk-rds/src/index.ts lacks that entry, so the Lambda runtime's SDK must be
 * recent, which nodejs22.x's is). v3's input has no `SourceRegion` member: that is the v2/boto3/CLI way of asking
 * for the same, so it is not passed. AwsCustomResource hands `parameters` to the v3 command after coercing types
 * (`client.send(new Command(coerceApiParameters(service, action, parameters)))` in aws-cdk-lib's
 * custom-resource-handlers/dist/custom-resources/aws-custom-resource-handler), so the middleware sees the ARN.
 *
 * IAM (Service Authorization Reference, list_amazonrds): StartDBInstanceAutomatedBackupsReplication requires
 * auto-backup* and db*. KMS: the caller needs
 * kms:CreateGrant and kms:DescribeKey on the destination key (RDS User Guide, "AWS KMS key management"), and on
 * x's key in x's region for an encrypted source, as for a cross-region snapshot copy (see snapshot-key.ts).
 */
import { ArnFormat, Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsCustomResource, AwsCustomResourcePolicy, Logging, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { acknowledgeNag, nagArn } from '../platform/nag';

/** One replication of x's automated backups into this stack's region. */
export interface BackupReplicationEntry {
  /** x's instance identifier. */
  readonly sourceInstanceId: string;
  /** x's region; must differ from this stack's. */
  readonly sourceRegion: string;
  /** Days the replicated backups are kept in this region (1–35). */
  readonly retentionDays: number;
  /** The key (ARN, in this region) the replicated backups are encrypted with. */
  readonly kmsKeyArn: string;
}

/** Properties of {@link BackupReplication}. */
export interface BackupReplicationProps {
  /** The replications to manage, one per x; at least one. */
  readonly replications: readonly BackupReplicationEntry[];
}

/**
 * The replications, as custom resources of one provider function with its own role and log group. Changing the
 * retention or the key of an existing replication needs a stop and start (RDS has no modify call for it): remove
 * the pair's replication from the stack, deploy, and add it back.
 */
export class BackupReplication extends Construct {
  /** The custom resources, by x's instance identifier. */
  public readonly replications: ReadonlyMap<string, AwsCustomResource>;
  /** The role of the provider function. */
  public readonly role: iam.IRole;

  public constructor(scope: Construct, id: string, props: BackupReplicationProps) {
    super(scope, id);
    const stack = Stack.of(this);
    if (Token.isUnresolved(stack.region) || Token.isUnresolved(stack.account)) {
      throw new Error(`stack ${stack.stackName} must have a concrete region and account to scope the backup replication grants`);
    }
    if (props.replications.length === 0) throw new Error('replications must list at least one source instance, got none');
    for (const r of props.replications) {
      if (r.sourceRegion === stack.region) throw new Error(`backups of ${r.sourceInstanceId} replicate across regions only, but its region is this stack's (${stack.region})`);
      if (!Number.isInteger(r.retentionDays) || r.retentionDays < 1 || r.retentionDays > 35) {
        throw new Error(`retentionDays of ${r.sourceInstanceId} must be a whole number from 1 to 35, got ${r.retentionDays}`);
      }
    }
    const repeated = props.replications.find((r, i) => props.replications.findIndex((o) => o.sourceInstanceId === r.sourceInstanceId && o.sourceRegion === r.sourceRegion) !== i);
    if (repeated !== undefined) throw new Error(`replications must name each source instance once, got ${repeated.sourceInstanceId} twice`);

    // Our own role, so the provider gets no AWSLambdaBasicExecutionRole (logs:* on *): it writes to its own group only.
    const logGroup = new logs.LogGroup(this, 'LogGroup', { retention: logs.RetentionDays.THREE_MONTHS, removalPolicy: RemovalPolicy.RETAIN });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: "Starts and stops the replication of x's automated backups into this region for replica-refresh",
    });
    logGroup.grantWrite(role);
    this.role = role;

    const replications = new Map<string, AwsCustomResource>();
    for (const r of [...props.replications].sort((a, b) => a.sourceInstanceId.localeCompare(b.sourceInstanceId))) {
      const sourceArn = stack.formatArn({ service: 'rds', region: r.sourceRegion, resource: 'db', resourceName: r.sourceInstanceId, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
      const resource = new AwsCustomResource(this, `Replication-${r.sourceInstanceId}`, {
        resourceType: 'Custom::RdsBackupReplication',
        onCreate: {
          service: 'RDS',
          action: 'StartDBInstanceAutomatedBackupsReplication',
          region: stack.region,
          parameters: { SourceDBInstanceArn: sourceArn, BackupRetentionPeriod: r.retentionDays, KmsKeyId: r.kmsKeyArn },
          physicalResourceId: PhysicalResourceId.of(`${r.sourceRegion}/${r.sourceInstanceId}->${stack.region}`),
          // The whole automated-backup description could pass CloudFormation's 4 KB response limit.
          outputPaths: ['DBInstanceAutomatedBackup.DBInstanceAutomatedBackupsArn'],
          logging: Logging.withDataHidden(),
        },
        policy: AwsCustomResourcePolicy.fromStatements(this.statements(r, sourceArn)),
        role,
        logGroup,
        // The Lambda runtime's SDK presigns the request (see the header); no download at deploy time.
        installLatestAwsSdk: false,
        timeout: Duration.minutes(2),
      });
      replications.set(r.sourceInstanceId, resource);
    }
    this.replications = replications;
    this.acknowledge(props.replications);
  }

  private statements(r: BackupReplicationEntry, sourceArn: string): iam.PolicyStatement[] {
    const stack = Stack.of(this);
    const autoBackups = [stack.region, r.sourceRegion].map((region) => stack.formatArn({ service: 'rds', region, resource: 'auto-backup', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    const sourceKeys = stack.formatArn({ service: 'kms', region: r.sourceRegion, resource: 'key', resourceName: '*', arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
    const viaRds = (region: string) => ({ 'kms:ViaService': `rds.${region}.amazonaws.com` });
    return [
      new iam.PolicyStatement({ actions: ['rds:StartDBInstanceAutomatedBackupsReplication'], resources: [sourceArn, ...autoBackups] }),
      new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [r.kmsKeyArn], conditions: { StringEquals: viaRds(stack.region) } }),
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [r.kmsKeyArn],
        conditions: { StringEquals: viaRds(stack.region), Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
      new iam.PolicyStatement({ actions: ['kms:DescribeKey'], resources: [sourceKeys], conditions: { StringEquals: viaRds(r.sourceRegion) } }),
      new iam.PolicyStatement({
        actions: ['kms:CreateGrant'],
        resources: [sourceKeys],
        conditions: { StringEquals: viaRds(r.sourceRegion), Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      }),
    ];
  }

  /** The policies are children of the custom resources, not of the role: acknowledged on this construct, by finding. */
  private acknowledge(replications: readonly BackupReplicationEntry[]): void {
    const { account, region } = Stack.of(this);
    for (const sourceRegion of new Set(replications.map((r) => r.sourceRegion))) {
      acknowledgeNag(
        this,
        'AwsSolutions-IAM5',
        "x's key in its region is not part of the configuration; kms:CreateGrant and kms:DescribeKey on it are limited to RDS of that region (kms:ViaService) and grants for AWS resources",
        `Resource::${nagArn('kms', sourceRegion, account, 'key/*')}`,
      );
      acknowledgeNag(
        this,
        'AwsSolutions-IAM5',
        "StartDBInstanceAutomatedBackupsReplication requires an auto-backup resource whose id RDS chooses; the action also requires db:<x>, granted for the managed sources only",
        `Resource::${nagArn('rds', sourceRegion, account, 'auto-backup:*')}`,
      );
    }
    acknowledgeNag(
      this,
      'AwsSolutions-IAM5',
      'StartDBInstanceAutomatedBackupsReplication requires an auto-backup resource whose id RDS chooses (the replicated backups in this region); the action also requires db:<x>',
      `Resource::${nagArn('rds', region, account, 'auto-backup:*')}`,
    );
  }
}
