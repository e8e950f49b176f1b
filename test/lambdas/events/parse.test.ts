import { parseEventTime, parseInvocation } from '../../../lambdas/events/parse';
import { INSTANCE_TARGET } from '../../../lambdas/targets/instance/model';
import { pair } from '../../support/fixtures';
import { REPLICA_REGION, Y, eventBridgeEvent, rdsMessage, snsEvent } from '../../support/fixtures';

const at = new Date('2026-11-21T02:04:05.570Z');

function onlyEvent(input: unknown) {
  const items = parseInvocation(input);
  expect(items).toHaveLength(1);
  const [item] = items;
  if (item?.kind !== 'event') throw new Error(`expected an event, got ${JSON.stringify(item)}`);
  return item.event;
}

describe('parseEventTime', () => {
  it('reads RDS\'s zone-less time as UTC', () => {
    expect(parseEventTime('2021-05-15 09:10:41.570')?.toISOString()).toBe('2021-05-15T09:10:41.570Z');
  });
  it('reads ISO times with a zone', () => {
    expect(parseEventTime('2021-05-15T11:10:41+02:00')?.toISOString()).toBe('2021-05-15T09:10:41.000Z');
  });
  it.each([undefined, '', 'yesterday', 42, '2021-13-45 99:99:99'])('returns undefined for %p', (raw) => {
    expect(parseEventTime(raw)).toBeUndefined();
  });
});

describe('parseInvocation: SNS-delivered RDS notifications', () => {
  it('reads the current format', () => {
    const e = onlyEvent(snsEvent(rdsMessage('RDS-EVENT-0003', Y, at, 'DB instance deleted')));
    expect(e).toEqual({
      eventId: 'RDS-EVENT-0003',
      sourceType: 'db-instance',
      sourceId: Y,
      time: at,
      message: 'DB instance deleted',
      sourceArn: `arn:aws:rds:${REPLICA_REGION}:111111111111:db:${Y}`,
      via: 'sns',
    });
  });

  it('takes the event ID from a documentation URL on any host, with a trailing space', () => {
    const e = onlyEvent(snsEvent(rdsMessage('RDS-EVENT-0043', Y, at, 'Restored from snapshot s', { 'Event ID': 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Events.Messages.html#RDS-EVENT-0043 ' })));
    expect(e.eventId).toBe('RDS-EVENT-0043');
  });

  it('reads payloads without "Source ARN" (before about 2020)', () => {
    const body = rdsMessage('RDS-EVENT-0003', Y, at);
    delete body['Source ARN'];
    const e = onlyEvent(snsEvent(body));
    expect(e.sourceId).toBe(Y);
    expect(e.sourceArn).toBeUndefined();
  });

  it('finds the source id in "Identifier Link" when the 2016 format has no "Source ID"', () => {
    const body = rdsMessage('RDS-EVENT-0003', Y, at, 'The DB instance is being deleted.', {
      'Identifier Link': `https://console.aws.amazon.com/rds/home?region=${REPLICA_REGION}#dbinstance:id=${Y}\nSourceId: ${Y}`,
    });
    delete body['Source ID'];
    delete body['Source ARN'];
    expect(onlyEvent(snsEvent(body)).sourceId).toBe(Y);
  });

  it('falls back to the EventID message attribute', () => {
    const event = snsEvent(rdsMessage('RDS-EVENT-0003', Y, at, 'x', { 'Event ID': '' }));
    const sns = event.Records[0]!.Sns;
    sns.MessageAttributes = { EventID: { Type: 'String', Value: 'RDS-EVENT-0005' } };
    expect(onlyEvent(event).eventId).toBe('RDS-EVENT-0005');
  });

  it('ignores extra keys such as tags added by newer deliveries', () => {
    const e = onlyEvent(snsEvent(rdsMessage('RDS-EVENT-0005', Y, at, 'created', { Tags: { team: 'orders' } })));
    expect(e.eventId).toBe('RDS-EVENT-0005');
  });

  it('ignores the plain-text message sent when a subscription is created', () => {
    expect(parseInvocation(snsEvent('This is a test notification. You have successfully subscribed.'))).toEqual([
      { kind: 'ignored', reason: 'not-json', detail: 'This is a test notification. You have successfully subscribed.' },
    ]);
  });

  it('reads every record of a batch', () => {
    const items = parseInvocation(snsEvent(rdsMessage('RDS-EVENT-0003', Y, at), 'not json', rdsMessage('RDS-EVENT-0043', Y, at)));
    expect(items.map((i) => i.kind)).toEqual(['event', 'ignored', 'event']);
  });
});

describe('parseInvocation: EventBridge', () => {
  it('reads an instance event', () => {
    const e = onlyEvent(eventBridgeEvent('RDS-EVENT-0003', Y, at));
    expect(e).toMatchObject({ eventId: 'RDS-EVENT-0003', sourceType: 'db-instance', sourceId: Y, time: at, via: 'eventbridge' });
  });
  it('ignores older events without an EventID', () => {
    expect(parseInvocation(eventBridgeEvent(undefined, Y, at))).toEqual([expect.objectContaining({ kind: 'ignored', reason: 'no-event-id' })]);
  });
  it('ignores other sources', () => {
    expect(parseInvocation({ ...eventBridgeEvent('RDS-EVENT-0003', Y, at), source: 'aws.ec2' })).toEqual([expect.objectContaining({ kind: 'ignored', reason: 'other-source' })]);
  });
});

describe('parseInvocation: malformed input', () => {
  it.each([
    ['null', null],
    ['a string', 'hello'],
    ['an array', [1, 2]],
    ['empty Records', { Records: [] }],
    ['a record without Sns', { Records: [{ EventSource: 'aws:sns' }] }],
    ['an SQS record', { Records: [{ EventSource: 'aws:sqs', body: '{}' }] }],
    ['a non-string Message', { Records: [{ Sns: { Message: 42 } }] }],
    ['a JSON array Message', { Records: [{ Sns: { Message: '[1]' } }] }],
    ['no Event Source', { Records: [{ Sns: { Message: JSON.stringify({ 'Event ID': '#RDS-EVENT-0003', 'Source ID': Y }) } }] }],
    ['no source id at all', { Records: [{ Sns: { Message: JSON.stringify({ 'Event ID': '#RDS-EVENT-0003', 'Event Source': 'db-instance' }) } }] }],
    ['an EventBridge event without detail', { source: 'aws.rds', 'detail-type': 'RDS DB Instance Event' }],
    ['an unrelated object', { hello: 'world' }],
  ])('ignores %s without throwing', (_name, input) => {
    const items = parseInvocation(input);
    expect(items.length).toBeGreaterThan(0);
    expect(items.every((i) => i.kind === 'ignored')).toBe(true);
  });

  it('survives an object whose getters throw', () => {
    const evil = Object.defineProperty({}, 'Records', {
      get() {
        throw new Error('boom');
      },
      enumerable: true,
    });
    expect(parseInvocation(evil)).toEqual([{ kind: 'ignored', reason: 'malformed', detail: 'boom' }]);
  });
});

describe("the instance target's reading of y's events", () => {
  const base = { sourceType: 'db-instance', sourceId: Y };
  const signalOf = (event: typeof base & { eventId: string }) => INSTANCE_TARGET.signalOf(pair(), event);
  it.each([
    ['RDS-EVENT-0003', 'deleted'],
    ['RDS-EVENT-0043', 'usable'],
    ['RDS-EVENT-0005', 'usable'],
    ['RDS-EVENT-0002', 'usable'],
    ['RDS-EVENT-0278', 'failed'],
    ['RDS-EVENT-0353', 'failed'],
    ['RDS-EVENT-0034', undefined],
    ['RDS-EVENT-0001', undefined],
  ])('maps %s to %s', (eventId, signal) => {
    expect(signalOf({ ...base, eventId })).toBe(signal);
  });
  it('ignores snapshot events even with an instance event id', () => {
    expect(signalOf({ ...base, sourceType: 'db-snapshot', eventId: 'RDS-EVENT-0003' })).toBeUndefined();
  });
});
