/**
 * The simulated SQL probe against real PGlite socket servers: `pg` queries through the simulated DNS, on the
 * virtual clock, measured as client-seen downtime.
 */
import { VirtualClock } from '../../../../scripts/sim/clock';
import { SimDns } from '../../../../scripts/sim/sql/dns';
import { startProbe } from '../../../../scripts/sim/sql/probe';
import { SimDatabaseServers } from '../../../../scripts/sim/sql/servers';

const t0 = new Date('2026-11-18T03:00:00Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const snapshotTime = new Date('2026-11-17T00:10:00Z');
const newSnapshotTime = new Date('2026-11-18T00:10:00Z');

describe('probe (simulated, real PGlite servers)', () => {
  const servers = new SimDatabaseServers();
  afterEach(() => servers.stopAll());

  function world(options: { renameDelaySeconds?: number } = {}) {
    const clock = new VirtualClock(t0);
    const dns = new SimDns(clock, { region: 'eu-central-1', ...options });
    /** Starts an instance's server and DNS name, as when it becomes available. */
    const up = async (id: string, dataTime: Date) => dns.registerInstance(id, (await servers.start(id, { dataTime })).address);
    return { clock, dns, up };
  }

  it('probe counts downtime while the server is gone and recovers when another starts under the same name', async () => {
    const { clock, dns, up } = world();
    const y = await up('orders-staging', snapshotTime);
    const probe = startProbe({ clock, dns, servers, name: y, intervalSeconds: 5 });
    // Delete-first: y stops serving at 62 s, its name goes at 90 s, the restored y serves at 121 s.
    clock.at(at(62), 'delete accepted', () => servers.stop('orders-staging'));
    clock.at(at(90), 'deleted', () => dns.deregisterInstance('orders-staging'));
    clock.at(at(121), 'restored', () => up('orders-staging', newSnapshotTime).then(() => undefined));

    await clock.run(at(180));
    probe.stop();
    const m = probe.measure(at(0), at(180));

    expect(probe.samples).toHaveLength(37);
    expect(m).toMatchObject({ samples: 36, failedSamples: 12, downtimeSeconds: 60, staleSeconds: 0 });
    expect(m.windows).toEqual([{ from: at(65), to: at(125), seconds: 60, kind: 'failed', causes: ['ECONNREFUSED', 'NXDOMAIN'] }]);
    expect(probe.samples.find((s) => s.at.getTime() === at(60).getTime())).toMatchObject({ ok: true, instanceId: 'orders-staging', dataTime: snapshotTime });
    expect(probe.samples.find((s) => s.at.getTime() === at(125).getTime())).toMatchObject({ ok: true, instanceId: 'orders-staging', dataTime: newSnapshotTime });
    expect(probe.downtimeSeconds(at(100), at(110))).toBe(10);
  });

  it('probe sees the old slot through a cached Route 53 answer until the TTL passes (dns-switch), with no failure', async () => {
    const { clock, dns, up } = world();
    await up('orders-staging-a', snapshotTime);
    await up('orders-staging-b', newSnapshotTime);
    dns.upsertRecord('db.staging.internal', dns.endpointName('orders-staging-a'), 30);
    const switchAt = at(62);
    const probe = startProbe({ clock, dns, servers, name: 'db.staging.internal', expected: (when) => (when < switchAt ? 'orders-staging-a' : 'orders-staging-b') });
    clock.at(switchAt, 'upsert', () => dns.upsertRecord('db.staging.internal', dns.endpointName('orders-staging-b'), 30));

    await clock.run(at(120));
    probe.stop();
    const m = probe.measure(at(0), at(120));

    // The answer cached at 60 s holds until 90 s: 65..85 s are answered by slot a.
    expect(m).toMatchObject({ failedSamples: 0, downtimeSeconds: 0, staleSamples: 5, staleSeconds: 25, clientDowntimeSeconds: 25 });
    expect(m.windows).toEqual([{ from: at(65), to: at(90), seconds: 25, kind: 'stale', causes: ['orders-staging-a'] }]);
    expect(probe.samples.filter((s) => s.at >= at(90)).every((s) => s.instanceId === 'orders-staging-b' && s.dataTime?.getTime() === newSnapshotTime.getTime())).toBe(true);
  });

  it('probe of a rename-swap: y answers NXDOMAIN from the rename until the new name takes effect 10 minutes later', async () => {
    const { clock, dns, up } = world();
    const y = await up('orders-staging', snapshotTime);
    await up('orders-staging-next', newSnapshotTime);
    const probe = startProbe({ clock, dns, servers, name: y, intervalSeconds: 10 });
    clock.at(at(62), 'rename y to old', () => dns.renameInstance('orders-staging', 'orders-staging-old'));
    clock.at(at(63), 'rename next to y', async () => {
      dns.renameInstance('orders-staging-next', 'orders-staging');
      await servers.rename('orders-staging', 'orders-staging-old');
      await servers.rename('orders-staging-next', 'orders-staging');
    });

    await clock.run(at(700));
    probe.stop();

    // The answer cached at 60 s lasts until 65 s; the new name answers from 663 s: 70..660 s fail.
    expect(probe.measure(at(0), at(700))).toMatchObject({ failedSamples: 60, downtimeSeconds: 600 });
    expect(probe.samples.at(-1)).toMatchObject({ at: at(700), ok: true, instanceId: 'orders-staging', dataTime: newSnapshotTime });
  });

  it('probe stops and starts around a window: samples only while it runs, on the same clock', async () => {
    const { clock, dns, up } = world();
    const y = await up('orders-staging', snapshotTime);

    await clock.run(at(100));
    const probe = startProbe({ clock, dns, servers, name: y, intervalSeconds: 5 });
    await clock.run(at(130));
    probe.stop();
    await clock.run(at(200));

    expect(probe.running).toBe(false);
    expect(probe.samples.map((s) => (s.at.getTime() - t0.getTime()) / 1000)).toEqual([100, 105, 110, 115, 120, 125, 130]);
    expect(probe.measure()).toMatchObject({ from: at(100), to: at(135), downtimeSeconds: 0, observedSeconds: 35 });
  });
});
