/**
 * Simulated database servers: one real PostgreSQL per simulated DB instance that serves, PGlite (PostgreSQL
 * compiled to WebAssembly, in this process) behind PGLiteSocketServer, which speaks the PostgreSQL wire protocol
 * on 127.0.0.1 at an ephemeral port. Any client (the probe uses `pg`) connects to it as to RDS.
 *
 * The sample schema, made by {@link SimDatabaseServers.start} with the snapshot's data:
 * ```sql
 * create table customers (id bigint primary key, email text unique not null, full_name text not null, phone text, created_at timestamptz not null);
 * -- 8 customers with production's personal data (real-looking emails, names, phones): what a staging copy must mask
 * create table orders (id bigint primary key, customer_id bigint references customers, created_at timestamptz not null, amount numeric(12,2) not null);
 * -- `rows` rows (default 100), one a minute, the newest created_at = the snapshot's data time, each of a customer
 * create table sim_instance (resource_id text not null, instance_id text not null);
 * -- one row: the server's stable resource id (like DbiResourceId) and the instance's identifier, which a rename updates
 * ```
 * {@link PROBE_SQL} reads both: which instance answered and how old its data is.
 *
 * Cost: PGlite runs initdb (some 3 s) the first time only on a machine; the cluster it makes, with the schema, is kept
 * as a tarball (in memory, and in the OS's temporary directory for the next process), and every server after it loads
 * that tarball (PGlite keeps the compiled WebAssembly). Measured before the tarball was kept on disk, with
 * `node --expose-gc --import tsx scripts/sim/sql/cost.ts 3` on the 2-core dev machine (Node 20): the first start
 * 2.4 s and 450-570 MiB of resident memory (the WebAssembly compiled, initdb), each later one 0.24 s and up to 70 MiB.
 * Stopped servers are emptied and reused ({@link IDLE_POOL}).
 *
 * Connections: PGLiteSocketServer runs one query at a time (its queue), and by default admits one connection at a
 * time, refusing a second one. It frees a connection's slot on the tick after the socket closes, so a client that
 * connects again at once could be refused; each server here admits {@link MAX_CONNECTIONS}, and queries still run
 * one at a time.
 *
 * Addresses: each server gets a private address of its own (`10.0.x.y`, never reused), which the simulated DNS
 * hands out the way RDS's DNS hands out an instance's IP. The address stays with the server through a rename, so a
 * client holding a cached DNS answer reaches the same server it reached before, as it would on AWS.
 */
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as PGliteModule from '@electric-sql/pglite';
import type { PGlite } from '@electric-sql/pglite';
import type * as PGliteSocketModule from '@electric-sql/pglite-socket';
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

// PGlite's CommonJS build still loads Node modules with `await import(...)` (node:module, fs/promises, zlib).
// Jest runs test code in a vm context that refuses dynamic imports unless node runs with
// --experimental-vm-modules; Node's own require (createRequire) loads PGlite outside that context, in jest and in
// tsx alike, so the servers work the same in both. (Jest also swaps `require('node:module')` for its own;
// process.getBuiltinModule, Node >= 20.16, returns Node's.)
const nativeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
const loadPGlite = () => nativeRequire('@electric-sql/pglite') as typeof PGliteModule;
const loadSocket = () => nativeRequire('@electric-sql/pglite-socket') as typeof PGliteSocketModule;

/** The query that says which instance answered and the data's newest timestamp (columns `instance`, `data_time`). */
export const PROBE_SQL = 'select (select instance_id from sim_instance) as instance, (select max(created_at) from orders) as data_time';

/** Connections one server admits at once (PGLiteSocketServer's default is 1; see the header). */
export const MAX_CONNECTIONS = 8;

/** What a restored instance holds. */
export interface ServerData {
  /** The snapshot's data time: the newest `orders.created_at`. */
  readonly dataTime: Date;
  /** Rows of `orders` (default 100; 0 leaves it empty). */
  readonly rows?: number;
  /**
   * The instance's parameter group makes sessions read-only (default_transaction_read_only = on, staging.readOnly):
   * set on the server's one backend session, which every connection shares (see the header), so every client's
   * ordinary transaction is read-only; a change begun READ WRITE (a staging hook) still writes.
   */
  readonly readOnly?: boolean;
}

/** Where a client reaches a server. */
export interface ServerEndpoint {
  readonly instanceId: string;
  /** The server's private address, what DNS answers with. */
  readonly address: string;
  /** The TCP port on 127.0.0.1; undefined while the server is suspended (stopped or rebooting: nothing listens). */
  readonly port: number | undefined;
}

/** A misuse of the servers: a second server for one instance, or one that does not exist. */
export class SimServerError extends Error {
  public constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimServerError';
  }
}

interface Running {
  instanceId: string;
  readonly address: string;
  readonly resourceId: string;
  readonly db: PGlite;
  socket: PGLiteSocketServer | undefined;
  port: number | undefined;
}

/**
 * PostgreSQL settings of a small server. PGlite starts with PostgreSQL's 128MB of shared_buffers, which it
 * touches at start: some 200 MiB of resident memory a server; with 8MB, some 75 MiB (scripts/sim/sql/cost.ts).
 */
const SMALL_SERVER = ['-c', 'shared_buffers=8MB', '-c', 'wal_buffers=1MB', '-c', 'work_mem=1MB'];

/**
 * The customers every simulated instance holds: production's personal data (emails, names, phones), which the staging
 * hooks of a pair mask (infra/examples/staging-safety/). Two emails differ only in case, as production allows.
 */
const CUSTOMERS_SQL = `insert into customers (id, email, full_name, phone, created_at) values
          (1, 'anna.schmidt@gmail.com', 'Anna Schmidt', '+49 151 23456789', '2024-02-11 09:14:00+00'),
          (2, 'jean.dupont@orange.fr', 'Jean Dupont', '+33 6 12 34 56 78', '2024-03-02 17:40:00+00'),
          (3, 'maria.garcia@hotmail.es', 'María García López', null, '2024-05-19 11:03:00+00'),
          (4, 'j.oconnor@eircom.net', 'Jack O''Connor', '+353 87 123 4567', '2024-07-23 20:55:00+00'),
          (5, 'Lena.Berg@Outlook.com', 'Lena Berg', '+46 70 123 45 67', '2024-09-30 06:12:00+00'),
          (6, 'lena.berg@outlook.com', 'Lena Berg', null, '2025-01-08 13:27:00+00'),
          (7, 'piotr.nowak@wp.pl', 'Piotr Nowak', '+48 601 234 567', '2025-04-14 15:48:00+00'),
          (8, 'sofia.rossi@libero.it', 'Sofia Rossi', '+39 347 123 4567', '2025-06-21 08:31:00+00');`;

/** The initialized cluster with the schema, as a tarball every server loads, and whether it was read from disk. */
let template: Promise<{ blob: Blob; fromDisk: boolean }> | undefined;

/** The schema every server starts with (see the header). */
const SCHEMA_SQL = `
        create table customers (id bigint primary key, email text unique not null, full_name text not null, phone text, created_at timestamptz not null);
        ${CUSTOMERS_SQL}
        create table orders (id bigint primary key, customer_id bigint references customers, created_at timestamptz not null, amount numeric(12,2) not null);
        create table sim_instance (resource_id text not null, instance_id text not null);
        checkpoint;`;

/**
 * Where the template is kept between processes: the OS's temporary directory (or REPLICA_REFRESH_CACHE_DIR), named by
 * the user and by what makes it (PGlite's version, the start parameters and the schema), so a change to any of them
 * makes a new one. initdb is most of a
 * first start (3.8 s of 4.5 s on the 2-core dev machine); loading the kept tarball takes 0.9 s, the WebAssembly
 * compile included. Every test file and every `npm run demo` is a new process, so each used to pay initdb.
 */
export function templateFile(): string {
  const version = pgliteVersion();
  const key = createHash('sha256').update(JSON.stringify([version, SMALL_SERVER, SCHEMA_SQL])).digest('hex').slice(0, 16);
  // Per user: each user of a shared /tmp keeps their own (sharedTemplate reads only a file the user owns).
  const user = process.getuid?.() ?? 'user';
  return join(process.env.REPLICA_REFRESH_CACHE_DIR || tmpdir(), `replica-refresh-pglite-${user}-${version}-${key}.tar`);
}

/** The installed PGlite's version, from its package.json (which its `exports` do not list: found from its entry). */
function pgliteVersion(): string {
  for (let dir = dirname(nativeRequire.resolve('@electric-sql/pglite')); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    } catch {
      // No package.json at this level: one up.
    }
  }
  throw new Error('the installed @electric-sql/pglite has no package.json with its version: run npm ci');
}

/**
 * Runs initdb once per machine (the tarball kept by {@link templateFile}; a process that finds none makes it and
 * keeps it, written under a name of its own and renamed into place, so concurrent processes never read half a file).
 * PGlite itself keeps the compiled WebAssembly per file (its module cache), so later servers pay neither the compile
 * nor initdb.
 */
function sharedTemplate(options: { skipDisk?: boolean } = {}): Promise<{ blob: Blob; fromDisk: boolean }> {
  template ??= (async () => {
    const file = templateFile();
    if (!options.skipDisk) {
      try {
        // Only a file this user wrote: in a shared /tmp, another user could put one under this name first.
        const owner = statSync(file).uid;
        const kept = process.getuid === undefined || owner === process.getuid() ? readFileSync(file) : undefined;
        // A tar archive says so at byte 257 (POSIX ustar); anything else is not one PGlite wrote: make it again.
        if (kept && kept.subarray(257, 262).toString('latin1') === 'ustar') return { blob: new Blob([kept]), fromDisk: true };
      } catch {
        // None kept yet (or unreadable): make it.
      }
    }
    const { PGlite } = loadPGlite();
    // Small from the start too: the memory of a PGlite that closed is not given back.
    const db = await PGlite.create({ startParams: [...PGlite.defaultStartParams, ...SMALL_SERVER] });
    try {
      await db.exec(SCHEMA_SQL);
      // Uncompressed: loading it is faster than gunzipping it.
      const blob = await db.dumpDataDir('none');
      const partial = `${file}.${process.pid}.partial`;
      try {
        writeFileSync(partial, Buffer.from(await blob.arrayBuffer()));
        renameSync(partial, file);
      } catch {
        // A read-only temporary directory: every process makes its own, as before.
        rmSync(partial, { force: true });
      }
      return { blob, fromDisk: false };
    } finally {
      await db.close();
    }
  })();
  template.catch(() => {
    template = undefined;
  });
  return template;
}

/**
 * A new server from the template. A kept template PGlite cannot load (a file cut short that still reads as a tar, or
 * one another version wrote under the same name) is removed and made again, so one bad file never stops the servers of
 * every later process.
 */
async function newServer(): Promise<PGlite> {
  const { PGlite } = loadPGlite();
  const create = (blob: Blob) => PGlite.create({ loadDataDir: blob, startParams: [...PGlite.defaultStartParams, ...SMALL_SERVER] });
  const kept = await sharedTemplate();
  try {
    return await create(kept.blob);
  } catch (err) {
    if (!kept.fromDisk) throw err;
    rmSync(templateFile(), { force: true });
    template = undefined;
    return create((await sharedTemplate({ skipDisk: true })).blob);
  }
}

/**
 * Stopped servers kept for reuse, at most this many: a PGlite's WebAssembly memory is not given back when it closes
 * (a week of nightly restores grew a process to about 1 GB), so a stopped server is emptied and the next start takes
 * it instead of creating one. Memory then follows the servers running at once, not the servers ever started.
 */
const IDLE_POOL = 4;

/** The real PostgreSQL servers of the simulated DB instances, by instance identifier. */
export class SimDatabaseServers {
  private readonly byId = new Map<string, Running>();
  private readonly idle: PGlite[] = [];
  private readonly byAddress = new Map<string, Running>();
  private nextAddress = 1;

  /**
   * Starts the server of an instance that became available, with the snapshot's data.
   * @param options.port a fixed port (default: an ephemeral one)
   */
  public async start(instanceId: string, data: ServerData, options: { port?: number } = {}): Promise<{ port: number; address: string }> {
    if (this.byId.has(instanceId)) throw new SimServerError(`a server for ${instanceId} is already running`);
    const rows = data.rows ?? 100;
    // 0 rows: an empty `orders`, what a broken restore looks like to a check (the fault validation-fails).
    if (!Number.isInteger(rows) || rows < 0) throw new SimServerError(`rows must be a whole number of at least 0, got ${rows}`);
    const db = this.idle.pop() ?? (await newServer());
    const n = this.nextAddress++;
    const address = `10.0.${Math.floor(n / 250)}.${(n % 250) + 1}`;
    const resourceId = `db-SIM${n.toString(36).toUpperCase().padStart(6, '0')}`;
    const running: Running = { instanceId, address, resourceId, db, socket: undefined, port: undefined };
    try {
      await db.query('insert into sim_instance (resource_id, instance_id) values ($1, $2)', [resourceId, instanceId]);
      await db.query(`insert into orders (id, customer_id, created_at, amount) select g, g % 8 + 1, $1::timestamptz - ($2 - g) * interval '1 minute', (g * 7919 % 10000) / 100.0 from generate_series(1, $2::int) g`, [data.dataTime.toISOString(), rows]);
      if (data.readOnly) await db.exec('set default_transaction_read_only = on');
      this.byId.set(instanceId, running);
      this.byAddress.set(address, running);
      await this.listen(running, options.port ?? 0);
    } catch (err) {
      this.byId.delete(instanceId);
      this.byAddress.delete(address);
      await db.close();
      throw err;
    }
    return { port: running.port!, address };
  }

  /** Stops and discards an instance's server (the instance is deleted). A missing server is not an error. */
  public async stop(instanceId: string): Promise<void> {
    const running = this.byId.get(instanceId);
    if (!running) return;
    this.byId.delete(instanceId);
    this.byAddress.delete(running.address);
    await this.unlisten(running);
    if (this.idle.length < IDLE_POOL) {
      // Emptied, and its settings back to their defaults, as a new server from the template is (every connection of a
      // PGlite shares one backend session: a SET made through one of them would outlive it).
      // Separate statements: several in one text run as one implicit transaction, begun before RESET takes effect.
      await running.db.exec('rollback');
      await running.db.exec('reset all');
      await running.db.exec('truncate orders, customers, sim_instance;');
      await running.db.exec(CUSTOMERS_SQL);
      // What staging hooks made (a developer role with its grants) goes too: the next instance is production's again.
      await running.db.exec("do $$ begin if exists (select from pg_roles where rolname = 'staging_developer') then drop owned by staging_developer; drop role staging_developer; end if; end $$;");
      this.idle.push(running.db);
    } else {
      await running.db.close();
    }
  }

  /** Stops every server. */
  public async stopAll(): Promise<void> {
    for (const id of [...this.byId.keys()]) await this.stop(id);
    for (const db of this.idle.splice(0)) await db.close();
  }

  /** Whether an instance has a server (listening or suspended). */
  public has(instanceId: string): boolean {
    return this.byId.has(instanceId);
  }

  /** Identifiers of the instances with a server. */
  public ids(): string[] {
    return [...this.byId.keys()];
  }

  /**
   * Stops listening but keeps the data (a stopped or rebooting instance): connections are refused until
   * {@link resume}, which listens again on a new port.
   */
  public async suspend(instanceId: string): Promise<void> {
    await this.unlisten(this.get(instanceId));
  }

  /** Listens again after {@link suspend}; returns the new port. */
  public async resume(instanceId: string): Promise<{ port: number }> {
    const running = this.get(instanceId);
    if (!running.socket) await this.listen(running, 0);
    return { port: running.port! };
  }

  /** Moves a server to the instance's new identifier (ModifyDBInstance NewDBInstanceIdentifier); its address stays. */
  public async rename(from: string, to: string): Promise<void> {
    const running = this.get(from);
    if (this.byId.has(to)) throw new SimServerError(`cannot rename ${from} to ${to}: a server for ${to} is running`);
    await running.db.query('update sim_instance set instance_id = $1', [to]);
    this.byId.delete(from);
    running.instanceId = to;
    this.byId.set(to, running);
  }

  /** Where an instance's server is, or undefined. */
  public endpoint(instanceId: string): ServerEndpoint | undefined {
    const r = this.byId.get(instanceId);
    return r && { instanceId: r.instanceId, address: r.address, port: r.port };
  }

  /** The server at a private address (what a DNS answer names), or undefined once it was stopped for good. */
  public atAddress(address: string): ServerEndpoint | undefined {
    const r = this.byAddress.get(address);
    return r && { instanceId: r.instanceId, address: r.address, port: r.port };
  }

  private get(instanceId: string): Running {
    const r = this.byId.get(instanceId);
    if (!r) throw new SimServerError(`no server for ${instanceId}`);
    return r;
  }

  private async listen(running: Running, port: number): Promise<void> {
    const socket = new (loadSocket().PGLiteSocketServer)({ db: running.db, host: '127.0.0.1', port, maxConnections: MAX_CONNECTIONS });
    await socket.start();
    // getServerConn() is "host:port" with the port the OS chose.
    running.port = Number(socket.getServerConn().split(':').pop());
    running.socket = socket;
  }

  private async unlisten(running: Running): Promise<void> {
    const socket = running.socket;
    running.socket = undefined;
    running.port = undefined;
    if (socket) await socket.stop();
  }
}
