/**
 * The ledger: one DynamoDB table with every run of every replica, the project's own history.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
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
 * The run history: partition key `replica` (y's identifier), sort key `sk` (the item kind and time, chosen by the
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
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: 'replica', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      // A few writes a night: paying per request costs cents, provisioned capacity would cost all day.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy,
    });
  }
}
