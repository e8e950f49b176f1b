/**
 * The simulated DNS of the SQL probe: instance endpoint names, renames, Route 53 records and the client's cache.
 */
import { VirtualClock } from '../../../../scripts/sim/clock';
import { SimDns, SimDnsError } from '../../../../scripts/sim/sql/dns';

const t0 = new Date('2026-11-18T03:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function world(options: { renameDelaySeconds?: number } = {}) {
  const clock = new VirtualClock(t0);
  const dns = new SimDns(clock, { region: 'eu-central-1', ...options });
  return { clock, dns, moveTo: (seconds: number) => clock.run(at(seconds)) };
}

describe('probe DNS (SimDns, Resolver)', () => {
  it('probe DNS names an instance endpoint as RDS does and answers with its address', () => {
    const { dns } = world();

    const name = dns.registerInstance('orders-staging', '10.0.0.1');

    expect(name).toBe('orders-staging.sim.eu-central-1.rds.amazonaws.com');
    expect(dns.resolver().resolve(name, t0)).toEqual({ name, address: '10.0.0.1', instanceId: 'orders-staging', cached: false });
  });

  it('probe DNS: a deleted instance answers NXDOMAIN once the cached answer (5 s TTL) expires', async () => {
    const { dns, moveTo } = world();
    const name = dns.registerInstance('orders-staging', '10.0.0.1');
    const resolver = dns.resolver();
    resolver.resolve(name, t0);

    await moveTo(2);
    dns.deregisterInstance('orders-staging');

    expect(resolver.resolve(name, at(4))).toMatchObject({ address: '10.0.0.1', instanceId: undefined, cached: true });
    expect(resolver.resolve(name, at(5))).toEqual({ name, error: 'NXDOMAIN' });
    expect(dns.resolver().resolve(name, at(2))).toEqual({ name, error: 'NXDOMAIN' });
  });

  it('probe DNS: a client keeps its cached Route 53 answer until the record TTL passes', async () => {
    const { dns, moveTo } = world();
    dns.registerInstance('orders-staging-a', '10.0.0.1');
    dns.registerInstance('orders-staging-b', '10.0.0.2');
    dns.upsertRecord('db.staging.internal', dns.endpointName('orders-staging-a'), 30);
    const client = dns.resolver();
    const fresh = (seconds: number) => dns.resolver().resolve('db.staging.internal', at(seconds));
    client.resolve('db.staging.internal', at(0));

    await moveTo(10);
    dns.upsertRecord('db.staging.internal', dns.endpointName('orders-staging-b'), 30);

    expect(fresh(10)).toMatchObject({ instanceId: 'orders-staging-b' });
    expect(client.resolve('db.staging.internal', at(29.999))).toMatchObject({ instanceId: 'orders-staging-a' });
    expect(client.resolve('db.staging.internal', at(30))).toMatchObject({ instanceId: 'orders-staging-b', cached: false });
  });

  it('probe DNS: a rename deletes the old name at once and the new name answers after the documented 10 minutes', async () => {
    const { dns, moveTo } = world();
    dns.registerInstance('orders-staging', '10.0.0.1');
    dns.registerInstance('orders-staging-next', '10.0.0.2');
    const y = dns.endpointName('orders-staging');
    const resolve = (name: string, seconds: number) => dns.resolver().resolve(name, at(seconds));

    await moveTo(60);
    dns.renameInstance('orders-staging', 'orders-staging-old');
    await moveTo(61);
    dns.renameInstance('orders-staging-next', 'orders-staging');

    expect(resolve(y, 60)).toEqual({ name: y, error: 'NXDOMAIN' });
    expect(resolve(dns.endpointName('orders-staging-old'), 659)).toEqual({ name: dns.endpointName('orders-staging-old'), error: 'NXDOMAIN' });
    expect(resolve(dns.endpointName('orders-staging-old'), 660)).toMatchObject({ address: '10.0.0.1', instanceId: 'orders-staging-old' });
    expect(resolve(y, 660.999)).toEqual({ name: y, error: 'NXDOMAIN' });
    expect(resolve(y, 661)).toMatchObject({ address: '10.0.0.2', instanceId: 'orders-staging' });
    expect(resolve(dns.endpointName('orders-staging-next'), 61)).toEqual({ name: dns.endpointName('orders-staging-next'), error: 'NXDOMAIN' });
  });

  it('probe DNS: a client that caches longer than the TTL keeps reaching the renamed server', async () => {
    const { dns, moveTo } = world({ renameDelaySeconds: 120 });
    const y = dns.registerInstance('orders-staging', '10.0.0.1');
    const jvm = dns.resolver({ minCacheSeconds: 60 });
    jvm.resolve(y, t0);

    await moveTo(10);
    dns.renameInstance('orders-staging', 'orders-staging-old');

    expect(jvm.resolve(y, at(59))).toEqual({ name: y, address: '10.0.0.1', instanceId: 'orders-staging-old', cached: true });
    expect(jvm.resolve(y, at(60))).toEqual({ name: y, error: 'NXDOMAIN' });
  });

  it('probe DNS: deleting the instance during a rename cancels the name that was not yet in effect', async () => {
    const { dns, moveTo } = world();
    dns.registerInstance('orders-staging-next', '10.0.0.2');
    dns.renameInstance('orders-staging-next', 'orders-staging');

    await moveTo(120);
    dns.deregisterInstance('orders-staging');

    expect(dns.resolver().resolve(dns.endpointName('orders-staging'), at(900))).toMatchObject({ error: 'NXDOMAIN' });
  });

  it('probe DNS fails on a negative TTL or rename delay', () => {
    const clock = new VirtualClock(t0);

    expect(() => new SimDns(clock, { region: 'eu-central-1', renameDelaySeconds: -1 })).toThrow(new SimDnsError('renameDelaySeconds must be a number of at least 0, got -1'));
    expect(() => new SimDns(clock, { region: 'eu-central-1' }).upsertRecord('db.internal', 'x.internal', Number.NaN)).toThrow('ttlSeconds must be a number of at least 0, got NaN');
  });
});
