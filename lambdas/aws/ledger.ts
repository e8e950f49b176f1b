/**
 * The run ledger in DynamoDB. Layout, per replica (partition key `replica`):
 *  - `sk = "ACTIVE"`: the one active run. Opening it is a conditional put, so it is also the lock.
 *  - `sk = "RUN#<runId>"`: closed and refused runs, the history reports read. Run ids sort by time.
 *  - `sk = "ALERT#<key>"`: alerts sent once until cleared (y missing outside any run).
 *  - `sk = "DESIRED"`: the settings y must have, kept by clean successful runs (or the operator).
 *  - `sk = "EVENT"`: the last RDS event on-rds-event received about the replica, for `npm run status`.
 * Closing is three steps: mark ACTIVE closed (conditional: one closer wins), notify, then move it into
 * history. A crash in between leaves a closed run in ACTIVE, which whoever reads it next finishes:
 * never a lost run, never a lost alert.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { DesiredRecord, ReceivedEvent, RunRecord } from '../kernel/model';
import type { Ledger } from '../kernel/ports';
import { ActiveRunExistsError, StaleRunError } from '../kernel/errors';

const ACTIVE = 'ACTIVE';
const RUN_PREFIX = 'RUN#';
/** The settings y must have: one item per replica. */
const DESIRED = 'DESIRED';
const ALERT_PREFIX = 'ALERT#';
/** The last RDS event received about a replica: one item per replica. */
const LAST_EVENT = 'EVENT';

type Item = RunRecord & { replica: string; sk: string };

function toRun(item: Record<string, unknown> | undefined): RunRecord | undefined {
  if (!item) return undefined;
  const { replica: _replica, sk: _sk, ...run } = item as unknown as Item;
  return run;
}

/** The `RUN#` key of runs started at or after a time. */
function runKeyAt(time: Date): string {
  return `${RUN_PREFIX}${time.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`;
}

/** The DynamoDB ledger. */
export class DynamoLedger implements Ledger {
  private readonly doc: DynamoDBDocumentClient;

  /**
   * @param dynamo a client built once per cold start
   * @param tableName the ledger table
   */
  public constructor(
    dynamo: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
  }

  public async openRun(run: RunRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { ...run, version: 1, replica: run.replicaId, sk: ACTIVE }, ConditionExpression: 'attribute_not_exists(sk)' }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) {
        const active = await this.getActiveRun(run.replicaId);
        throw new ActiveRunExistsError(run.replicaId, active?.runId ?? 'unknown');
      }
      throw err;
    }
  }

  public async getActiveRun(replicaId: string): Promise<RunRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { replica: replicaId, sk: ACTIVE }, ConsistentRead: true }));
    return toRun(out.Item);
  }

  public async updateActiveRun(run: Pick<RunRecord, 'replicaId' | 'runId'>, changes: Partial<RunRecord>, fromPhases?: readonly string[], options: { dueBy?: string } = {}): Promise<RunRecord> {
    if ('phase' in changes || 'status' in changes) throw new Error(`run ${run.runId}: phase and status change only through the lifecycle's transitions (moveRun), not updateActiveRun`);
    return this.conditionalUpdate(run, changes, fromPhases, options);
  }

  public async moveRun(run: Pick<RunRecord, 'replicaId' | 'runId' | 'version'>, changes: Partial<RunRecord>, fromPhases: readonly string[], options: { dueBy?: string } = {}): Promise<RunRecord> {
    return this.conditionalUpdate(run, changes, fromPhases, { ...options, version: run.version ?? null, active: true });
  }

  private async conditionalUpdate(
    run: Pick<RunRecord, 'replicaId' | 'runId'>,
    changes: Partial<RunRecord>,
    fromPhases: readonly string[] | undefined,
    options: { dueBy?: string; version?: number | null; active?: boolean },
  ): Promise<RunRecord> {
    const conditions: string[] = [];
    const values: Record<string, unknown> = {};
    const names: Record<string, string> = {};
    if (options.active) {
      conditions.push('#status = :active');
      names['#status'] = 'status';
      values[':active'] = 'active';
    }
    if (options.version !== undefined) {
      // The run as the caller read it: a move computed from an older read fails instead of overwriting a newer one.
      conditions.push(options.version === null ? 'attribute_not_exists(#version)' : '#version = :version');
      names['#version'] = 'version';
      if (options.version !== null) values[':version'] = options.version;
    }
    if (fromPhases && fromPhases.length > 0) {
      fromPhases.forEach((p, i) => (values[`:p${i}`] = p));
      conditions.push(`#phase IN (${fromPhases.map((_, i) => `:p${i}`).join(', ')})`);
      names['#phase'] = 'phase';
    }
    if (options.dueBy) {
      // The run's back-off: no claim before its next attempt is due, whoever asks.
      conditions.push('(attribute_not_exists(#nextRetryAt) OR #nextRetryAt <= :due)');
      names['#nextRetryAt'] = 'nextRetryAt';
      values[':due'] = options.dueBy;
    }
    if (conditions.length === 0) return this.updateActive(run, changes);
    const detail = [
      fromPhases?.length ? `not active in phase ${fromPhases.join(' or ')}` : options.active ? 'not active' : '',
      options.version !== undefined ? `or changed since version ${options.version ?? '(none)'}` : '',
      options.dueBy ? `or its next attempt is not due by ${options.dueBy}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    return this.updateActive(run, changes, `AND ${conditions.join(' AND ')}`, values, names, detail);
  }

  /** A conditional update of the ACTIVE item: it must still be `run`, plus any extra condition. Undefined values are removed. */
  private async updateActive(
    run: Pick<RunRecord, 'replicaId' | 'runId'>,
    changes: Partial<RunRecord>,
    extraCondition = '',
    extraValues: Record<string, unknown> = {},
    extraNames: Record<string, string> = {},
    staleDetail = 'not the active run',
  ): Promise<RunRecord> {
    const names: Record<string, string> = { '#runId': 'runId', ...extraNames };
    const values: Record<string, unknown> = { ':runId': run.runId, ...extraValues };
    const set: string[] = [];
    const remove: string[] = [];
    Object.entries(changes).forEach(([key, value], i) => {
      if (key === 'replicaId' || key === 'runId' || key === 'version') return;
      names[`#f${i}`] = key;
      if (value === undefined) remove.push(`#f${i}`);
      else {
        values[`:v${i}`] = value;
        set.push(`#f${i} = :v${i}`);
      }
    });
    // Every write moves the version on, so a transition computed from an earlier read is refused.
    names['#version'] = 'version';
    values[':zero'] = 0;
    values[':one'] = 1;
    set.push('#version = if_not_exists(#version, :zero) + :one');
    const expression = [set.length ? `SET ${set.join(', ')}` : '', remove.length ? `REMOVE ${remove.join(', ')}` : ''].filter(Boolean).join(' ');
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { replica: run.replicaId, sk: ACTIVE },
          UpdateExpression: expression,
          ConditionExpression: `#runId = :runId ${extraCondition}`.trim(),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const updated = toRun(out.Attributes);
      if (!updated) throw new StaleRunError(run.replicaId, run.runId, 'the update returned no item');
      return updated;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new StaleRunError(run.replicaId, run.runId, staleDetail);
      throw err;
    }
  }

  public async archiveRun(run: RunRecord): Promise<void> {
    const { phase: _phase, ...closed } = run;
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...closed, replica: run.replicaId, sk: `${RUN_PREFIX}${run.runId}` } }));
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { replica: run.replicaId, sk: ACTIVE },
          ConditionExpression: '#runId = :runId',
          ExpressionAttributeNames: { '#runId': 'runId' },
          ExpressionAttributeValues: { ':runId': run.runId },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  public async amendTiming(replicaId: string, runId: string, which: 'deleted' | 'usable', at: string): Promise<boolean> {
    const field = which === 'deleted' ? 'deletedAt' : 'usableAt';
    const source = which === 'deleted' ? 'deletedSource' : 'usableSource';
    // The run is still active, or already in history: whichever item holds it is amended, and only while its time is a poll's.
    for (const sk of [ACTIVE, `${RUN_PREFIX}${runId}`]) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { replica: replicaId, sk },
            UpdateExpression: 'SET #at = :at, #src = :event',
            ConditionExpression: '#runId = :runId AND #src = :poll',
            ExpressionAttributeNames: { '#at': field, '#src': source, '#runId': 'runId' },
            ExpressionAttributeValues: { ':at': at, ':event': 'event', ':poll': 'poll', ':runId': runId },
          }),
        );
        return true;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    return false;
  }

  public async recordClientDowntime(replicaId: string, runId: string, seconds: number): Promise<boolean> {
    for (const sk of [`${RUN_PREFIX}${runId}`, ACTIVE]) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { replica: replicaId, sk },
            UpdateExpression: 'SET #cd = :s',
            ConditionExpression: '#runId = :runId',
            ExpressionAttributeNames: { '#cd': 'clientDowntimeSeconds', '#runId': 'runId' },
            ExpressionAttributeValues: { ':s': seconds, ':runId': runId },
          }),
        );
        return true;
      } catch (err) {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      }
    }
    return false;
  }

  public async alertOnce(replicaId: string, key: string, at: Date): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.tableName, Item: { replica: replicaId, sk: `${ALERT_PREFIX}${key}`, at: at.toISOString() }, ConditionExpression: 'attribute_not_exists(sk)' }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  public async clearAlert(replicaId: string, key: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.tableName, Key: { replica: replicaId, sk: `${ALERT_PREFIX}${key}` } }));
  }

  public async recordRefusal(run: RunRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...run, replica: run.replicaId, sk: `${RUN_PREFIX}${run.runId}` } }));
  }

  public async getRun(replicaId: string, runId: string): Promise<RunRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { replica: replicaId, sk: `${RUN_PREFIX}${runId}` }, ConsistentRead: true }));
    return toRun(out.Item);
  }

  public async getDesired(replicaId: string): Promise<DesiredRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { replica: replicaId, sk: DESIRED }, ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { replica: _r, sk: _sk, ...record } = out.Item;
    return record as DesiredRecord;
  }

  public async putDesired(record: DesiredRecord): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tableName, Item: { ...record, replica: record.replicaId, sk: DESIRED } }));
  }

  public async alertedAt(replicaId: string, key: string): Promise<string | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { replica: replicaId, sk: `${ALERT_PREFIX}${key}` }, ConsistentRead: true }));
    const at: unknown = out.Item?.at;
    return typeof at === 'string' ? at : undefined;
  }

  public async noteEvent(replicaId: string, event: ReceivedEvent): Promise<void> {
    // Only a newer receipt replaces the item: a retried old delivery does not move "last event received" back.
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...event, replica: replicaId, sk: LAST_EVENT },
          ConditionExpression: 'attribute_not_exists(sk) OR receivedAt <= :at',
          ExpressionAttributeValues: { ':at': event.receivedAt },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  public async lastEvent(replicaId: string): Promise<ReceivedEvent | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { replica: replicaId, sk: LAST_EVENT } }));
    if (!out.Item) return undefined;
    const { replica: _r, sk: _sk, ...event } = out.Item;
    return event as ReceivedEvent;
  }

  public async listRuns(replicaId: string, options: { since?: Date; until?: Date; limit?: number } = {}): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    const pages = paginateQuery(
      { client: this.doc, pageSize: Math.min(options.limit ?? 100, 100) },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'replica = :r AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':r': replicaId, ':from': options.since ? runKeyAt(options.since) : RUN_PREFIX, ':to': options.until ? runKeyAt(options.until) : `${RUN_PREFIX}~` },
        ScanIndexForward: false,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const run = toRun(item);
        if (run) runs.push(run);
        if (options.limit !== undefined && runs.length >= options.limit) return runs;
      }
    }
    return runs;
  }
}

/** The ledger's key schema, for the CDK table and for tests that create the table. */
export const LEDGER_KEYS = { partitionKey: 'replica', sortKey: 'sk' } as const;

/** A DynamoDB client for the ledger's region; the SDK retries throttling with backoff. */
export function ledgerClient(region: string, extra: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ region, maxAttempts: 6, ...extra });
}
