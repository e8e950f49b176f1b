/**
 * The simulated database servers behind the SQL probe: real PGlite socket servers, reached with `pg`.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type * as ServersModule from '../../../../scripts/sim/sql/servers';
import { PROBE_SQL, SimDatabaseServers, SimServerError } from '../../../../scripts/sim/sql/servers';

const dataTime = new Date('2026-11-18T00:10:00Z');

async function query<T extends object>(port: number, sql: string): Promise<T[]> {
  const client = new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('probe servers (SimDatabaseServers)', () => {
  const servers = new SimDatabaseServers();
  afterAll(() => servers.stopAll());

  it('probe server starts with the sample schema and answers over the wire: which instance, how old its data', async () => {
    const { port, address } = await servers.start('orders-staging', { dataTime, rows: 30 });

    const [row] = await query<{ instance: string; data_time: Date }>(port, PROBE_SQL);
    const [counts] = await query<{ n: string; oldest: Date }>(port, 'select count(*) as n, min(created_at) as oldest from orders');

    expect(row).toEqual({ instance: 'orders-staging', data_time: dataTime });
    expect(counts).toEqual({ n: '30', oldest: new Date(dataTime.getTime() - 29 * 60_000) });
    expect(servers.has('orders-staging')).toBe(true);
    expect(servers.atAddress(address)).toEqual({ instanceId: 'orders-staging', address, port });
  });

  it('probe server keeps its address and data through a rename, refuses while suspended, answers again on resume', async () => {
    const { address } = await servers.start('orders-next', { dataTime: new Date('2026-11-19T00:10:00Z') });

    await servers.rename('orders-next', 'orders-renamed');
    await servers.suspend('orders-renamed');
    const suspended = servers.atAddress(address);
    const { port } = await servers.resume('orders-renamed');
    const [row] = await query<{ instance: string; data_time: Date }>(port, PROBE_SQL);

    expect(servers.has('orders-next')).toBe(false);
    expect(suspended).toEqual({ instanceId: 'orders-renamed', address, port: undefined });
    expect(row).toEqual({ instance: 'orders-renamed', data_time: new Date('2026-11-19T00:10:00Z') });
  });

  it('probe server stops for good: its port refuses connections and its address is gone', async () => {
    const { port, address } = await servers.start('orders-gone', { dataTime });

    await servers.stop('orders-gone');

    await expect(query(port, 'select 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(servers.has('orders-gone')).toBe(false);
    expect(servers.atAddress(address)).toBeUndefined();
  });

  it('probe server fails to start a second server for one instance, or to rename onto a running one', async () => {
    await servers.start('orders-twice', { dataTime });

    await expect(servers.start('orders-twice', { dataTime })).rejects.toThrow(new SimServerError('a server for orders-twice is already running'));
    await expect(servers.rename('orders-twice', 'orders-staging')).rejects.toThrow('cannot rename orders-twice to orders-staging: a server for orders-staging is running');
  });
});

describe("probe servers' template: initdb once per machine, kept in the temporary directory (here REPLICA_REFRESH_CACHE_DIR)", () => {
  const before = process.env.REPLICA_REFRESH_CACHE_DIR;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rr-pglite-template-'));
    process.env.REPLICA_REFRESH_CACHE_DIR = dir;
  });
  afterAll(() => {
    if (before === undefined) delete process.env.REPLICA_REFRESH_CACHE_DIR;
    else process.env.REPLICA_REFRESH_CACHE_DIR = before;
    rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh copy of the servers' module, as a new process has it: no template in memory. */
  function freshModule(): typeof ServersModule {
    let mod: typeof ServersModule | undefined;
    jest.isolateModules(() => {
      mod = jest.requireActual<typeof ServersModule>('../../../../scripts/sim/sql/servers');
    });
    return mod!;
  }

  /** What the first server of a new process answers over the wire (its servers stopped after). */
  async function firstServerOfAProcess(instanceId: string): Promise<unknown[]> {
    const servers = new (freshModule().SimDatabaseServers)();
    try {
      const { port } = await servers.start(instanceId, { dataTime });
      return await query(port, PROBE_SQL);
    } finally {
      await servers.stopAll();
    }
  }

  it('probe server: a damaged template is made again and kept; the next process serves from it without rewriting it', async () => {
    const file = freshModule().templateFile();
    expect(file.startsWith(dir)).toBe(true);
    writeFileSync(file, 'not a tar archive');

    expect(await firstServerOfAProcess('orders-a')).toEqual([{ instance: 'orders-a', data_time: dataTime }]);
    expect(readFileSync(file).subarray(257, 262).toString('latin1')).toBe('ustar');
    const kept = statSync(file).mtimeMs;

    expect(await firstServerOfAProcess('orders-b')).toEqual([{ instance: 'orders-b', data_time: dataTime }]);
    expect(statSync(file).mtimeMs).toBe(kept);
  });

  it('probe server: a kept template cut short (still a tar at its start) is removed and made again, never failing the start', async () => {
    const file = freshModule().templateFile();
    const whole = readFileSync(file);
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));

    expect(await firstServerOfAProcess('orders-c')).toEqual([{ instance: 'orders-c', data_time: dataTime }]);
    expect(statSync(file).size).toBe(whole.length);
  });
});
