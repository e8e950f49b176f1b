/**
 * Fuzzing the on-rds-event entry point with malformed and irrelevant input: real SNS and
 * EventBridge shapes with mutations on top, plus arbitrary values. Whatever arrives, an input that
 * is not a usable deletion/usable/failure event for a configured replica must resolve, touch
 * neither RDS, nor the ledger, nor SNS, and be counted once per item as ignored.
 *
 * Generators never produce an event that would legitimately act. Each RDS body and EventBridge
 * event is built from tagged fields (event id, source type, source id, ...), and the combination
 * where every field is good is filtered out. A broken field carries no trace of the good value, so
 * a more tolerant parser would not turn it into an acting event either. The oracle (ACTING_IDS, the
 * instance source type, y's id) is written out here, not imported from the code under test.
 */
import fc from 'fast-check';
import type { SNSEventRecord } from 'aws-lambda';
import { INSTANCE_EVENTS as EVENT_IDS } from '../../../lambdas/targets/instance/model';
import { handleInvocation } from '../../../lambdas/events/on-event';
import type { Deps, Ledger } from '../../../lambdas/kernel/ports';
import type { RuntimeConfig } from '../../../lambdas/kernel/config';
import type { LocalDynamo } from '../../support/dynalite';
import { startDynalite } from '../../support/dynalite';
import { FakeRds } from '../../support/fake-rds';
import { REPLICA_REGION, X, Y, eventBridgeEvent, rdsMessage, runtimeConfig, snsEvent, xSnapshot, yInstance } from '../../support/fixtures';
import { Clock, RecordingTelemetry, makeDeps, snsMock } from '../../support/harness';

const SEED = 20_261_121;
const RUNS = { values: 300, envelopes: 400, bodies: 800, eventBridge: 400, getters: 100 };
const TOTAL_RUNS = Object.values(RUNS).reduce((a, b) => a + b, 0);
const T0 = new Date('2026-11-21T02:00:00Z');

/** The event ids the loop acts on (deleted, usable, failed), written out as the independent oracle. */
const ACTING_IDS: readonly string[] = ['RDS-EVENT-0003', 'RDS-EVENT-0043', 'RDS-EVENT-0005', 'RDS-EVENT-0008', 'RDS-EVENT-0019', 'RDS-EVENT-0002', 'RDS-EVENT-0278', 'RDS-EVENT-0353', 'RDS-EVENT-0418', 'RDS-EVENT-0419'];
const EVENT_ID_RE = /RDS-EVENT-\d{4}/;
/**
 * The reasons an item is dropped before any state is read. The other ignore reasons (stale-event,
 * duplicate, no-run-waiting) mean an event got through to the run logic, which none of these may.
 */
const GATE_REASONS = new Set(['malformed', 'not-json', 'no-event-id', 'other-source', 'not-a-replica', 'irrelevant-event']);

// ---------------------------------------------------------------------------------------------
// Wiring: one dynalite and one ledger table for the file; a ledger that records every call.

let dynamo: LocalDynamo;
let config: RuntimeConfig;
let deps: Deps;
const rds = new FakeRds();
const ledgerCalls: string[] = [];
let inputsChecked = 0;

/** The ledger, recording every method called on it (whatever methods the port grows). */
function recordingLedger(inner: Ledger): Ledger {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        ledgerCalls.push(String(prop));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

beforeAll(async () => {
  dynamo = await startDynalite();
  // y exists and no run is active: the steady state in which stray events arrive.
  rds.reset(yInstance(), [xSnapshot('orders-prod-2026-11-21', '2026-11-21T01:10:00Z')]);
  snsMock.reset();
  config = runtimeConfig({}, { ledgerTableName: await dynamo.createLedgerTable() });
  const clock = new Clock(T0);
  rds.now = clock.now;
  const base = makeDeps(config, { endpoint: dynamo.endpoint, clock });
  deps = { ...base, ledger: recordingLedger(base.ledger) };
});
afterAll(async () => {
  await dynamo.stop();
});

/**
 * Runs one input and asserts it was ignored and nothing acted. `items` is the number of outcomes
 * expected when the generator knows it (one per SNS record).
 */
async function expectIgnored(input: unknown, items?: number): Promise<void> {
  inputsChecked++;
  const telemetry = new RecordingTelemetry();
  const [rdsBefore, snsBefore, ledgerBefore] = [rds.mock.calls().length, snsMock.calls().length, ledgerCalls.length];
  // A rejection fails the property with the input as counterexample.
  const outcomes = await handleInvocation({ ...deps, telemetry }, config, input);

  expect(outcomes.length).toBeGreaterThan(0);
  if (items !== undefined) expect(outcomes).toHaveLength(items);
  for (const o of outcomes) {
    expect(o.action).toMatch(/^ignored:/);
    expect(GATE_REASONS).toContain(o.action.slice('ignored:'.length));
  }
  expect(telemetry.total('EventsIgnored')).toBe(outcomes.length);
  for (const reason of new Set(outcomes.map((o) => o.action.slice('ignored:'.length)))) {
    expect(telemetry.total('EventsIgnored', { reason })).toBe(outcomes.filter((o) => o.action === `ignored:${reason}`).length);
  }
  expect(rds.mock.calls().slice(rdsBefore)).toEqual([]);
  expect(snsMock.calls().slice(snsBefore)).toEqual([]);
  expect(ledgerCalls.slice(ledgerBefore)).toEqual([]);
}

const assertProperty = <T>(arb: fc.Arbitrary<T>, numRuns: number, check: (value: T) => Promise<void>) => fc.assert(fc.asyncProperty(arb, check), { numRuns, seed: SEED });

// ---------------------------------------------------------------------------------------------
// Building blocks.

/** Marks a key as absent (deleted from the base shape). */
const ABSENT = Symbol('absent');

function withFields(base: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(fields)) {
    if (v === ABSENT) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** Anything mentioning y in any spelling: kept out of fields that must not point at y. */
const mentionsY = (s: string) => s.toLowerCase().includes(Y);
/** Whether an id would be y after trimming, case folding or an `rds:` prefix: never generated as "not y". */
const couldBeY = (s: string) => s.trim().toLowerCase().replace(/^rds:/, '') === Y;
const mentionsInstance = (s: string) => /instance/i.test(s);

/** JSON values with no trace of an event id or of y, for fields that must not be readable. */
const inertJson = fc.jsonValue({ maxDepth: 2 }).filter((v) => {
  const s = JSON.stringify(v) ?? '';
  return !EVENT_ID_RE.test(s) && !mentionsY(s) && !mentionsInstance(s);
});
const inertNonString = inertJson.filter((v) => typeof v !== 'string');
const blank = fc.constantFrom('', ' ', '\t', '\n  ');

const docUrl = fc.constantFrom(
  'http://docs.amazonwebservices.com/AmazonRDS/latest/UserGuide/USER_Events.html',
  'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html',
  'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html',
);
const inDocUrl = (id: string) => fc.tuple(docUrl, fc.constantFrom('', ' ')).map(([url, tail]) => `${url}#${id}${tail}`);

const actingId = fc.constantFrom(...ACTING_IDS);
/** Any well-formed id the loop does not act on. */
const otherId = fc
  .oneof(
    fc.constantFrom('RDS-EVENT-0001', 'RDS-EVENT-0004', 'RDS-EVENT-0006', 'RDS-EVENT-0009', 'RDS-EVENT-0087', 'RDS-EVENT-0088', 'RDS-EVENT-0154', 'RDS-EVENT-0042'),
    fc.integer({ min: 0, max: 9999 }).map((n) => `RDS-EVENT-${String(n).padStart(4, '0')}`),
  )
  .filter((id) => !ACTING_IDS.includes(id));
/** Text with no `RDS-EVENT-NNNN` in it: near misses, doc URLs without fragment, random text. */
const noIdText = fc
  .oneof(
    fc.constantFrom(
      'RDS-EVENT-',
      'RDS-EVENT-003',
      'RDS-EVENT-ABCD',
      'rds-event-0003',
      'RDS_EVENT_0003',
      'RDS-EVENT 0043',
      'RDS-EVNT-0003',
      'RDS-EVENT-٠٠٠٣',
      'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html',
      'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.html#',
    ),
    blank,
    fc.string({ maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
  )
  .filter((s) => !EVENT_ID_RE.test(s));
const brokenIdValue = fc.oneof(fc.constant<unknown>(ABSENT), noIdText, inertNonString);
const eventIdAttr = (value: unknown) => ({ EventID: { Type: 'String', Value: value } });

/** An identifier RDS would accept: what the 2016 "Identifier Link" carries after `SourceId:`. */
const otherIdentifier = fc
  .oneof(
    fc.constantFrom(X, 'orders-staging-old', 'orders-staging2', 'orders-stagin', 'xorders-staging', 'orders-staging-', 'orders--staging', 'staging', 'billing-staging'),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,40}$/),
  )
  .filter((s) => !couldBeY(s));
/** Any non-blank source id that is not y. */
const otherSourceId = fc.oneof(otherIdentifier, fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 })).filter((s) => s.trim() !== '' && !couldBeY(s));

/** Event times: RDS's bare format, ISO, near misses and junk. Neutral: no time makes an event act or not. */
const anyTime = fc.oneof(
  fc.constant<unknown>(ABSENT),
  fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().replace('T', ' ').replace('Z', '')),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('2026-13-45 99:99:99', '2026-11-21', '21/11/2026 02:00', 'yesterday', '0000-00-00 00:00:00.000', '2026-11-21T02:00:00+25:00'),
  fc.string({ maxLength: 30 }),
  inertNonString,
);

// ---------------------------------------------------------------------------------------------
// RDS notification bodies (SNS "Message") from tagged fields.

type IdClass = 'acting' | 'other' | 'none';
interface SnsIdField {
  cls: IdClass;
  body: unknown;
  attrs: unknown;
}

const snsIdField: fc.Arbitrary<SnsIdField> = fc.oneof(
  {
    weight: 4,
    arbitrary: actingId.chain((id) => fc.record({ body: inDocUrl(id), attrs: fc.constantFrom<unknown>(ABSENT, eventIdAttr(id)) })).map((f) => ({ cls: 'acting' as const, ...f })),
  },
  {
    weight: 3,
    arbitrary: otherId
      .chain((id) =>
        fc.oneof(
          fc.record({ body: inDocUrl(id), attrs: fc.constantFrom<unknown>(ABSENT, eventIdAttr(id)) }),
          // The newer MessageAttributes carry the id while the body's is broken.
          fc.record({ body: brokenIdValue, attrs: fc.constant<unknown>(eventIdAttr(id)) }),
        ),
      )
      .map((f) => ({ cls: 'other' as const, ...f })),
  },
  {
    weight: 3,
    arbitrary: fc
      .record({ body: brokenIdValue, attrs: fc.oneof(fc.constant<unknown>(ABSENT), noIdText.map(eventIdAttr), inertNonString.map(eventIdAttr), fc.dictionary(fc.string({ maxLength: 8 }), inertJson, { maxKeys: 3 })) })
      .map((f) => ({ cls: 'none' as const, ...f })),
  },
);

const typeField = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom<unknown>('db-instance', 'DB_INSTANCE', ' db-instance ').map((value) => ({ instance: true, value })) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom('db-snapshot', 'db-cluster', 'db-cluster-snapshot', 'db-parameter-group', 'db-security-group', 'db-proxy', 'SNAPSHOT', 'CLUSTER', 'CLUSTER_SNAPSHOT', 'custom-engine-version'),
        fc.string({ maxLength: 20 }),
      )
      .filter((s) => s.trim() !== '' && !mentionsInstance(s))
      .map((value): { instance: boolean; value: unknown } => ({ instance: false, value })),
  },
  { weight: 2, arbitrary: fc.oneof(fc.constant<unknown>(ABSENT), blank, inertNonString).map((value) => ({ instance: false, value })) },
);

const consoleLink = (id: string) => `https://console.aws.amazon.com/rds/home?region=${REPLICA_REGION}#dbinstance:id=${id}`;

/** "Source ID" and "Identifier Link" together, so that the link never points elsewhere than the id. */
const snsSourceField = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .constantFrom<Record<string, unknown>>({ 'Source ID': Y, 'Identifier Link': consoleLink(Y) }, { 'Source ID': ABSENT, 'Identifier Link': `${consoleLink(Y)}\nSourceId: ${Y}` })
      .map((fields) => ({ isY: true, fields })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        otherSourceId.map((id) => ({ 'Source ID': id, 'Identifier Link': consoleLink(id) })),
        otherIdentifier.map((id) => ({ 'Source ID': ABSENT, 'Identifier Link': `${consoleLink(id)}\nSourceId: ${id}`, 'Source ARN': ABSENT })),
      )
      .map((fields): { isY: boolean; fields: Record<string, unknown> } => ({ isY: false, fields })),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        'Source ID': fc.oneof(fc.constant<unknown>(ABSENT), blank, inertNonString),
        'Identifier Link': fc.oneof(
          fc.constant<unknown>(ABSENT),
          otherIdentifier.map(consoleLink),
          fc.string({ maxLength: 60 }).filter((s) => !/sourceid/i.test(s) && !mentionsY(s)),
          inertNonString,
        ),
        'Source ARN': fc.constant<unknown>(ABSENT),
      })
      .map((fields) => ({ isY: false, fields })),
  },
);

const KNOWN_BODY_KEYS = new Set(['Event Source', 'Event Time', 'Identifier Link', 'Source ID', 'Source ARN', 'Event ID', 'Event Message']);
/** Keys newer deliveries may add (tags) or anything else: never one of the keys the parser reads. */
const extraBodyKeys = fc.dictionary(
  fc.oneof(fc.constantFrom('Tags', 'Resource', 'Event Categories'), fc.string({ maxLength: 12 })).filter((k) => !KNOWN_BODY_KEYS.has(k)),
  fc.jsonValue({ maxDepth: 2 }),
  { maxKeys: 3 },
);

interface SnsBody {
  body: Record<string, unknown>;
  attrs: unknown;
}

/** An RDS notification body that must not act: at least one of id, type, source is not good. */
const snsBody: fc.Arbitrary<SnsBody> = fc
  .record({
    id: snsIdField,
    type: typeField,
    source: snsSourceField,
    time: anyTime,
    message: fc.oneof(fc.constant<unknown>(ABSENT), fc.string({ maxLength: 60 }), inertNonString),
    arn: fc.oneof(fc.constant<unknown>(undefined), fc.constant<unknown>(ABSENT), fc.string({ maxLength: 30 }).filter((s) => !mentionsY(s))),
    extra: extraBodyKeys,
  })
  .filter((b) => !(b.id.cls === 'acting' && b.type.instance && b.source.isY))
  .map((b) => {
    const named = b.source.fields['Source ID'];
    const base = rdsMessage('RDS-EVENT-0000', b.source.isY ? Y : typeof named === 'string' ? named : X, T0, 'event');
    return {
      body: withFields(base, {
        ...b.extra,
        'Event ID': b.id.body,
        'Event Source': b.type.value,
        'Event Time': b.time,
        'Event Message': b.message,
        // Source ARN: kept (undefined), dropped (as before 2020) or junk.
        ...(b.arn === undefined ? {} : { 'Source ARN': b.arn }),
        ...b.source.fields,
      }),
      attrs: b.id.attrs,
    };
  });

/** A realistic SNS record around a Message (string or not) and MessageAttributes. */
function snsRecord(message: unknown, attrs: unknown = ABSENT, recordFields: Record<string, unknown> = {}, snsFields: Record<string, unknown> = {}): Record<string, unknown> {
  const [record] = snsEvent('placeholder').Records as [SNSEventRecord];
  const sns = withFields({ ...record.Sns }, { Message: message, ...(attrs === ABSENT ? {} : { MessageAttributes: attrs }), ...snsFields });
  return withFields({ ...record }, { Sns: sns, ...recordFields });
}

// ---------------------------------------------------------------------------------------------
// SNS envelopes with odd records.

/** A body that would act, for shapes in which it cannot be read (truncated JSON). */
const actingBodyForY = actingId.map((id) => rdsMessage(id, Y, T0, 'event'));
const notJsonObject = (s: string) => {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v !== 'object' || v === null || Array.isArray(v);
  } catch {
    return true;
  }
};

const oddRecord: fc.Arbitrary<unknown> = fc.oneof(
  // Not an object at all.
  inertJson.filter((v) => typeof v !== 'object' || v === null || Array.isArray(v)),
  // From another service.
  fc
    .tuple(
      fc.oneof(fc.constantFrom<unknown>('aws:sqs', 'aws:s3', 'aws:kinesis', 'aws:dynamodb', 'AWS:SNS', 'sns'), fc.string({ maxLength: 12 }), inertNonString).filter((s) => s !== 'aws:sns'),
      snsBody,
    )
    .map(([source, b]) => snsRecord(JSON.stringify(b.body), b.attrs, { EventSource: source })),
  // No Sns, or an Sns that is not an object.
  fc.oneof(fc.constant<unknown>(ABSENT), inertNonString, blank).map((sns) => withFields(snsRecord('x'), { Sns: sns })),
  // Message missing or not a string (including the body as an object, not serialised).
  fc.oneof(fc.constant<unknown>(ABSENT), inertNonString, snsBody.map((b) => b.body)).map((m) => snsRecord(m)),
  // Plain text: the subscription confirmation, random text, JSON scalars.
  fc
    .oneof(
      fc.constantFrom(
        'You have chosen to subscribe to the topic: \narn:aws:sns:eu-central-1:111111111111:rds-events\nTo confirm the subscription, visit the SubscribeURL included in this message.',
        'null',
        '42',
        '"RDS-EVENT-0003"',
        'true',
        '',
      ),
      fc.string({ maxLength: 80 }),
    )
    .filter((s) => notJsonObject(s) && !mentionsY(s))
    .map((s) => snsRecord(s)),
  // Truncated JSON, even of a body that would act if whole.
  fc
    .tuple(fc.oneof(actingBodyForY, snsBody.map((b) => b.body)), fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }))
    .map(([body, cut]) => {
      const text = JSON.stringify(body);
      return snsRecord(text.slice(0, Math.floor(cut * text.length)));
    }),
  // JSON arrays.
  fc.oneof(fc.array(snsBody.map((b) => b.body), { minLength: 0, maxLength: 2 }), fc.array(inertJson, { maxLength: 4 })).map((arr) => snsRecord(JSON.stringify(arr))),
  // JSON objects with random or missing keys.
  fc
    .oneof(fc.dictionary(fc.string({ maxLength: 12 }), inertJson, { maxKeys: 6 }), fc.object({ maxDepth: 2 }))
    .filter((o) => {
      const s = JSON.stringify(o);
      return !EVENT_ID_RE.test(s) && !mentionsY(s);
    })
    .map((o) => snsRecord(JSON.stringify(o))),
  // A body that must not act, with random MessageAttributes instead of its own.
  fc.tuple(snsBody, inertJson).map(([b, attrs]) => snsRecord(JSON.stringify(b.body), attrs)),
);

const oddEnvelope: fc.Arbitrary<{ input: unknown; items?: number }> = fc.oneof(
  { weight: 6, arbitrary: fc.array(oddRecord, { minLength: 1, maxLength: 5 }).map((records) => ({ input: { Records: records }, items: records.length })) },
  // Records present but empty or not an array.
  {
    weight: 1,
    arbitrary: fc.oneof(fc.constant<unknown>([]), inertJson.filter((v) => !Array.isArray(v))).map((records) => ({ input: { Records: records } })),
  },
);

// ---------------------------------------------------------------------------------------------
// EventBridge events from tagged fields.

const ebSource = fc.oneof(
  { weight: 5, arbitrary: fc.constant<{ good: boolean; value: unknown }>({ good: true, value: 'aws.rds' }) },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom<unknown>('aws.ec2', 'aws.s3', 'aws.events', 'aws.rds-data', 'aws.health', 'custom.replica-refresh', ABSENT),
        fc.string({ maxLength: 16 }).filter((s) => s.trim().toLowerCase() !== 'aws.rds'),
        inertNonString,
      )
      .map((value) => ({ good: false, value })),
  },
);
const ebDetailType = fc.oneof(
  fc.constantFrom<unknown>('RDS DB Instance Event', 'RDS DB Snapshot Event', 'RDS DB Cluster Event', 'RDS DB Cluster Snapshot Event', 'RDS DB Parameter Group Event', ABSENT),
  fc.string({ maxLength: 20 }),
);
interface EbIdField {
  cls: IdClass;
  value: unknown;
}
const ebEventId = fc.oneof(
  { weight: 4, arbitrary: actingId.map((value): EbIdField => ({ cls: 'acting', value })) },
  { weight: 3, arbitrary: fc.oneof(otherId, otherId.chain(inDocUrl)).map((value): EbIdField => ({ cls: 'other', value })) },
  { weight: 3, arbitrary: brokenIdValue.map((value): EbIdField => ({ cls: 'none', value })) },
);
const ebSourceId = fc.oneof(
  { weight: 5, arbitrary: fc.constant<{ isY: boolean; value: unknown }>({ isY: true, value: Y }) },
  { weight: 3, arbitrary: otherSourceId.map((value): { isY: boolean; value: unknown } => ({ isY: false, value })) },
  { weight: 2, arbitrary: fc.oneof(fc.constant<unknown>(ABSENT), blank, inertNonString).map((value) => ({ isY: false, value })) },
);

const eventBridge: fc.Arbitrary<unknown> = fc
  .record({
    source: ebSource,
    detailType: ebDetailType,
    detailIsObject: fc.boolean(),
    notDetail: fc.oneof(fc.constant<unknown>(ABSENT), inertNonString),
    eventId: ebEventId,
    type: typeField,
    sourceId: ebSourceId,
    date: anyTime,
    time: anyTime,
    extraDetail: fc.dictionary(
      fc.string({ maxLength: 10 }).filter((k) => !['EventID', 'SourceType', 'SourceIdentifier', 'Date'].includes(k)),
      inertJson,
      { maxKeys: 2 },
    ),
  })
  .filter((e) => !(e.source.good && e.detailIsObject && e.eventId.cls === 'acting' && e.type.instance && e.sourceId.isY))
  .map((e) => {
    const sourceId = typeof e.sourceId.value === 'string' ? e.sourceId.value : X;
    const base = eventBridgeEvent(undefined, sourceId, T0);
    const detail = withFields(base.detail as Record<string, unknown>, {
      ...e.extraDetail,
      EventID: e.eventId.value,
      SourceType: e.type.value === 'db-instance' ? 'DB_INSTANCE' : e.type.value,
      SourceIdentifier: e.sourceId.value,
      Date: e.date,
    });
    return withFields(base, { source: e.source.value, 'detail-type': e.detailType, time: e.time, detail: e.detailIsObject ? detail : e.notDetail });
  });

// ---------------------------------------------------------------------------------------------
// Arbitrary values, and objects whose getters throw.

/** Arbitrary values, including sparse Records arrays, which JSON cannot express but code can pass. */
const anyValue: fc.Arbitrary<unknown> = fc
  .oneof(
    // eslint-disable-next-line no-sparse-arrays -- holes in Records are one of the inputs under test.
    fc.constantFrom<unknown>(null, undefined, 0, '', [], {}, { Records: null }, { Records: {} }, { Records: [, ,] }, { Records: new Array(3) }, { source: 'aws.rds' }, { 'detail-type': 'RDS DB Instance Event' }, { detail: {} }),
    fc.jsonValue({ maxDepth: 4 }),
    fc.anything({ maxDepth: 3, withBoxedValues: true, withMap: true, withSet: true, withDate: true, withNullPrototype: true, withObjectString: true, withTypedArray: true, withBigInt: true }),
  )
  .filter((v) => {
    try {
      return !mentionsY(fc.stringify(v));
    } catch {
      return true;
    }
  });

/** Values a getter may throw, including a null-prototype object that refuses to become a string. */
const thrown = fc.oneof(
  fc.string({ maxLength: 20 }).map((m) => new Error(m)),
  fc.string({ maxLength: 20 }).map((m) => new TypeError(m)),
  fc.constantFrom<unknown>(undefined, null, 'boom', 42, { message: 'not an Error' }),
  fc.constant(null).map(() => Object.create(null) as unknown),
);
const throwing = (key: string, err: unknown, base: Record<string, unknown> = {}) =>
  Object.defineProperty({ ...base }, key, {
    enumerable: true,
    get() {
      throw err;
    },
  }) as Record<string, unknown>;

const withThrowingGetter: fc.Arbitrary<unknown> = fc
  .tuple(thrown, fc.integer({ min: 0, max: 5 }))
  .map(([err, where]) => {
    const valid = snsEvent(rdsMessage('RDS-EVENT-0006', Y, T0)).Records[0] as unknown as Record<string, unknown>;
    switch (where) {
      case 0:
        return throwing('Records', err);
      case 1:
        return { Records: [throwing('Sns', err, valid)] };
      case 2:
        return { Records: [throwing('EventSource', err, valid)] };
      case 3:
        return { Records: [withFields(valid, { Sns: throwing('Message', err, valid.Sns as Record<string, unknown>) })] };
      case 4:
        return throwing('detail', err, eventBridgeEvent('RDS-EVENT-0006', Y, T0));
      default:
        return throwing('source', err, eventBridgeEvent('RDS-EVENT-0006', Y, T0));
    }
  });

// ---------------------------------------------------------------------------------------------

describe(`handleInvocation fuzz: ${TOTAL_RUNS} malformed or irrelevant invocations (seed ${SEED}) are ignored and never act`, () => {
  it('the oracle knows the same acting event ids as the code (update ACTING_IDS if this fails)', () => {
    expect([...EVENT_IDS.deleted, ...EVENT_IDS.usable, ...EVENT_IDS.failed].sort()).toEqual([...ACTING_IDS].sort());
  });

  it(`${RUNS.values} arbitrary values: null, scalars, arrays, deep objects, Maps, boxed values`, async () => {
    await assertProperty(anyValue, RUNS.values, (input) => expectIgnored(input));
  });

  it(`${RUNS.envelopes} SNS envelopes with odd records: no or odd Sns, non-string, plain-text, truncated, array or random-key Message`, async () => {
    await assertProperty(oddEnvelope, RUNS.envelopes, ({ input, items }) => expectIgnored(input, items));
  });

  it(`${RUNS.bodies} RDS notification bodies with a broken or foreign event id, source type or source id, for 1-3 records`, async () => {
    await assertProperty(fc.array(snsBody, { minLength: 1, maxLength: 3 }), RUNS.bodies, (bodies) =>
      expectIgnored({ Records: bodies.map((b) => snsRecord(JSON.stringify(b.body), b.attrs)) }, bodies.length),
    );
  });

  it(`${RUNS.eventBridge} EventBridge events: other source, no detail, no or foreign EventID, other SourceType, not a replica`, async () => {
    await assertProperty(eventBridge, RUNS.eventBridge, (input) => expectIgnored(input, 1));
  });

  it(`${RUNS.getters} objects whose getters throw`, async () => {
    await assertProperty(withThrowingGetter, RUNS.getters, (input) => expectIgnored(input, 1));
  });

  it('checked every input, and left RDS, SNS and the ledger untouched', async () => {
    expect(inputsChecked).toBe(TOTAL_RUNS);
    expect(rds.mock.calls()).toEqual([]);
    expect(snsMock.calls()).toEqual([]);
    expect(ledgerCalls).toEqual([]);
    expect(await deps.ledger.listRuns(Y)).toEqual([]);
    expect(await deps.ledger.getActiveRun(Y)).toBeUndefined();
  });

  it('control: the same checks reject events that legitimately act', async () => {
    const acting = [
      snsEvent(rdsMessage('RDS-EVENT-0003', Y, T0)),
      snsEvent(rdsMessage('RDS-EVENT-0043', Y, T0)),
      eventBridgeEvent('RDS-EVENT-0278', Y, T0),
    ];
    for (const input of acting) await expect(expectIgnored(input, 1)).rejects.toThrow();
    rds.mock.resetHistory();
    snsMock.resetHistory();
  });
});
