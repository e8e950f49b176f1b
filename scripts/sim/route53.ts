/**
 * A simulated Route 53 (one account; the service is global): hosted zones that the simulation's setup creates (a
 * private zone such as `staging.internal.`, with the SOA and NS records Route 53 puts at its apex), simple records
 * changed by ChangeResourceRecordSets with the API's validation and its errors as AWS words them, changes that go from
 * PENDING to INSYNC on the virtual clock, GetChange, and ListResourceRecordSets in Route 53's order from a start
 * position. {@link SimRoute53.onRecordChange} tells a simulated resolver (scripts/sim/sql/dns.ts) when a CNAME change
 * reaches resolvers. The real Route53Adapter talks to it through a real Route53Client ({@link SimRoute53.client}),
 * answered by the middleware of scripts/sim/middleware.ts, as the simulated RDS is.
 *
 * Sources, cited rule by rule below: Route 53 API Reference (ChangeResourceRecordSets, GetChange,
 * ListResourceRecordSets, ResourceRecordSet; https://docs.aws.amazon.com/Route53/latest/APIReference/), the Developer
 * Guide (DNS domain name format, Supported DNS record types, Editing records, Throttling for Amazon Route 53 API
 * requests), and, for error messages the documentation does not spell out, AWS's answers as quoted in public issue
 * threads (named where used). Messages no source confirms are marked "unconfirmed".
 */
import type { ResourceRecord, ResourceRecordSet, Route53Client, Route53ClientConfig, RRType } from '@aws-sdk/client-route-53';
import { InvalidChangeBatch, InvalidInput, NoSuchChange, NoSuchHostedZone, PriorRequestNotComplete, Route53ServiceException } from '@aws-sdk/client-route-53';
import { route53Client } from '../../lambdas/aws/route53';
import type { VirtualClock } from './clock';
import { answerFromSimulator, retryWithoutDelay } from './middleware';
import type { Distribution, Random } from './random';
import { uniform } from './random';
import type { ApiCall } from './rds';

/** How long Route 53 takes. */
export interface Route53Timings {
  /** ChangeResourceRecordSets accepted → INSYNC (the change is on every Route 53 DNS server of the zone). */
  propagation: Distribution;
}

/**
 * "Changes generally propagate to all Route 53 name servers within 60 seconds" (Developer Guide, "Editing records",
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-editing.html), so 5 to 60 seconds;
 * the 5-second floor is an assumption (a change is never seen INSYNC on the call that made it).
 */
export const DEFAULT_ROUTE53_TIMINGS: Route53Timings = { propagation: uniform(5, 60) };

/** Faults the Route 53 model can inject. */
export interface Route53Faults {
  /** Probability that any API call is throttled (`Throttling`, "Rate exceeded"). */
  throttleRate: number;
  /** Probability that a ChangeResourceRecordSets is rejected with `PriorRequestNotComplete`. */
  priorRequestNotCompleteRate: number;
}

/**
 * Told when a CNAME change reaches resolvers: the record's name as Route 53 keeps it (lower case, trailing dot), the
 * target (undefined once deleted), the TTL, and the virtual time, which is also the clock's time during the call.
 */
export type RecordChangeListener = (name: string, target: string | undefined, ttlSeconds: number, at: Date) => void;

/** A hosted zone as the simulation keeps it. */
export interface SimHostedZone {
  /** The bare ID (`Z…`); the API lists it as `/hostedzone/Z…`. */
  id: string;
  /** Lower case, with the trailing dot. */
  name: string;
  privateZone: boolean;
  /** The VPCs a private zone is associated with: whose resolvers answer from it. */
  vpcs: { region: string; vpcId: string }[];
  comment?: string;
  /** Records by `<name>|<type>`: the authoritative data, PENDING changes included. */
  records: Map<string, ResourceRecordSet>;
  /** When the zone's last change becomes INSYNC: changes to a zone propagate in the order they were made. */
  lastInsyncAt: number;
}

/** A change batch, as GetChange reports it. */
export interface SimChange {
  id: string;
  zoneId: string;
  status: 'PENDING' | 'INSYNC';
  submittedAt: Date;
  insyncAt: Date;
  comment?: string;
}

const meta = (httpStatusCode = 400) => ({ $metadata: { httpStatusCode } });

/** A request parameter as text. */
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : v === undefined ? '' : (JSON.stringify(v) ?? '');
}

function invalidInput(message: string): InvalidInput {
  return new InvalidInput({ message, ...meta() });
}

/**
 * A name as Route 53 keeps and lists it: letters lower case ("Amazon Route 53 stores alphabetic characters as
 * lowercase letters (a-z), regardless of how you specify them"), characters other than a-z, 0-9, `-` and `_` as a `\`
 * and three octal digits ("Route 53 API actions return the characters as escape codes"), both from the Developer
 * Guide, "DNS domain name format"; always with the trailing dot ("Route 53 treats www.example.com (without a trailing
 * dot) and www.example.com. (with a trailing dot) as identical", API Reference, ResourceRecordSet).
 */
export function route53Name(name: string): string {
  const labels = decodedLabels(name);
  return `${labels.map((l) => l.replace(/[^a-z0-9\-_]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`)).join('.')}.`;
}

/** The labels of a name, escapes decoded, lower case, without the root's empty label. */
function decodedLabels(name: string): string[] {
  const decoded = name.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))).toLowerCase();
  return decoded.replace(/\.$/, '').split('.');
}

/**
 * What is wrong with a domain name, in the words of Route 53's validator, or undefined. "Each label can be up to 63
 * bytes long. The total length of a domain name cannot exceed 255 bytes, including the dots" (Developer Guide, "DNS
 * domain name format"). "FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with '…'" is AWS's
 * answer quoted in kubernetes-sigs/external-dns (e2e script); the other two are worded alike, unconfirmed.
 */
function nameProblem(name: string): string | undefined {
  const labels = decodedLabels(name);
  if (name === '' || labels.some((l) => l === '')) return `FATAL problem: DomainLabelEmpty (Domain label is empty) encountered with '${name}'`;
  if (labels.some((l) => Buffer.byteLength(l) > 63)) return `FATAL problem: DomainLabelTooLong (Domain label is too long) encountered with '${name}'`;
  if (Buffer.byteLength(labels.join('.')) + 1 > 255) return `FATAL problem: DomainNameTooLong (Domain name is too long) encountered with '${name}'`;
  return undefined;
}

/**
 * The key Route 53 lists records by: "sorts results first by DNS name with the labels reversed, for example:
 * com.example.www." (API Reference, ListResourceRecordSets, "Sort order"), in ASCII order.
 */
function sortKey(name: string): string {
  return `${name.replace(/\.$/, '').split('.').reverse().join('.')}.`;
}

/** Record types the model keeps: simple records of the types a private zone's users put next to a CNAME. */
const SUPPORTED_TYPES = new Set(['A', 'AAAA', 'CNAME', 'TXT']);

/** ResourceRecordSet members of routing policies, aliases and health checks: not modelled. */
const UNSUPPORTED_MEMBERS = ['AliasTarget', 'SetIdentifier', 'Weight', 'Region', 'Failover', 'GeoLocation', 'GeoProximityLocation', 'MultiValueAnswer', 'HealthCheckId', 'TrafficPolicyInstanceId', 'CidrRoutingConfig'];

/** TTL's range: "Valid Range: Minimum value of 0. Maximum value of 2147483647" (API Reference, ResourceRecordSet, TTL). */
const MAX_TTL = 2147483647;

/** The simulated Route 53 of one account. */
export class SimRoute53 {
  /** Hosted zones by bare ID. */
  public readonly zones = new Map<string, SimHostedZone>();
  /** Every accepted change batch, by bare ID. */
  public readonly changes = new Map<string, SimChange>();
  /** Every API call, for tests and the benchmark. */
  public readonly calls: ApiCall[] = [];
  public faults: Route53Faults = { throttleRate: 0, priorRequestNotCompleteRate: 0 };
  private readonly listeners: RecordChangeListener[] = [];

  public constructor(
    private readonly clock: VirtualClock,
    private readonly random: Random,
    public timings: Route53Timings = DEFAULT_ROUTE53_TIMINGS,
  ) {}

  /**
   * Creates a hosted zone, as the account's setup (CloudFormation, a person) did before the simulation: not an API call
   * of the functions. A new zone holds an SOA and an NS record at its apex ("NS and SOA records that Amazon Route 53
   * creates for a public hosted zone", Developer Guide; a private zone gets the same two, with the TTLs of that page:
   * NS 172800, SOA 900). A private zone answers only in the VPCs it is associated with.
   */
  public createHostedZone(name: string, options: { privateZone?: boolean; vpc?: { region: string; vpcId: string }; comment?: string; /** The zone's id (a configuration names it), else a new one. */ id?: string } = {}): SimHostedZone {
    const problem = nameProblem(name);
    if (problem) throw new Error(`cannot create hosted zone ${name}: ${problem}`);
    const privateZone = options.privateZone ?? true;
    // "To create a private hosted zone, you must specify a VPC" (API Reference, CreateHostedZone, VPC).
    if (privateZone && !options.vpc) throw new Error(`a private hosted zone (${name}) needs a VPC`);
    const zoneName = route53Name(name);
    if (options.id !== undefined && this.zones.has(options.id)) throw new Error(`hosted zone ${options.id} exists already`);
    const id = options.id ?? this.newId('Z0');
    const ns = ['ns-1536.awsdns-00.co.uk.', 'ns-0.awsdns-00.com.', 'ns-1024.awsdns-00.org.', 'ns-512.awsdns-00.net.'];
    const zone: SimHostedZone = {
      id,
      name: zoneName,
      privateZone,
      vpcs: options.vpc ? [options.vpc] : [],
      ...(options.comment !== undefined ? { comment: options.comment } : {}),
      records: new Map(),
      lastInsyncAt: this.clock.millis,
    };
    zone.records.set(`${zoneName}|NS`, { Name: zoneName, Type: 'NS', TTL: 172800, ResourceRecords: ns.map((Value) => ({ Value })) });
    zone.records.set(`${zoneName}|SOA`, { Name: zoneName, Type: 'SOA', TTL: 900, ResourceRecords: [{ Value: `${ns[0]} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400` }] });
    this.zones.set(id, zone);
    return zone;
  }

  /**
   * Calls `listener` whenever a CNAME change reaches resolvers. That is when the change is INSYNC: GetChange's INSYNC
   * "indicates that the changes have propagated to all Route 53 DNS servers managing the hosted zone" (API Reference,
   * GetChange), so from then on every query gets the new answer, while before it a query may still reach a server with
   * the old one. Notifying at INSYNC is the latest moment the documentation allows: a refresh that waits for INSYNC and
   * then the TTL must still find no client on the old target. A zone's changes are told in the order they were made.
   * Wiring a resolver: `route53.onRecordChange((name, target, ttl) => target ? dns.upsertRecord(name, target, ttl) :
   * dns.deleteRecord(name))` on a SimDns whose `route53PropagationSeconds` is 0. Returns a function that unsubscribes.
   */
  public onRecordChange(listener: RecordChangeListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** A record as Route 53 keeps it now, PENDING changes included (tests and the world's narration). */
  public record(zoneId: string, name: string, type = 'CNAME'): ResourceRecordSet | undefined {
    const r = this.zones.get(zoneId)?.records.get(`${route53Name(name)}|${type}`);
    return r && structuredClone(r);
  }

  /**
   * A real Route53Client, built by the product's factory, whose calls this simulator answers; the SDK's retries are
   * kept and their real-time waits dropped (scripts/sim/middleware.ts). For a world that records calls per function,
   * answer a client with {@link handle} instead.
   */
  public client(extra: Route53ClientConfig = {}): Route53Client {
    const client = retryWithoutDelay(route53Client({ credentials: { accessKeyId: 'SIMULATED', secretAccessKey: 'SIMULATED' }, ...extra }));
    answerFromSimulator(client, (command, input) => this.handle(command, input));
    return client;
  }

  /** Answers one API call, as the SDK middleware hands it over (IDs already without their /hostedzone/ or /change/ prefix). */
  public handle(command: string, input: Record<string, unknown>): Promise<Record<string, unknown>> {
    const record: ApiCall = { time: this.clock.now(), command, input: structuredClone(input), outcome: 'ok' };
    this.calls.push(record);
    try {
      // "When a request is throttled, Amazon Route 53 returns an HTTP 400 error (Bad request). The response header also
      // includes a Code element with a value of Throttling and a Message element with a value of Rate exceeded"
      // (Developer Guide, "Throttling for Amazon Route 53 API requests").
      if (this.faults.throttleRate > 0 && this.random.chance(this.faults.throttleRate)) {
        throw new Route53ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta() });
      }
      switch (command) {
        case 'ChangeResourceRecordSetsCommand':
          return Promise.resolve(this.changeResourceRecordSets(input));
        case 'GetChangeCommand':
          return Promise.resolve(this.getChange(input));
        case 'ListResourceRecordSetsCommand':
          return Promise.resolve(this.listResourceRecordSets(input));
        default:
          throw invalidInput(`the simulator does not implement Route 53 ${command}`);
      }
    } catch (err) {
      record.outcome = (err as Error).name;
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** "No hosted zone found with ID: <id>" (HTTP 404), AWS's message as quoted in moto's Route 53 tests. */
  private zone(id: string): SimHostedZone {
    const zone = this.zones.get(id);
    if (!zone) throw new NoSuchHostedZone({ message: `No hosted zone found with ID: ${id}`, ...meta(404) });
    return zone;
  }

  private changeResourceRecordSets(input: Record<string, unknown>): Record<string, unknown> {
    const batch = (input.ChangeBatch ?? {}) as { Comment?: unknown; Changes?: unknown };
    const changes = (Array.isArray(batch.Changes) ? batch.Changes : []) as { Action?: unknown; ResourceRecordSet?: Record<string, unknown> }[];
    // The request's shape first: the service validates its input model before it looks at the zone (InvalidInput in
    // AWS's "1 validation error detected" form; the TTL message is quoted in public test fixtures, the others are worded
    // alike, unconfirmed).
    if (changes.length === 0) throw invalidInput("1 validation error detected: Value '[]' at 'changeBatch.changes' failed to satisfy constraint: Member must have length greater than or equal to 1");
    // ChangeBatch Comment: "Length Constraints: Maximum length of 256" (API Reference, ChangeBatch).
    if (batch.Comment !== undefined && str(batch.Comment).length > 256) throw invalidInput(`1 validation error detected: Value '${str(batch.Comment)}' at 'changeBatch.comment' failed to satisfy constraint: Member must have length less than or equal to 256`);
    const parsed = changes.map((change, i) => {
      const at = `changeBatch.changes.${i + 1}.member`;
      const action = str(change.Action);
      if (!['CREATE', 'DELETE', 'UPSERT'].includes(action)) throw invalidInput(`1 validation error detected: Value '${action}' at '${at}.action' failed to satisfy constraint: Member must satisfy enum value set: [UPSERT, CREATE, DELETE]`);
      const rrs = change.ResourceRecordSet ?? {};
      const name = str(rrs.Name);
      const type = str(rrs.Type) as RRType;
      const unsupported = UNSUPPORTED_MEMBERS.find((m) => rrs[m] !== undefined);
      if (unsupported) throw invalidInput(`the simulator does not implement ${unsupported} (it models simple records only)`);
      if (!SUPPORTED_TYPES.has(type)) throw invalidInput(`the simulator does not implement records of type ${type} (it models ${[...SUPPORTED_TYPES].join(', ')})`);
      const values = Array.isArray(rrs.ResourceRecords) ? (rrs.ResourceRecords as ResourceRecord[]) : undefined;
      // A simple record needs TTL and ResourceRecords: AWS's message as quoted in moto's tests and in public scripts.
      if (rrs.TTL === undefined || values === undefined || values.length === 0) {
        throw invalidInput(`Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change with [Action=${action}, Name=${name}, Type=${type}, SetIdentifier=null]`);
      }
      const ttl = rrs.TTL as number;
      if (!Number.isInteger(ttl)) throw invalidInput(`1 validation error detected: Value '${str(ttl)}' at '${at}.resourceRecordSet.tTL' failed to satisfy constraint: Member must be a whole number`);
      if (ttl < 0) throw invalidInput(`1 validation error detected: Value '${ttl}' at '${at}.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value greater than or equal to 0`);
      if (ttl > MAX_TTL) throw invalidInput(`1 validation error detected: Value '${ttl}' at '${at}.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value less than or equal to ${MAX_TTL}`);
      return { action, name, type, ttl, values: values.map((v) => ({ Value: str(v.Value) })) };
    });
    const zone = this.zone(str(input.HostedZoneId));
    // "If Amazon Route 53 can't process a request before the next request arrives, it will reject subsequent requests
    // for the same hosted zone" (API Reference, ChangeResourceRecordSets, Errors); the message is the Knowledge
    // Center's ("How do I avoid throttling errors in Route 53?"): "the request was rejected because Route 53 was still
    // processing a prior request", capitalised as AWS's messages are.
    if (this.faults.priorRequestNotCompleteRate > 0 && this.random.chance(this.faults.priorRequestNotCompleteRate)) {
      throw new PriorRequestNotComplete({ message: 'The request was rejected because Route 53 was still processing a prior request.', ...meta() });
    }

    // Then the changes against the zone. "Route 53 validates the changes in the request and then either makes all or
    // none of the changes in the change batch request" (API Reference, ChangeResourceRecordSets, "Change Batches and
    // Transactional Changes"): each change is applied in order to a working copy, kept only if no change failed, and
    // every failure is reported (InvalidChangeBatch carries "a list of messages … Each error message indicates one error
    // in the change batch"; AWS sets the message to the list in brackets, as the answers quoted in issues show).
    const working = new Map(zone.records);
    const messages: string[] = [];
    const touched = new Map<string, string>();
    const visible: { name: string; target: string | undefined; ttl: number }[] = [];
    for (const c of parsed) {
      const problem = nameProblem(c.name);
      if (problem) {
        messages.push(problem);
        continue;
      }
      const name = route53Name(c.name);
      // A record must be in the zone: "[RRSet with DNS name x. is not permitted in zone z.]" (kcp-dev/kcp-glbc #475,
      // meltwater/terraform-aws-asg-dns-handler #38).
      if (name !== zone.name && !name.endsWith(`.${zone.name}`)) {
        messages.push(`RRSet with DNS name ${name} is not permitted in zone ${zone.name}`);
        continue;
      }
      const key = `${name}|${c.type}`;
      // A DELETE then a CREATE of one record is allowed (the API Reference's own example), anything else twice is not:
      // "you can't delete the same resource record set more than once in a single change batch". The wording, "The
      // request contains an invalid set of changes for a resource record set 'CNAME x.'", is AWS's as quoted in
      // barnybug/cli53 #81 and schwamster/serverless-certificate-creator #28.
      const before = touched.get(key);
      touched.set(key, c.action);
      if (before !== undefined && !(before === 'DELETE' && c.action !== 'DELETE')) {
        messages.push(`The request contains an invalid set of changes for a resource record set '${c.type} ${name}'`);
        continue;
      }
      if (c.type === 'CNAME') {
        // "The DNS protocol does not allow you to create a CNAME record for the top node of a DNS namespace, also known
        // as the zone apex" (Developer Guide, "Supported DNS record types", CNAME); AWS's answer: "RRSet of type CNAME
        // with DNS name x. is not permitted at apex in zone x." (quoted in many public write-ups).
        if (name === zone.name) {
          messages.push(`RRSet of type CNAME with DNS name ${name} is not permitted at apex in zone ${zone.name}`);
          continue;
        }
        // A CNAME has exactly one value, a domain name ("A CNAME Value element is the same format as a domain name",
        // same page). Message unconfirmed.
        if (c.values.length !== 1) {
          messages.push(`RRSet of type CNAME with DNS name ${name} has ${c.values.length} values; a CNAME record must have exactly one value`);
          continue;
        }
        const valueProblem = nameProblem(c.values[0]!.Value);
        if (valueProblem) {
          messages.push(`Invalid Resource Record: '${valueProblem}'`);
          continue;
        }
      }
      const existing = working.get(key);
      if (c.action === 'DELETE') {
        // AWS's words: "Tried to delete resource record set [name='x.', type='CNAME'] but it was not found" and "… but
        // the values provided do not match the current values" (boto/boto #2887, kubernetes-sigs/external-dns #732).
        // "To delete a resource record set, you must specify all the same values that you specified when you created
        // it" (API Reference, ChangeResourceRecordSets): TTL and values, in any order; CNAME values compare as domain
        // names (case and trailing dot ignored; unconfirmed).
        if (!existing) messages.push(`Tried to delete resource record set [name='${name}', type='${c.type}'] but it was not found`);
        else if (!sameValues(existing, c.ttl, c.values)) messages.push(`Tried to delete resource record set [name='${name}', type='${c.type}'] but the values provided do not match the current values`);
        else {
          working.delete(key);
          if (c.type === 'CNAME') visible.push({ name, target: undefined, ttl: existing.TTL ?? c.ttl });
        }
        continue;
      }
      if (c.action === 'CREATE' && existing) {
        // "[Tried to create resource record set [name='x.', type='CNAME'] but it already exists]" (hashicorp/terraform
        // and many public logs).
        messages.push(`Tried to create resource record set [name='${name}', type='${c.type}'] but it already exists`);
        continue;
      }
      // "If you create a CNAME record for a subdomain, you cannot create any other records for that subdomain"
      // (Developer Guide, "Supported DNS record types", CNAME). AWS's words: "RRSet of type CNAME with DNS name x. is not
      // permitted as it conflicts with other records with the same DNS name in zone z." (aws/aws-sdk-java #1996) and
      // "RRSet of type A with DNS name x. is not permitted because a conflicting RRSet of type CNAME with the same DNS
      // name already exists in zone z." (RJPearson94/terraform-aws-open-next #24).
      const others = [...working.values()].filter((r) => r.Name === name && r.Type !== c.type);
      if (c.type === 'CNAME' && others.length > 0) {
        messages.push(`RRSet of type CNAME with DNS name ${name} is not permitted as it conflicts with other records with the same DNS name in zone ${zone.name}`);
        continue;
      }
      if (c.type !== 'CNAME' && others.some((r) => r.Type === 'CNAME')) {
        messages.push(`RRSet of type ${c.type} with DNS name ${name} is not permitted because a conflicting RRSet of type CNAME with the same DNS name already exists in zone ${zone.name}`);
        continue;
      }
      // UPSERT: "If a resource record set doesn't already exist, Route 53 creates it. If a resource record set does
      // exist, Route 53 updates it with the values in the request" (API Reference, Change, Action).
      working.set(key, { Name: name, Type: c.type, TTL: c.ttl, ResourceRecords: c.values });
      if (c.type === 'CNAME') visible.push({ name, target: c.values[0]!.Value, ttl: c.ttl });
    }
    if (messages.length > 0) throw new InvalidChangeBatch({ message: `[${messages.join(', ')}]`, messages, ...meta() });

    zone.records = working;
    const now = this.clock.millis;
    // PENDING "is the initial status of all change batch requests"; INSYNC once "the changes have propagated to all
    // Route 53 DNS servers managing the hosted zone" (API Reference, GetChange). A zone's changes reach the servers in
    // order, so none is INSYNC before an earlier one.
    // Whole milliseconds, as a Date holds them: the time GetChange reports is the time the change turns INSYNC.
    const insyncAt = Math.max(now + Math.ceil(this.random.duration(this.timings.propagation)), zone.lastInsyncAt);
    zone.lastInsyncAt = insyncAt;
    const comment = batch.Comment === undefined ? undefined : str(batch.Comment);
    const change: SimChange = { id: this.newId('C0'), zoneId: zone.id, status: 'PENDING', submittedAt: new Date(now), insyncAt: new Date(insyncAt), ...(comment !== undefined ? { comment } : {}) };
    this.changes.set(change.id, change);
    this.clock.at(insyncAt, `route53 change ${change.id} INSYNC`, () => {
      change.status = 'INSYNC';
      for (const v of visible) for (const listener of [...this.listeners]) listener(v.name, v.target, v.ttl, new Date(insyncAt));
    });
    return { ChangeInfo: this.changeInfo(change) };
  }

  /** GetChange; an unknown ID is NoSuchChange, "A change with the specified change ID does not exist" (API Reference, GetChange, Errors; the message unconfirmed). */
  private getChange(input: Record<string, unknown>): Record<string, unknown> {
    const id = str(input.Id);
    const change = this.changes.get(id);
    if (!change) throw new NoSuchChange({ message: 'A change with the specified change ID does not exist.', ...meta(404) });
    return { ChangeInfo: this.changeInfo(change) };
  }

  private changeInfo(change: SimChange): Record<string, unknown> {
    // The API returns the ID with its prefix ("/change/C2682N5HXP0BZ4", API Reference, ChangeResourceRecordSets, example).
    return { Id: `/change/${change.id}`, Status: change.status, SubmittedAt: change.submittedAt, ...(change.comment !== undefined ? { Comment: change.comment } : {}) };
  }

  /**
   * ListResourceRecordSets (API Reference): "returns up to 300 resource record sets at a time in ASCII order", sorted by
   * name with the labels reversed, then by type; without a start, from the first record; "If you specify Type but not
   * Name": InvalidInput (message unconfirmed); with a name, from "the first resource record set in the list whose name
   * is greater than or equal to Name", with a type too, "and whose type is greater than or equal to Type" ("Type is only
   * used to sort between records with the same record Name"). It "returns the most current version of the records",
   * PENDING changes included. A truncated page names the next record (NextRecordName, NextRecordType).
   */
  private listResourceRecordSets(input: Record<string, unknown>): Record<string, unknown> {
    const zone = this.zone(str(input.HostedZoneId));
    const startName = input.StartRecordName === undefined ? undefined : str(input.StartRecordName);
    const startType = input.StartRecordType === undefined ? undefined : str(input.StartRecordType);
    if (startType !== undefined && startName === undefined) throw invalidInput('The input is not valid: StartRecordType requires StartRecordName.');
    const requested = typeof input.MaxItems === 'number' ? input.MaxItems : Number(input.MaxItems ?? 300);
    const maxItems = Number.isInteger(requested) && requested > 0 ? Math.min(requested, 300) : 300;
    const sorted = [...zone.records.values()].sort((a, b) => compare(sortKey(a.Name!), sortKey(b.Name!)) || compare(a.Type!, b.Type!));
    let from = 0;
    if (startName !== undefined) {
      const key = sortKey(route53Name(startName));
      from = sorted.findIndex((r) => sortKey(r.Name!) > key || (sortKey(r.Name!) === key && (startType === undefined || r.Type! >= startType)));
      if (from < 0) from = sorted.length;
    }
    const page = sorted.slice(from, from + maxItems);
    const next = sorted[from + maxItems];
    return {
      ResourceRecordSets: page.map((r) => structuredClone(r)),
      IsTruncated: next !== undefined,
      ...(next ? { NextRecordName: next.Name, NextRecordType: next.Type } : {}),
      MaxItems: maxItems,
    };
  }

  /** An ID in Route 53's form: a letter and upper-case letters and digits (API Reference examples: Z1D633PJN98FT9, C2682N5HXP0BZ4). */
  private newId(prefix: string): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    let id = prefix;
    while (id.length < 21) id += alphabet[Math.floor(this.random.next() * alphabet.length)];
    return id;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a DELETE's TTL and values are the record's: values in any order, domain names without regard to case or the trailing dot. */
function sameValues(existing: ResourceRecordSet, ttl: number, values: ResourceRecord[]): boolean {
  const norm = (v: string) => (existing.Type === 'CNAME' ? v.toLowerCase().replace(/\.$/, '') : v);
  const a = (existing.ResourceRecords ?? []).map((r) => norm(r.Value ?? '')).sort();
  const b = values.map((r) => norm(r.Value ?? '')).sort();
  return existing.TTL === ttl && a.length === b.length && a.every((v, i) => v === b[i]);
}
