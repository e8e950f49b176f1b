/**
 * The ledger: one DynamoDB table with every run of every replica, the project's own history.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** Properties of a {@link Ledger}. */
export interface LedgerProps {
  /**
   * What happens to the table (and its key) when it leaves the stack.
   * @default RemovalPolicy.RETAIN: it is the history, RDS keeps only 14 days of events
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The DynamoDB actions the functions' ledger adapter (lambdas/aws/ledger.ts) sends: GetItem, PutItem, UpdateItem and
 * DeleteItem (GetCommand, PutCommand, UpdateCommand, DeleteCommand) and Query (paginateQuery, the history). A function
 * that only reads the active run (retention) gets GetItem alone. No Scan, no batch or stream actions: no path calls them.
 */
export const LEDGER_ACTIONS = {
  read: ['dynamodb:GetItem'],
  readWrite: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
} as const;

/**
 * A history table as the project keeps them (the ledger, the vault's ledger): string keys, paid per request (a few
 * writes a night: per request costs cents, provisioned capacity would cost all day), point-in-time recovery, encrypted
 * with a customer-managed key, and deletion protection while it is retained.
 */
export function historyTable(scope: Construct, id: string, props: { partitionKey: string; key: kms.IKey; removalPolicy: RemovalPolicy }): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: props.partitionKey, type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: props.key,
    deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
    removalPolicy: props.removalPolicy,
  });
}

/**
 * The run history: partition key `replica` (the pair's id), sort key `sk` (the item kind and time, chosen by the
 * functions).
 */
export class Ledger extends Construct {
  /** The ledger table. */
  public readonly table: dynamodb.ITable;
  /** The key the table is encrypted with. */
  public readonly key: kms.IKey;

  public constructor(scope: Construct, id: string, props: LedgerProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    // A customer-managed key rather than AWS_MANAGED: its policy and CloudTrail trail belong to this project, and it
    // is retained together with the table, so the history stays readable after the stack is gone.
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the replica-refresh ledger',
      enableKeyRotation: true,
      removalPolicy,
    });
    this.table = historyTable(this, 'Table', { partitionKey: 'replica', key: this.key, removalPolicy });
  }

  /**
   * Lets a function use the ledger as the adapter does: exactly {@link LEDGER_ACTIONS} on the table, and on its key
   * what the table's purpose-specific grants give for the same access (read: kms:Decrypt and kms:DescribeKey;
   * read-write: also kms:Encrypt, kms:ReEncrypt* and kms:GenerateDataKey*), which DynamoDB needs to use the
   * customer-managed key on the caller's behalf.
   */
  public grantUse(grantee: iam.IGrantable, access: 'read' | 'read-write'): void {
    this.table.grant(grantee, ...(access === 'read' ? LEDGER_ACTIONS.read : LEDGER_ACTIONS.readWrite));
    if (access === 'read') this.key.grantDecrypt(grantee);
    else this.key.grantEncryptDecrypt(grantee);
    this.key.grant(grantee, 'kms:DescribeKey');
  }
}
