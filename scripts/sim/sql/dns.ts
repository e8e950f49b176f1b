/**
 * Simulated DNS for the SQL probe: RDS instance endpoint names, their move on a rename, Route 53 records (a CNAME
 * with a TTL), and resolvers that cache answers for the TTL. Every change is kept with the time it takes effect,
 * so an answer is a function of (name, time): deterministic, and nothing needs to run on the clock.
 *
 * Rules, with their sources:
 * - An instance's endpoint is `<identifier>.<suffix>.<region>.rds.amazonaws.com`, the suffix fixed per account and
 *   region (scripts/sim/rds.ts uses `sim`, as here), so a new instance under an old identifier gets the old name.
 * - Rename (ModifyDBInstance NewDBInstanceIdentifier), RDS User Guide, "Renaming a DB instance"
 *   (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_RenameInstance.html): "the old DNS name that was
 *   used by the DB instance is immediately deleted, although it could remain cached for a few minutes. The new DNS
 *   name for the renamed DB instance becomes effective in about 10 minutes. The renamed DB instance is not available
 *   until the new name becomes effective." So the old name answers NXDOMAIN at once (resolvers that cached it keep
 *   it; {@link ResolverOptions.minCacheSeconds} models those that keep it for minutes), and the new name answers
 *   after `renameDelaySeconds` (default 600). The same page says the instance reboots after a rename: that is the
 *   servers' business (SimDatabaseServers.suspend/resume), not DNS's.
 * - Instance endpoint TTL: AWS documents 5 s for Aurora's DNS zones (Knowledge Center, "Why is my connection
 *   redirected to the reader instance when I try to connect to my Amazon Aurora writer endpoint?",
 *   https://repost.aws/knowledge-center/aurora-mysql-redirected-endpoint-writer: "Aurora DNS zones use a short TTL
 *   of 5 seconds"); it documents no figure for instance endpoints, so the default `endpointTtlSeconds` is the same 5.
 * - Route 53: a record's TTL is "the resource record cache time to live (TTL), in seconds" (Route 53 API
 *   Reference, ResourceRecordSet, https://docs.aws.amazon.com/Route53/latest/APIReference/API_ResourceRecordSet.html). A ChangeResourceRecordSets change is PENDING
 *   until it has propagated to all Route 53 DNS servers, then INSYNC (API Reference, ChangeResourceRecordSets);
 *   `route53PropagationSeconds` (default 0) delays a change by that much.
 * - Resolvers cache each name of a CNAME chain for that record's TTL. Negative answers are not cached (RFC 2308
 *   would cache NXDOMAIN for the zone's SOA minimum, which AWS does not document for these zones): a client asks
 *   again on its next query.
 */

/** The time source: the simulation's VirtualClock, or anything with `now()`. */
export interface Now {
  now(): Date;
}

/** Options of {@link SimDns}. */
export interface DnsOptions {
  /** The region in instance endpoint names. */
  readonly region: string;
  /** The account's fixed part of instance endpoint names (default `sim`, as scripts/sim/rds.ts). */
  readonly endpointSuffix?: string;
  /** TTL of instance endpoint records (default 5). */
  readonly endpointTtlSeconds?: number;
  /** Seconds until a renamed instance's new name resolves (default 600: "about 10 minutes"). */
  readonly renameDelaySeconds?: number;
  /** Seconds until a Route 53 change answers (default 0). */
  readonly route53PropagationSeconds?: number;
}

/** Why a name does not resolve. */
export type DnsError = 'NXDOMAIN' | 'CNAME_LOOP';

/** One step of an authoritative answer. */
type RecordValue = { readonly kind: 'A'; readonly address: string } | { readonly kind: 'CNAME'; readonly target: string };

interface Version {
  readonly name: string;
  readonly from: number;
  to: number;
  readonly value: RecordValue;
  readonly ttlSeconds: number;
}

/** What a resolver answers. */
export type Resolution = { readonly name: string; readonly address: string; readonly instanceId: string | undefined; readonly cached: boolean } | { readonly name: string; readonly error: DnsError };

/** A misuse of the DNS: a bad option or name. */
export class SimDnsError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'SimDnsError';
  }
}

/** The authoritative side: instance endpoints and Route 53 records, with the time each version answers. */
export class SimDns {
  private readonly versions = new Map<string, Version[]>();
  /** Which instance holds each address now (an address stays with its instance through renames). */
  private readonly holders = new Map<string, string>();
  private readonly suffix: string;
  private readonly endpointTtl: number;
  private readonly renameDelayMs: number;
  private readonly propagationMs: number;

  public constructor(
    private readonly clock: Now,
    private readonly options: DnsOptions,
  ) {
    this.suffix = options.endpointSuffix ?? 'sim';
    this.endpointTtl = nonNegative('endpointTtlSeconds', options.endpointTtlSeconds ?? 5);
    this.renameDelayMs = nonNegative('renameDelaySeconds', options.renameDelaySeconds ?? 600) * 1000;
    this.propagationMs = nonNegative('route53PropagationSeconds', options.route53PropagationSeconds ?? 0) * 1000;
  }

  /** An instance's endpoint name (Endpoint.Address). */
  public endpointName(instanceId: string): string {
    return `${instanceId}.${this.suffix}.${this.options.region}.rds.amazonaws.com`;
  }

  /** The instance became reachable at `address`: its endpoint name answers from now. Returns the name. */
  public registerInstance(instanceId: string, address: string): string {
    const name = this.endpointName(instanceId);
    this.holders.set(address, instanceId);
    this.put(name, this.clock.now().getTime(), { kind: 'A', address }, this.endpointTtl);
    return name;
  }

  /** The instance is gone (deleted): its endpoint name answers NXDOMAIN from now. */
  public deregisterInstance(instanceId: string): void {
    this.end(this.endpointName(instanceId), this.clock.now().getTime());
    for (const [address, holder] of this.holders) if (holder === instanceId) this.holders.delete(address);
  }

  /** A rename: the old name answers NXDOMAIN now; the new one answers with the same address after the rename delay. */
  public renameInstance(from: string, to: string): void {
    const now = this.clock.now().getTime();
    const oldName = this.endpointName(from);
    const current = this.at(oldName, now);
    this.end(oldName, now);
    if (!current || current.value.kind !== 'A') return;
    const address = current.value.address;
    this.holders.set(address, to);
    this.put(this.endpointName(to), now + this.renameDelayMs, current.value, this.endpointTtl);
  }

  /** Route 53 UPSERT of a CNAME record. */
  public upsertRecord(name: string, target: string, ttlSeconds: number): void {
    this.put(normalize(name), this.clock.now().getTime() + this.propagationMs, { kind: 'CNAME', target: normalize(target) }, nonNegative('ttlSeconds', ttlSeconds));
  }

  /** Route 53 DELETE of a record. */
  public deleteRecord(name: string): void {
    this.end(normalize(name), this.clock.now().getTime() + this.propagationMs);
  }

  /** The authoritative record of one name at a time (no chain following), with its TTL. */
  public record(name: string, at: Date): { value: RecordValue; ttlSeconds: number } | undefined {
    const v = this.at(normalize(name), at.getTime());
    return v && { value: v.value, ttlSeconds: v.ttlSeconds };
  }

  /** The instance that holds an address now, if any. */
  public holder(address: string): string | undefined {
    return this.holders.get(address);
  }

  /** A resolver with an empty cache, as a client owns one. */
  public resolver(options: ResolverOptions = {}): Resolver {
    return new Resolver(this, options);
  }

  private at(name: string, t: number): Version | undefined {
    return this.versions.get(name)?.find((v) => v.from <= t && t < v.to);
  }

  /** Ends a name at `t`: the version answering then stops, and versions not yet in effect are dropped. */
  private end(name: string, t: number): void {
    const list = this.versions.get(name);
    if (!list) return;
    const kept = list.filter((v) => v.from < t);
    for (const v of kept) v.to = Math.min(v.to, t);
    this.versions.set(name, kept);
  }

  private put(name: string, from: number, value: RecordValue, ttlSeconds: number): void {
    this.end(name, from);
    const list = this.versions.get(name) ?? [];
    list.push({ name, from, to: Infinity, value, ttlSeconds });
    this.versions.set(name, list);
  }
}

/** Options of a {@link Resolver}. */
export interface ResolverOptions {
  /** Keep every answer at least this long, whatever its TTL (a client that caches longer than DNS says). */
  readonly minCacheSeconds?: number;
}

/** A client's caching resolver: each name of a chain is cached for its record's TTL. */
export class Resolver {
  private readonly cache = new Map<string, { value: RecordValue; expires: number }>();
  private readonly minCacheMs: number;

  public constructor(
    private readonly dns: SimDns,
    options: ResolverOptions = {},
  ) {
    this.minCacheMs = nonNegative('minCacheSeconds', options.minCacheSeconds ?? 0) * 1000;
  }

  /** Resolves `name` at time `at`, following CNAMEs, from the cache where an answer is still fresh. */
  public resolve(name: string, at: Date): Resolution {
    const t = at.getTime();
    let current = normalize(name);
    let cached = true;
    for (let hops = 0; hops < 8; hops++) {
      const hit = this.cache.get(current);
      let value: RecordValue;
      if (hit && t < hit.expires) {
        value = hit.value;
      } else {
        cached = false;
        const answer = this.dns.record(current, at);
        if (!answer) {
          this.cache.delete(current);
          return { name, error: 'NXDOMAIN' };
        }
        value = answer.value;
        this.cache.set(current, { value, expires: t + Math.max(answer.ttlSeconds * 1000, this.minCacheMs) });
      }
      if (value.kind === 'A') return { name, address: value.address, instanceId: this.dns.holder(value.address), cached };
      current = value.target;
    }
    return { name, error: 'CNAME_LOOP' };
  }

  /** Forgets every answer (a client restarted). */
  public flush(): void {
    this.cache.clear();
  }
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function nonNegative(option: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new SimDnsError(`${option} must be a number of at least 0, got ${value}`);
  return value;
}
