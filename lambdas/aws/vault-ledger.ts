/**
 * The vault's ledger (issue 18), a DynamoDB table in the vault account: the manifest of every snapshot production
 * shared (x's settings and data time, by the shared snapshot's ARN), and every recovery with its RTO and RPO. Keyed
 * `pk`/`sk`: `manifest#<snapshot ARN>` / `manifest`, and `recovery#<pair>` / `<requested at>#<instance>`.
 */
import { DynamoDBDocumentClient, GetCommand, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Manifest } from '../vault/manifest';
import { manifestSchema } from '../vault/manifest';

/** One recovery of x from the vault, as `recover` records it. */
export interface RecoveryRecord {
  pairId: string;
  /** The recovered instance's identifier. */
  instanceId: string;
  account: string;
  region: string;
  /** The vault copy it was restored from. */
  snapshotId: string;
  /** When x's data in it was captured. */
  dataTime: string;
  requestedAt: string;
  usableAt?: string;
  status: 'recovering' | 'succeeded' | 'failed';
  /** Seconds from the request to a usable instance. */
  rtoSeconds?: number;
  /** Seconds between the data's time and the moment the instance became usable. */
  rpoSeconds?: number;
  /** Where its settings came from: the manifest production sent, or only the snapshot (and what that lost). */
  settingsFrom: 'manifest' | 'snapshot';
  /** The secret in the vault account that holds the recovered instance's master credentials. */
  masterUserSecretArn?: string;
  reason?: string;
}

/** Reads and writes the vault's ledger. */
export class VaultLedger {
  private readonly doc: DynamoDBDocumentClient;

  public constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  }

  /** Keeps a manifest; a repeated one (the same snapshot) replaces the earlier, which said the same. */
  public async putManifest(manifest: Manifest): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: `manifest#${manifest.snapshotArn}`, sk: 'manifest', ...manifest } }));
  }

  /** The manifest of a shared snapshot, by its ARN; undefined when none arrived (or it no longer parses). */
  public async manifestOf(snapshotArn: string): Promise<Manifest | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { pk: `manifest#${snapshotArn}`, sk: 'manifest' } }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = out.Item;
    const parsed = manifestSchema.safeParse(rest);
    return parsed.success ? parsed.data : undefined;
  }

  /** Writes a recovery (its first record, or its end, which replaces it). */
  public async putRecovery(record: RecoveryRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { pk: `recovery#${record.pairId}`, sk: `${record.requestedAt}#${record.instanceId}`, ...record } }));
  }

  /** A pair's recoveries, oldest first. */
  public async recoveries(pairId: string): Promise<RecoveryRecord[]> {
    const out: RecoveryRecord[] = [];
    for await (const page of paginateQuery({ client: this.doc }, { TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `recovery#${pairId}` } })) {
      for (const item of page.Items ?? []) {
        const { pk: _pk, sk: _sk, ...rest } = item;
        out.push(rest as RecoveryRecord);
      }
    }
    return out;
  }
}
