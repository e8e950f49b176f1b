/**
 * What clients saw, in the simulated account: a real PostgreSQL behind every DB instance of a probed pair while it
 * serves (scripts/sim/sql/servers.ts), the simulated DNS that names them (scripts/sim/sql/dns.ts), and a SQL probe
 * (scripts/sim/sql/probe.ts) that connects through y's endpoint name every 5 simulated seconds around each nightly
 * refresh. When the run closes, the probe's failed seconds over its window are recorded on the run as
 * `clientDowntimeSeconds` (the ledger's recordClientDowntime), which the report shows beside the downtime window.
 *
 * The servers follow the simulated RDS, read before every sample: an instance that serves (the instance target's
 * usable states) has a running server and a registered endpoint; a rebooting, renaming or deleting one has its server
 * suspended (its name resolves, nothing answers: connection refused); a deleted one has neither. A rename (SimRds.renames) moves the server and the endpoint name
 * as the RDS User Guide says (dns.ts). An Aurora pair is probed through its cluster's writer endpoint, a name that
 * points at the writer instance while the cluster has one (a CNAME with Aurora's 5 s TTL, dns.ts); a member's data
 * is its cluster's.
 */
import type { DBInstance } from '@aws-sdk/client-rds';
import type { PairConfig } from '../../lambdas/kernel/config';
import type { Ledger } from '../../lambdas/kernel/ports';
import { USABLE_STATES } from '../../lambdas/targets/instance/model';
import { LINEAGE_TAGS } from '../../lambdas/targets/lineage';
import type { VirtualClock } from './clock';
import type { SimRds } from './rds';
import { clusterEndpoint } from './rds-clusters';
import { SimDns } from './sql/dns';
import type { SimProbe } from './sql/probe';
import { startProbe } from './sql/probe';
import type { ServerData } from './sql/servers';
import { SimDatabaseServers } from './sql/servers';

/** How long before a refresh's scheduled time the probe starts, and how long after the run closes it stops. */
export const PROBE_MARGIN_MS = 60_000;

/** The most pairs the commands probe by default (a server per instance and a query every 5 s add up). */
export const PROBE_MAX_PAIRS = 3;

/** "Aurora DNS zones use a short TTL of 5 seconds" (AWS Knowledge Center, cited in dns.ts). */
const AURORA_DNS_TTL_SECONDS = 5;

/** The simulated seconds between two probe queries. */
export const PROBE_INTERVAL_SECONDS = 5;

/** One pair's probe around one run. */
interface Window {
  probe: SimProbe;
  from: Date;
  /** The run of the refresh it watches, once start-refresh has opened it. */
  runId?: string;
}

/** The probes of the simulated account, one per probed pair, and what they need. */
export class ClientProbes {
  public readonly servers = new SimDatabaseServers();
  public readonly dns: SimDns;
  private readonly windows = new Map<string, Window>();
  private renamesSeen = 0;
  private readonly suspended = new Set<string>();
  /** The DbiResourceId each server was started for: a server belongs to one instance, not to a name. */
  private readonly resourceOf = new Map<string, string>();
  private readonly closedBeforeBound = new Set<string>();
  /** What each Aurora writer endpoint points at now. */
  private readonly clusterTargets = new Map<string, string | undefined>();

  public constructor(
    private readonly deps: {
      clock: VirtualClock;
      rds: SimRds;
      ledger: Pick<Ledger, 'recordClientDowntime'>;
      pairs: readonly PairConfig[];
      step: (replica: string, text: string) => void;
      /** What an instance's server holds beyond its data time (the fault validation-fails empties a copy's). */
      dataOf?: (instanceId: string, db: DBInstance) => Omit<ServerData, 'dataTime'>;
    },
  ) {
    this.dns = new SimDns(deps.clock, { region: deps.rds.region });
  }

  /** The name clients of a pair connect to: y's endpoint, or an Aurora y's writer endpoint. */
  private nameOf(pair: PairConfig): string {
    // dns-switch: clients use the pair's Route 53 record, which the simulated DNS follows (world.ts wires it).
    if (pair.refresh.mode === 'dns-switch') return pair.refresh.dns.recordName;
    return pair.replica.kind === 'cluster' ? clusterEndpoint(pair.replica.identifier, this.deps.rds.region) : this.dns.endpointName(pair.replica.identifier);
  }

  /**
   * Whether clients reach an instance through its security groups. A pair's `staging.isolationSecurityGroupId` admits
   * only the SQL runner (its contract, lambdas/kernel/config.ts); every other group of the simulated VPC admits the
   * clients. An instance in isolation groups only is out of their reach: "a security group controls the access that
   * traffic has in and out of a DB instance"; traffic no inbound rule allows is dropped (RDS User Guide, "Controlling
   * access with security groups"; Amazon VPC User Guide, "Security groups": they are stateful allow-lists).
   */
  private admitsClients(instanceId: string): boolean {
    const groups = (this.deps.rds.instances.get(instanceId)?.VpcSecurityGroups ?? []).map((g) => g.VpcSecurityGroupId ?? '');
    if (groups.length === 0) return true;
    const isolation = new Set(this.deps.pairs.map((p) => p.staging?.isolationSecurityGroupId).filter((g): g is string => g !== undefined));
    return groups.some((g) => !isolation.has(g));
  }

  /** Starts the pair's probe at `at` (a refresh's scheduled time less the margin), unless it is already running. */
  public open(pair: PairConfig, at: Date): void {
    this.deps.clock.at(at, `probe opens ${pair.id}`, async () => {
      if (this.windows.has(pair.id)) return;
      await this.sync();
      const probe = startProbe({
        clock: this.deps.clock,
        dns: this.dns,
        servers: this.servers,
        name: this.nameOf(pair),
        intervalSeconds: PROBE_INTERVAL_SECONDS,
        beforeSample: () => this.sync(),
        reachable: (instanceId) => this.admitsClients(instanceId),
      });
      this.windows.set(pair.id, { probe, from: this.deps.clock.now() });
    });
  }

  /** The scheduled refresh the pair's open window watches is run `runId` (start-refresh's answer). */
  public bind(pairId: string, runId: string): void {
    const window = this.windows.get(pairId);
    if (!window || window.runId !== undefined) return;
    window.runId = runId;
    // A refusal is notified inside start-refresh, before its answer binds the run: it closes now.
    if (this.closedBeforeBound.delete(`${pairId}/${runId}`)) this.close(pairId, runId);
  }

  /**
   * The pair's run closed (its notification was sent): if it is the run the window watches, the probe stops after
   * the margin, and its failed seconds over the window are recorded on the run. Another run's close (a drill refused
   * meanwhile) leaves the window open.
   */
  public close(pairId: string, runId: string): void {
    const window = this.windows.get(pairId);
    if (window?.runId === undefined) {
      if (window) this.closedBeforeBound.add(`${pairId}/${runId}`);
      return;
    }
    if (window.runId !== runId) return;
    this.windows.delete(pairId);
    this.deps.clock.after(PROBE_MARGIN_MS, `probe closes ${pairId}`, async () => {
      window.probe.stop();
      const m = window.probe.measure(window.from, this.deps.clock.now());
      await this.deps.ledger.recordClientDowntime(pairId, runId, m.downtimeSeconds);
      const causes = [...new Set(m.windows.flatMap((w) => w.causes))];
      this.deps.step(pairId, `probe: clients saw ${m.downtimeSeconds} s of failed queries over ${m.observedSeconds} s (${m.samples} queries${causes.length ? `; ${causes.join(', ')}` : ''})`);
    });
  }

  /** Brings the servers and the DNS in line with the simulated RDS (see the file header). */
  public async sync(): Promise<void> {
    const { rds } = this.deps;
    for (; this.renamesSeen < rds.renames.length; this.renamesSeen++) {
      const r = rds.renames[this.renamesSeen]!;
      if (this.servers.has(r.from)) await this.servers.rename(r.from, r.to);
      // A rename keeps the instance (its DbiResourceId), so its server follows the new name.
      const resource = this.resourceOf.get(r.from);
      this.resourceOf.delete(r.from);
      if (resource) this.resourceOf.set(r.to, resource);
      this.dns.renameInstance(r.from, r.to);
    }
    const live = rds.instances;
    for (const id of this.servers.ids()) {
      // Gone, or deleted and created again under the same name since the last sync: another DbiResourceId, another
      // instance ("a different instance re-created under the name", RDS-NOTES, DescribeDBSnapshots), restored from
      // another snapshot. The old server and its data go.
      const now = live.get(id);
      if (now && (now.DbiResourceId === undefined || now.DbiResourceId === this.resourceOf.get(id))) continue;
      await this.servers.stop(id);
      this.suspended.delete(id);
      this.resourceOf.delete(id);
      this.dns.deregisterInstance(id);
    }
    for (const [id, db] of live) {
      const serves = USABLE_STATES.has(db.DBInstanceStatus ?? '');
      if (!this.servers.has(id)) {
        if (!serves) continue;
        const { address } = await this.servers.start(id, { dataTime: dataTimeOf(db.DBClusterIdentifier ? (rds.clusters.clusters.get(db.DBClusterIdentifier) ?? db) : db), ...this.deps.dataOf?.(id, db) });
        if (db.DbiResourceId) this.resourceOf.set(id, db.DbiResourceId);
        this.dns.registerInstance(id, address);
      } else if (serves && this.suspended.has(id)) {
        await this.servers.resume(id);
        this.suspended.delete(id);
      } else if (!serves && !this.suspended.has(id)) {
        // Rebooting, renaming or being deleted: its name still resolves (until it is gone), nothing answers.
        await this.servers.suspend(id);
        this.suspended.add(id);
      }
    }
    this.syncClusterEndpoints();
  }

  /**
   * An Aurora pair's writer endpoint points at its writer while the cluster has one, and at nothing otherwise (a
   * cluster without a writer: its endpoints are `creating`, RDS-NOTES).
   */
  private syncClusterEndpoints(): void {
    for (const pair of this.deps.pairs.filter((p) => p.replica.kind === 'cluster')) {
      const name = this.nameOf(pair);
      const writer = this.deps.rds.clusters.clusters.get(pair.replica.identifier)?.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
      // While the writer exists its name is the endpoint's answer (refusing connections while it reboots or goes).
      const target = writer !== undefined && this.servers.has(writer) ? this.dns.endpointName(writer) : undefined;
      if (target === this.clusterTargets.get(name)) continue;
      if (target) this.dns.upsertRecord(name, target, AURORA_DNS_TTL_SECONDS);
      else this.dns.deleteRecord(name);
      this.clusterTargets.set(name, target);
    }
  }

  /** Stops every server (the simulation's close). */
  public async closeAll(): Promise<void> {
    for (const w of this.windows.values()) w.probe.stop();
    this.windows.clear();
    await this.servers.stopAll();
  }
}

/** The data an instance holds: its lineage's snapshot time, else its creation. */
function dataTimeOf(db: Pick<DBInstance, 'TagList' | 'InstanceCreateTime'>): Date {
  const tag = db.TagList?.find((t) => t.Key === LINEAGE_TAGS.sourceSnapshotTime)?.Value;
  const parsed = tag ? new Date(tag) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : (db.InstanceCreateTime ?? new Date(0));
}
