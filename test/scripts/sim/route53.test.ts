/**
 * The simulated Route 53 (scripts/sim/route53.ts) through the real Route53Adapter and a real Route53Client: changes
 * PENDING then INSYNC on the virtual clock, Route 53's rejections with its errors, ListResourceRecordSets' order and
 * start position, and the record-change hook, followed by the simulated resolver of scripts/sim/sql/dns.ts.
 */
import type { Change, ResourceRecordSet } from '@aws-sdk/client-route-53';
import { ChangeResourceRecordSetsCommand, InvalidChangeBatch, InvalidInput, ListResourceRecordSetsCommand, NoSuchChange, NoSuchHostedZone } from '@aws-sdk/client-route-53';
import { PermanentDnsError, RetryableDnsError, Route53Adapter } from '../../../lambdas/aws/route53';
import { VirtualClock } from '../../../scripts/sim/clock';
import { Random, fixed } from '../../../scripts/sim/random';
import { SimRoute53 } from '../../../scripts/sim/route53';
import { SimDns } from '../../../scripts/sim/sql/dns';

const START = new Date('2026-11-21T02:00:00Z');
const NAME = 'orders-staging.staging.internal';
const A = 'orders-staging-a.sim.eu-central-1.rds.amazonaws.com';
const B = 'orders-staging-b.sim.eu-central-1.rds.amazonaws.com';

function world(seed = 7) {
  const clock = new VirtualClock(START);
  const route53 = new SimRoute53(clock, new Random(seed));
  const zone = route53.createHostedZone('staging.internal', { vpc: { region: 'eu-central-1', vpcId: 'vpc-0123456789abcdef0' } });
  const client = route53.client();
  const adapter = new Route53Adapter(client);
  const after = (seconds: number) => clock.run(clock.millis + seconds * 1000);
  const until = (at: Date) => clock.run(at);
  /** Sends a change batch of simple records straight to the simulator, as another tool in the account would. */
  const change = (...changes: Change[]) => client.send(new ChangeResourceRecordSetsCommand({ HostedZoneId: zone.id, ChangeBatch: { Changes: changes } }));
  return { clock, route53, zone, client, adapter, after, until, change };
}

const cname = (action: Change['Action'], name: string, value: string, ttl = 60): Change => ({ Action: action, ResourceRecordSet: { Name: name, Type: 'CNAME', TTL: ttl, ResourceRecords: [{ Value: value }] } });

/** What a promise rejected with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

/** The InvalidChangeBatch behind an adapter's error (or the error itself), with AWS's messages. */
function batchMessages(err: unknown): string[] | undefined {
  const fault = err instanceof PermanentDnsError ? err.cause : err;
  return fault instanceof InvalidChangeBatch ? fault.messages : undefined;
}

describe('SimRoute53 through Route53Adapter: changes on the clock', () => {
  it('keeps a change PENDING until its propagation delay has passed, then INSYNC, within Route 53 documented 60 s', async () => {
    const { adapter, route53, zone, clock, after, until } = world();
    const { changeId, submittedAt } = await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 30, comment: 'run r-1' });
    expect(submittedAt).toEqual(START);
    expect(await adapter.changeStatus(changeId)).toBe('PENDING');
    // The record is listed at once, PENDING or not.
    expect(await adapter.currentTarget(zone.id, NAME)).toEqual({ target: A, ttlSeconds: 30 });
    const insyncAt = route53.changes.get(changeId)!.insyncAt;
    expect(insyncAt.getTime() - START.getTime()).toBeGreaterThanOrEqual(5000);
    expect(insyncAt.getTime() - START.getTime()).toBeLessThanOrEqual(60000);
    await after(4);
    expect(await adapter.changeStatus(changeId)).toBe('PENDING');
    await until(new Date(insyncAt.getTime() - 1));
    expect(await adapter.changeStatus(changeId)).toBe('PENDING');
    await until(insyncAt);
    expect(clock.now()).toEqual(insyncAt);
    expect(await adapter.changeStatus(`/change/${changeId}`)).toBe('INSYNC');
  });

  it('keeps names as Route 53 does: lower case, with the trailing dot, found again whatever the case', async () => {
    const { adapter, route53, zone } = world();
    await adapter.pointRecord({ hostedZoneId: zone.id, recordName: 'Orders-Staging.Staging.Internal', target: A, ttlSeconds: 30 });
    expect(route53.record(zone.id, NAME)).toEqual({ Name: `${NAME}.`, Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: A }] });
    expect(await adapter.currentTarget(zone.id, 'ORDERS-STAGING.staging.internal.')).toEqual({ target: A, ttlSeconds: 30 });
  });

  it('UPSERTs over the record: the second point replaces target and TTL', async () => {
    const { adapter, zone, after } = world();
    await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 30 });
    await after(120);
    await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: B, ttlSeconds: 10 });
    expect(await adapter.currentTarget(zone.id, NAME)).toEqual({ target: B, ttlSeconds: 10 });
  });

  it('tells listeners of a change when it is INSYNC, in the order the changes were made, and stops after unsubscribing', async () => {
    const { adapter, route53, zone, after, change } = world();
    const heard: [string, string | undefined, number, Date][] = [];
    const stop = route53.onRecordChange((...args) => heard.push(args));
    route53.timings = { propagation: fixed(50) };
    const first = await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 30 });
    await after(10);
    // A faster change made later is still not INSYNC before the earlier one.
    route53.timings = { propagation: fixed(5) };
    const second = await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: B, ttlSeconds: 30 });
    await after(30);
    expect(heard).toEqual([]);
    expect(await adapter.changeStatus(second.changeId)).toBe('PENDING');
    await after(10);
    const insync = new Date(START.getTime() + 50_000);
    expect(heard).toEqual([
      [`${NAME}.`, A, 30, insync],
      [`${NAME}.`, B, 30, insync],
    ]);
    expect(await adapter.changeStatus(first.changeId)).toBe('INSYNC');
    expect(await adapter.changeStatus(second.changeId)).toBe('INSYNC');
    // A delete is told with no target; a listener that unsubscribed hears nothing more.
    const late: unknown[] = [];
    route53.onRecordChange((...args) => late.push(args));
    stop();
    await change(cname('DELETE', NAME, B, 30));
    await after(60);
    expect(heard).toHaveLength(2);
    expect(late).toEqual([[`${NAME}.`, undefined, 30, new Date(START.getTime() + 55_000)]]);
    expect(route53.record(zone.id, NAME)).toBeUndefined();
  });
});

describe('SimRoute53: the record-change hook drives the simulated resolver', () => {
  it('lets a resolver see the new target only from INSYNC, and a cache keep the old one for the TTL after that', async () => {
    const { adapter, route53, zone, clock, after, until } = world();
    const dns = new SimDns(clock, { region: 'eu-central-1' });
    dns.registerInstance('orders-staging-a', '10.0.1.10');
    dns.registerInstance('orders-staging-b', '10.0.1.20');
    route53.onRecordChange((name, target, ttl) => (target ? dns.upsertRecord(name, target, ttl) : dns.deleteRecord(name)));
    const first = await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 30 });
    await until(route53.changes.get(first.changeId)!.insyncAt);
    const client = dns.resolver();
    expect(client.resolve(NAME, clock.now())).toMatchObject({ instanceId: 'orders-staging-a' });

    await after(300);
    const second = await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: B, ttlSeconds: 30 });
    const insyncAt = route53.changes.get(second.changeId)!.insyncAt;
    await until(new Date(insyncAt.getTime() - 1));
    // Just before INSYNC even a fresh resolver gets the old target; the client caches it now.
    expect(dns.resolver().resolve(NAME, clock.now())).toMatchObject({ instanceId: 'orders-staging-a', cached: false });
    expect(client.resolve(NAME, clock.now())).toMatchObject({ instanceId: 'orders-staging-a', cached: false });
    await until(insyncAt);
    expect(await adapter.changeStatus(second.changeId)).toBe('INSYNC');
    expect(dns.resolver().resolve(NAME, clock.now())).toMatchObject({ instanceId: 'orders-staging-b' });
    // The client's cache holds the old CNAME answer for its TTL (the instance's own name is looked up again, and still
    // answers): INSYNC plus the TTL is when the old slot may go.
    await until(new Date(insyncAt.getTime() + 29_000));
    expect(client.resolve(NAME, clock.now())).toMatchObject({ instanceId: 'orders-staging-a' });
    await until(new Date(insyncAt.getTime() + 30_000));
    expect(client.resolve(NAME, clock.now())).toMatchObject({ instanceId: 'orders-staging-b' });
  });
});

describe('SimRoute53: rejections with Route 53 errors', () => {
  it('refuses a record outside the zone and a CNAME at the apex (InvalidChangeBatch), as permanent errors of the adapter', async () => {
    const { adapter, zone } = world();
    const outside = await rejection(adapter.pointRecord({ hostedZoneId: zone.id, recordName: 'orders.prod.internal', target: A, ttlSeconds: 30 }));
    expect(outside).toBeInstanceOf(PermanentDnsError);
    expect(outside).toMatchObject({ code: 'InvalidChangeBatch' });
    expect(batchMessages(outside)).toEqual(['RRSet with DNS name orders.prod.internal. is not permitted in zone staging.internal.']);
    const apex = await rejection(adapter.pointRecord({ hostedZoneId: zone.id, recordName: 'Staging.Internal.', target: A, ttlSeconds: 30 }));
    expect(apex).toBeInstanceOf(PermanentDnsError);
    expect(batchMessages(apex)).toEqual(['RRSet of type CNAME with DNS name staging.internal. is not permitted at apex in zone staging.internal.']);
  });

  it('refuses a CNAME next to another record of the name, and another record next to a CNAME', async () => {
    const { adapter, zone, change } = world();
    await change({ Action: 'CREATE', ResourceRecordSet: { Name: NAME, Type: 'TXT', TTL: 300, ResourceRecords: [{ Value: '"owner=dba"' }] } });
    const err = await rejection(adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 30 }));
    expect(batchMessages(err)).toEqual([`RRSet of type CNAME with DNS name ${NAME}. is not permitted as it conflicts with other records with the same DNS name in zone staging.internal.`]);
    await adapter.pointRecord({ hostedZoneId: zone.id, recordName: 'reports.staging.internal', target: A, ttlSeconds: 30 });
    const other = await rejection(change({ Action: 'CREATE', ResourceRecordSet: { Name: 'reports.staging.internal', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '10.0.0.1' }] } }));
    expect(batchMessages(other)).toEqual(['RRSet of type A with DNS name reports.staging.internal. is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone staging.internal.']);
  });

  it('refuses a TTL outside 0..2147483647 and a CNAME without a value (InvalidInput)', async () => {
    const { adapter, zone, change } = world();
    for (const ttlSeconds of [-1, 2147483648, 1.5]) {
      const err = await rejection(adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds }));
      expect(err).toBeInstanceOf(PermanentDnsError);
      expect((err as PermanentDnsError).cause).toBeInstanceOf(InvalidInput);
    }
    await adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 2147483647 });
    expect(await adapter.currentTarget(zone.id, NAME)).toEqual({ target: A, ttlSeconds: 2147483647 });
    const none = await rejection(change({ Action: 'UPSERT', ResourceRecordSet: { Name: 'x.staging.internal', Type: 'CNAME', TTL: 60 } }));
    expect(none).toBeInstanceOf(InvalidInput);
    expect((none as InvalidInput).message).toBe('Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=UPSERT, Name=x.staging.internal, Type=CNAME, SetIdentifier=null]');
  });

  it('refuses a target that is no domain name', async () => {
    const { adapter, zone } = world();
    const err = await rejection(adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: 'orders-staging-a..rds.amazonaws.com', ttlSeconds: 30 }));
    expect(err).toBeInstanceOf(PermanentDnsError);
    expect(batchMessages(err)).toHaveLength(1);
  });

  it('answers an unknown zone with NoSuchHostedZone and an unknown change with NoSuchChange', async () => {
    const { adapter } = world();
    const zoneErr = await rejection(adapter.pointRecord({ hostedZoneId: 'Z0NOSUCHZONE000000000', recordName: NAME, target: A, ttlSeconds: 30 }));
    expect(zoneErr).toBeInstanceOf(PermanentDnsError);
    expect((zoneErr as PermanentDnsError).cause).toBeInstanceOf(NoSuchHostedZone);
    expect(((zoneErr as PermanentDnsError).cause as NoSuchHostedZone).message).toBe('No hosted zone found with ID: Z0NOSUCHZONE000000000');
    const changeErr = await rejection(adapter.changeStatus('C0NOSUCHCHANGE0000000'));
    expect(changeErr).toBeInstanceOf(PermanentDnsError);
    expect((changeErr as PermanentDnsError).cause).toBeInstanceOf(NoSuchChange);
    expect(await rejection(adapter.currentTarget('Z0NOSUCHZONE000000000', NAME))).toMatchObject({ code: 'NoSuchHostedZone' });
  });

  it('throttles with Throttling and PriorRequestNotComplete, which the SDK retries and the adapter then calls retryable', async () => {
    const { adapter, route53, zone } = world();
    route53.faults = { throttleRate: 1, priorRequestNotCompleteRate: 0 };
    const throttled = await rejection(adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 30 }));
    expect(throttled).toBeInstanceOf(RetryableDnsError);
    expect(throttled).toMatchObject({ code: 'Throttling' });
    // Every attempt of the product's client reached the simulator: six, as route53Client sets.
    expect(route53.calls.filter((c) => c.outcome === 'Throttling')).toHaveLength(6);
    route53.faults = { throttleRate: 0, priorRequestNotCompleteRate: 1 };
    expect(await rejection(adapter.pointRecord({ hostedZoneId: zone.id, recordName: NAME, target: A, ttlSeconds: 30 }))).toMatchObject({ name: 'RetryableDnsError', code: 'PriorRequestNotComplete' });
    route53.faults = { throttleRate: 0, priorRequestNotCompleteRate: 0 };
    expect(route53.record(zone.id, NAME)).toBeUndefined();
  });
});

describe('SimRoute53: change batches', () => {
  it('DELETEs only a record given exactly as it is, and CREATEs only a record that does not exist', async () => {
    const { change, route53, zone } = world();
    await change(cname('CREATE', NAME, A, 60));
    expect(batchMessages(await rejection(change(cname('CREATE', NAME, B, 60))))).toEqual([`Tried to create resource record set [name='${NAME}.', type='CNAME'] but it already exists`]);
    expect(batchMessages(await rejection(change(cname('DELETE', NAME, A, 30))))).toEqual([`Tried to delete resource record set [name='${NAME}.', type='CNAME'] but the values provided do not match the current values`]);
    expect(batchMessages(await rejection(change(cname('DELETE', NAME, B, 60))))).toEqual([`Tried to delete resource record set [name='${NAME}.', type='CNAME'] but the values provided do not match the current values`]);
    expect(batchMessages(await rejection(change(cname('DELETE', 'gone.staging.internal', A, 60))))).toEqual(["Tried to delete resource record set [name='gone.staging.internal.', type='CNAME'] but it was not found"]);
    // The value as a domain name: case and the trailing dot do not count.
    await change(cname('DELETE', NAME.toUpperCase(), `${A.toUpperCase()}.`, 60));
    expect(route53.record(zone.id, NAME)).toBeUndefined();
  });

  it('applies a batch whole or not at all, reporting every failed change', async () => {
    const { change, route53, zone } = world();
    await change(cname('CREATE', NAME, A, 60));
    const err = await rejection(change(cname('UPSERT', 'new.staging.internal', B), cname('DELETE', 'gone.staging.internal', A), cname('UPSERT', 'orders.prod.internal', A)));
    expect(err).toBeInstanceOf(InvalidChangeBatch);
    expect((err as InvalidChangeBatch).messages).toEqual(["Tried to delete resource record set [name='gone.staging.internal.', type='CNAME'] but it was not found", 'RRSet with DNS name orders.prod.internal. is not permitted in zone staging.internal.']);
    expect((err as InvalidChangeBatch).message).toBe(`[${(err as InvalidChangeBatch).messages!.join(', ')}]`);
    expect(route53.record(zone.id, 'new.staging.internal')).toBeUndefined();
    // A DELETE then a CREATE of one record is one valid batch; deleting it twice is not.
    await change(cname('DELETE', NAME, A, 60), cname('CREATE', NAME, B, 10));
    expect(route53.record(zone.id, NAME)?.ResourceRecords).toEqual([{ Value: B }]);
    expect(batchMessages(await rejection(change(cname('DELETE', NAME, B, 10), cname('DELETE', NAME, B, 10))))).toEqual([`The request contains an invalid set of changes for a resource record set 'CNAME ${NAME}.'`]);
  });
});

describe('SimRoute53: ListResourceRecordSets', () => {
  const names = (list: ResourceRecordSet[] | undefined) => (list ?? []).map((r) => `${r.Name} ${r.Type}`);

  it('lists in Route 53 order (labels reversed, then type) from the start position, a page at a time', async () => {
    const { change, client, zone } = world();
    await change(cname('CREATE', 'b.x.staging.internal', A), cname('CREATE', 'a.y.staging.internal', A), { Action: 'CREATE', ResourceRecordSet: { Name: 'x.staging.internal', Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"t"' }] } }, { Action: 'CREATE', ResourceRecordSet: { Name: 'x.staging.internal', Type: 'A', TTL: 60, ResourceRecords: [{ Value: '10.0.0.1' }] } });
    const all = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id }));
    // internal.staging. < internal.staging.x. < internal.staging.x.b. < internal.staging.y.a.
    expect(names(all.ResourceRecordSets)).toEqual(['staging.internal. NS', 'staging.internal. SOA', 'x.staging.internal. A', 'x.staging.internal. TXT', 'b.x.staging.internal. CNAME', 'a.y.staging.internal. CNAME']);
    expect(all.IsTruncated).toBe(false);

    const fromType = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, StartRecordName: 'X.staging.internal', StartRecordType: 'CNAME', MaxItems: 2 }));
    expect(names(fromType.ResourceRecordSets)).toEqual(['x.staging.internal. TXT', 'b.x.staging.internal. CNAME']);
    expect(fromType).toMatchObject({ IsTruncated: true, NextRecordName: 'a.y.staging.internal.', NextRecordType: 'CNAME', MaxItems: 2 });

    // No exact match: the next record in order (what the adapter's currentTarget must not take for the record).
    const next = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, StartRecordName: 'c.x.staging.internal', StartRecordType: 'CNAME', MaxItems: 1 }));
    expect(names(next.ResourceRecordSets)).toEqual(['a.y.staging.internal. CNAME']);
    const adapter = new Route53Adapter(client);
    expect(await adapter.currentTarget(zone.id, 'c.x.staging.internal')).toBeUndefined();
    expect(await adapter.currentTarget(zone.id, 'x.staging.internal')).toBeUndefined();
    expect(await adapter.currentTarget(zone.id, 'b.x.staging.internal')).toEqual({ target: A, ttlSeconds: 60 });

    const past = await client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, StartRecordName: 'z.staging.internal' }));
    expect(past.ResourceRecordSets).toEqual([]);
  });

  it('refuses a start type without a start name (InvalidInput)', async () => {
    const { client, zone } = world();
    expect(await rejection(client.send(new ListResourceRecordSetsCommand({ HostedZoneId: zone.id, StartRecordType: 'CNAME' })))).toBeInstanceOf(InvalidInput);
  });
});
