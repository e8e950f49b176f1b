/**
 * Reading RDS events as they really arrive: SNS-delivered notifications in every format RDS has
 * used, and EventBridge events. Parsing never throws; what cannot be used is returned as ignored
 * with the reason.
 */

/** An RDS event reduced to what the pipeline acts on. */
export interface RdsEvent {
  /** `RDS-EVENT-NNNN`. */
  eventId: string;
  /** `db-instance`, `db-snapshot`, `db-cluster`, `db-cluster-snapshot`, … */
  sourceType: string;
  sourceId: string;
  /** When RDS says it happened; undefined when the payload had no usable time. */
  time?: Date;
  message: string;
  sourceArn?: string;
  via: 'sns' | 'eventbridge';
}

/** One input item and what became of it. */
export type ParsedItem = { kind: 'event'; event: RdsEvent } | { kind: 'ignored'; reason: string; detail?: string };

/**
 * The event categories the subscription on y delivers: deletion and creation of y, the restore
 * finishing, backups and availability after it, failures (KMS included), and notifications.
 */
export const RDS_EVENT_CATEGORIES: readonly string[] = ['availability', 'backup', 'creation', 'deletion', 'failure', 'notification', 'restoration'];

const EVENT_ID_RE = /RDS-EVENT-\d{4}(?!\d)/;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * RDS's "Event Time" is `2021-05-15 09:10:41.570`: UTC with no zone designator. Newer payloads and
 * EventBridge use ISO-8601 with a zone; both are accepted.
 */
export function parseEventTime(raw: unknown): Date | undefined {
  const s = str(raw);
  if (!s) return undefined;
  const bare = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)$/.exec(s);
  const iso = bare ? `${bare[1]}T${bare[2]}Z` : s;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso)) return undefined;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function eventIdFrom(...candidates: unknown[]): string | undefined {
  for (const c of candidates) {
    const m = typeof c === 'string' ? EVENT_ID_RE.exec(c) : undefined;
    if (m) return m[0];
  }
  return undefined;
}

/** The 2016-era payload has no "Source ID"; the id sits in "Identifier Link" after `SourceId:`. */
function sourceIdFromLink(link: unknown): string | undefined {
  const s = str(link);
  const m = s ? /SourceId:\s*([^\s&;,]+)/.exec(s) : undefined;
  return m?.[1];
}

function normaliseSourceType(raw: string): string {
  const s = raw.toLowerCase().replace(/_/g, '-');
  const known: Record<string, string> = {
    'db-instance': 'db-instance',
    'snapshot': 'db-snapshot',
    'db-snapshot': 'db-snapshot',
    'cluster': 'db-cluster',
    'db-cluster': 'db-cluster',
    'cluster-snapshot': 'db-cluster-snapshot',
    'db-cluster-snapshot': 'db-cluster-snapshot',
  };
  return known[s] ?? s;
}

/** Reads one SNS-delivered RDS notification (the `Sns` part of a record). */
export function parseSnsNotification(sns: unknown): ParsedItem {
  if (!isRecord(sns)) return { kind: 'ignored', reason: 'malformed', detail: 'record has no Sns object' };
  const raw = sns.Message;
  if (typeof raw !== 'string') return { kind: 'ignored', reason: 'malformed', detail: 'Sns.Message is not a string' };
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    // The first message after a subscription is created is plain text.
    return { kind: 'ignored', reason: 'not-json', detail: raw.slice(0, 200) };
  }
  if (!isRecord(body)) return { kind: 'ignored', reason: 'malformed', detail: 'Sns.Message is JSON but not an object' };
  const attrs = isRecord(sns.MessageAttributes) ? sns.MessageAttributes : {};
  const attrEventId = isRecord(attrs.EventID) ? attrs.EventID.Value : undefined;
  const eventId = eventIdFrom(body['Event ID'], attrEventId);
  if (!eventId) return { kind: 'ignored', reason: 'no-event-id', detail: JSON.stringify(body['Event ID'] ?? null) };
  const sourceType = str(body['Event Source']);
  if (!sourceType) return { kind: 'ignored', reason: 'malformed', detail: 'no "Event Source"' };
  const sourceId = str(body['Source ID']) ?? sourceIdFromLink(body['Identifier Link']);
  if (!sourceId) return { kind: 'ignored', reason: 'malformed', detail: 'no "Source ID" and none in "Identifier Link"' };
  const time = parseEventTime(body['Event Time']);
  const sourceArn = str(body['Source ARN']);
  return {
    kind: 'event',
    event: {
      eventId,
      sourceType: normaliseSourceType(sourceType),
      sourceId,
      ...(time ? { time } : {}),
      message: str(body['Event Message']) ?? '',
      ...(sourceArn ? { sourceArn } : {}),
      via: 'sns',
    },
  };
}

/** Reads one EventBridge event from `aws.rds`. */
export function parseEventBridgeEvent(ev: Record<string, unknown>): ParsedItem {
  if (ev.source !== 'aws.rds') return { kind: 'ignored', reason: 'other-source', detail: JSON.stringify(ev.source) ?? 'undefined' };
  const detail = ev.detail;
  if (!isRecord(detail)) return { kind: 'ignored', reason: 'malformed', detail: 'no detail object' };
  const eventId = eventIdFrom(detail.EventID);
  if (!eventId) return { kind: 'ignored', reason: 'no-event-id', detail: 'detail.EventID missing (older events lack it)' };
  const sourceType = str(detail.SourceType);
  const rawId = str(detail.SourceIdentifier);
  if (!sourceType || !rawId) return { kind: 'ignored', reason: 'malformed', detail: 'detail.SourceType or detail.SourceIdentifier missing' };
  const time = parseEventTime(detail.Date) ?? parseEventTime(ev.time);
  const sourceArn = str(detail.SourceArn);
  return {
    kind: 'event',
    event: {
      eventId,
      sourceType: normaliseSourceType(sourceType),
      sourceId: rawId,
      ...(time ? { time } : {}),
      message: str(detail.Message) ?? '',
      ...(sourceArn ? { sourceArn } : {}),
      via: 'eventbridge',
    },
  };
}

/**
 * Reads whatever the function was invoked with: an SNS event with records, or one EventBridge event.
 * Returns one item per record; never throws.
 */
export function parseInvocation(input: unknown): ParsedItem[] {
  try {
    if (!isRecord(input)) return [{ kind: 'ignored', reason: 'malformed', detail: 'event is not an object' }];
    if (Array.isArray(input.Records)) {
      if (input.Records.length === 0) return [{ kind: 'ignored', reason: 'malformed', detail: 'Records is empty' }];
      // Array.from, not map: a sparse array's holes become undefined records instead of being skipped.
      return Array.from(input.Records as unknown[], (r: unknown): ParsedItem => {
        if (!isRecord(r)) return { kind: 'ignored', reason: 'malformed', detail: 'record is not an object' } as const;
        if (r.EventSource !== undefined && r.EventSource !== 'aws:sns') return { kind: 'ignored', reason: 'other-source', detail: JSON.stringify(r.EventSource) } as const;
        return parseSnsNotification(r.Sns);
      });
    }
    if ('detail-type' in input || 'source' in input) return [parseEventBridgeEvent(input)];
    return [{ kind: 'ignored', reason: 'malformed', detail: 'neither SNS records nor an EventBridge event' }];
  } catch (err) {
    // Defensive: a getter or a pathological object must not make Lambda retry garbage.
    return [{ kind: 'ignored', reason: 'malformed', detail: describeThrown(err) }];
  }
}

/** Describes anything thrown, even an object that refuses to become a string. */
function describeThrown(err: unknown): string {
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'an unprintable value was thrown';
  }
}
