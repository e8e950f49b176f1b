/**
 * The vault's ledger (issue 18): one DynamoDB table in the vault account, the manifest of every snapshot production
 * shared (x's settings and data time) and every recovery with its RTO and RPO (lambdas/aws/vault-ledger.ts, keys `pk`
 * and `sk`). It is what `npm run recover` rebuilds x with when x's region is gone, so it outlives the stack: retained,
 * deletion-protected, point-in-time recovery on, encrypted with the vault's own key (whose policy production cannot
 * change).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { historyTable } from '../platform/ledger';

/** Properties of {@link VaultLedgerTable}. */
export interface VaultLedgerTableProps {
  /** The vault's key, which encrypts the table. */
  readonly key: kms.IKey;
}

/** The vault's ledger table. */
export class VaultLedgerTable extends Construct {
  /** The table: partition key `pk`, sort key `sk`, both strings. */
  public readonly table: dynamodb.ITable;
  private readonly key: kms.IKey;

  public constructor(scope: Construct, id: string, props: VaultLedgerTableProps) {
    super(scope, id);
    this.key = props.key;
    this.table = historyTable(this, 'Table', { partitionKey: 'pk', key: props.key, removalPolicy: RemovalPolicy.RETAIN });
  }

  /**
   * Lets the vault function keep manifests as its adapter does (lambdas/aws/vault-ledger.ts putManifest, a PutCommand):
   * dynamodb:PutItem on the table and nothing else (it never reads the ledger; `recover` does, with the operator's
   * credentials), and on the key what a read-write use of a customer-managed table gives (as the project's Ledger,
   * infra/platform/ledger.ts): kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*, kms:DescribeKey.
   */
  public grantWriteManifests(grantee: iam.IGrantable): void {
    this.table.grant(grantee, 'dynamodb:PutItem');
    this.key.grantEncryptDecrypt(grantee);
    this.key.grant(grantee, 'kms:DescribeKey');
  }
}
