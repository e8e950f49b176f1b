/**
 * Route 53: the only file that speaks the Route 53 API. The `dns-switch` refresh mode keeps one CNAME record in a
 * private hosted zone pointing at the live one of two instances; this file points it (UPSERT), asks whether the change
 * has reached every Route 53 DNS server (GetChange), reads where it points now (ListResourceRecordSets), and sorts
 * Route 53's faults into a retryable and a permanent kind, as lambdas/aws/rds.ts does for RDS.
 */
import { ChangeResourceRecordSetsCommand, GetChangeCommand, InvalidChangeBatch, InvalidInput, ListResourceRecordSetsCommand, NoSuchChange, NoSuchHostedZone, Route53Client } from '@aws-sdk/client-route-53';
import type { Route53ClientConfig } from '@aws-sdk/client-route-53';

import type { RuntimeConfig } from '../kernel/config';
import { PermanentDnsError, RetryableDnsError } from '../kernel/errors';
import type { DnsErrorContext } from '../kernel/errors';
import type { DnsChangeStatus, DnsRecords, PointRecordRequest } from '../kernel/ports';

export type { DnsChangeStatus, DnsRecords, PointRecordRequest };

export { PermanentDnsError, RetryableDnsError };
export type { DnsErrorContext };

/**
 * A record name as Route 53 compares it and as IAM's `route53:ChangeResourceRecordSetsNormalizedRecordNames` expects
 * it: lower case, without the trailing dot, and every character other than a-z, 0-9, `-`, `_` and `.` written as a
 * `\` and three octal digits (`*` is `\052`). Route 53 Developer Guide, "Using IAM policy conditions for fine-grained
 * access control" (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-conditions-route53.html),
 * section "Normalizing the Route 53 condition key values"; "DNS domain name format"
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html): Route 53 stores letters as lower
 * case "regardless of how you specify them: as uppercase letters, lowercase letters, or the corresponding letters in
 * escape codes", and treats a name with and without the trailing dot as the same name (API Reference, ResourceRecordSet).
 * Escapes already in the name are read first, so `\052.example.com` and `*.example.com` normalize alike.
 */
export function normalizeRecordName(name: string): string {
  const decoded = name.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  const lower = decoded.toLowerCase().replace(/\.$/, '');
  return lower.replace(/[^a-z0-9\-_.]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** An ID as Route 53 returns it (`/change/C…`, `/hostedzone/Z…`), bare: the form GetChange and the ledger use. */
function bareId(id: string): string {
  return id.replace(/^\/(hostedzone|change)\//, '');
}

/** Throttling left over after the SDK's retries: `Throttling` ("Rate exceeded") and `PriorRequestNotComplete`. */
function isBusy(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: { throttling?: boolean } };
  return e?.$retryable?.throttling === true || ['Throttling', 'ThrottlingException', 'PriorRequestNotComplete'].includes(e?.name ?? '');
}

/**
 * Sorts a Route 53 error into the two kinds, with a message that names the zone and the record and says what to do.
 * Sources: API Reference, ChangeResourceRecordSets, Errors (InvalidChangeBatch, InvalidInput, NoSuchHostedZone,
 * PriorRequestNotComplete: "If Route 53 returns this error repeatedly for the same request, we recommend that you
 * wait, in intervals of increasing duration, before you try the request again"); Developer Guide, "Throttling for
 * Amazon Route 53 API requests" (code `Throttling`, message "Rate exceeded"). Errors that are no AWS errors at all
 * (bugs) pass through unchanged.
 */
function classify(err: unknown, action: string, context: DnsErrorContext): unknown {
  const e = err as { name?: string; message?: string; $fault?: string };
  const code = e?.name ?? 'Error';
  const where = [context.recordName && `record ${context.recordName}`, context.hostedZoneId && `hosted zone ${context.hostedZoneId}`, context.changeId && `change ${context.changeId}`].filter(Boolean).join(' in ');
  const said = `${code}: ${e?.message ?? String(err)}`.replace(/\.$/, '');
  const permanent = (next: string) => new PermanentDnsError(`${action} (${where}) failed: ${said}. ${next}`, code, context, { cause: err });
  const retryable = (next: string) => new RetryableDnsError(`${action} (${where}) failed: ${said}. ${next}`, code, context, { cause: err });
  if (isBusy(err)) return retryable('Route 53 is throttling the account or still applying a prior change to this zone; try again later, waiting longer each time.');
  if (err instanceof NoSuchHostedZone) return permanent('No hosted zone has this ID in the account: check the configured hosted zone ID (the private zone the record lives in).');
  // Its message already lists every refused change (the `messages` of InvalidChangeBatch, in brackets).
  if (err instanceof InvalidChangeBatch) {
    return permanent('Route 53 refused the record: check that the record name lies inside the zone and is not its apex, that no other record type (or an alias or weighted record) uses that name, and that the target is a valid DNS name.');
  }
  if (err instanceof InvalidInput) return permanent('Route 53 refused the request as malformed: check the record name, the target and the TTL (0 to 2147483647 seconds).');
  if (err instanceof NoSuchChange) return permanent('Route 53 has no change with this ID: the ID was not returned by this account, or was mistyped.');
  if (code === 'AccessDenied' || code === 'AccessDeniedException') return permanent('The function may not do this: grant it the statements recordGrantStatement and recordReadStatements build for this zone and record.');
  if (e?.$fault === 'client') return permanent('Route 53 refused the request; retrying will not change that.');
  if (e?.$fault === 'server' || ['TimeoutError', 'RequestTimeout', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'NetworkingError'].includes(code)) {
    return retryable('Route 53 or the network failed; try again later.');
  }
  return err;
}

/** Points and reads CNAME records in a Route 53 hosted zone. */
export class Route53Adapter implements DnsRecords {
  /** @param route53 a client built once per cold start, see {@link route53Client} */
  public constructor(private readonly route53: Route53Client) {}

  public async pointRecord(req: PointRecordRequest): Promise<{ changeId: string; submittedAt: Date }> {
    const context = { hostedZoneId: bareId(req.hostedZoneId), recordName: req.recordName };
    try {
      const out = await this.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: context.hostedZoneId,
          ChangeBatch: {
            ...(req.comment !== undefined ? { Comment: req.comment } : {}),
            Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: req.recordName, Type: 'CNAME', TTL: req.ttlSeconds, ResourceRecords: [{ Value: req.target }] } }],
          },
        }),
      );
      const info = out.ChangeInfo;
      // Both are required in the response (API Reference, ChangeInfo); a response without them is no answer to act on.
      if (!info?.Id || !info.SubmittedAt) throw new RetryableDnsError(`UPSERT of ${req.recordName} in hosted zone ${context.hostedZoneId}: Route 53 answered without a change ID`, 'NoChangeInfo', context);
      return { changeId: bareId(info.Id), submittedAt: info.SubmittedAt };
    } catch (err) {
      throw classify(err, `UPSERT CNAME → ${req.target}`, context);
    }
  }

  public async changeStatus(changeId: string): Promise<DnsChangeStatus> {
    const context = { changeId: bareId(changeId) };
    try {
      const out = await this.route53.send(new GetChangeCommand({ Id: context.changeId }));
      const status = out.ChangeInfo?.Status;
      if (status !== 'PENDING' && status !== 'INSYNC') throw new RetryableDnsError(`GetChange ${context.changeId}: Route 53 answered with status ${String(status)}`, 'UnknownStatus', context);
      return status;
    } catch (err) {
      throw classify(err, 'GetChange', context);
    }
  }

  public async currentTarget(hostedZoneId: string, recordName: string): Promise<{ target: string; ttlSeconds: number } | undefined> {
    const context = { hostedZoneId: bareId(hostedZoneId), recordName };
    let first;
    try {
      // One record from the position of (name, CNAME): Route 53 starts at the first record whose name and type are
      // greater than or equal to those (API Reference, ListResourceRecordSets, "Specifying where to start listing
      // records"), so without an exact match it returns the next record, which is checked below.
      const out = await this.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: context.hostedZoneId, StartRecordName: recordName, StartRecordType: 'CNAME', MaxItems: 1 }));
      first = out.ResourceRecordSets?.[0];
    } catch (err) {
      throw classify(err, 'ListResourceRecordSets', context);
    }
    if (!first || first.Type !== 'CNAME' || normalizeRecordName(first.Name ?? '') !== normalizeRecordName(recordName)) return undefined;
    // An alias, weighted, failover, latency, geolocation or multivalue CNAME is a record someone else routes: an UPSERT
    // of a simple record would be refused (or would sit next to it), so say so rather than report a target.
    const value = first.ResourceRecords?.[0]?.Value;
    if (first.AliasTarget || first.SetIdentifier !== undefined || value === undefined) {
      throw new PermanentDnsError(
        `record ${recordName} in hosted zone ${context.hostedZoneId} is an alias or routing-policy CNAME, not a simple record: dns-switch only manages a simple CNAME; delete or rename the existing record`,
        'NotASimpleRecord',
        context,
      );
    }
    return { target: value, ttlSeconds: first.TTL ?? 0 };
  }
}

/**
 * A Route 53 client. Route 53 is a global service with one endpoint (route53.amazonaws.com) whose requests are signed
 * for us-east-1, whatever region the caller runs in; the SDK resolves any commercial region to it, so the client's
 * region is fixed to us-east-1 rather than taken from the function's. Pass `region` in `extra` for another partition
 * (cn-northwest-1, us-gov-west-1). Six attempts, as the RDS client: Route 53 throttles per account (the token buckets
 * of "Throttling for Amazon Route 53 API requests"), a budget shared with every other tool in the account, and the
 * SDK retries `Throttling` and `PriorRequestNotComplete` as throttling.
 */
export function route53Client(extra: Route53ClientConfig = {}): Route53Client {
  return new Route53Client({ region: 'us-east-1', maxAttempts: 6, ...extra });
}

/** An IAM policy statement as JSON (what `PolicyStatement.fromJson` and a policy document take). */
export interface PolicyStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string[]>>;
}

function hostedZoneArn(zoneId: string, partition: string): string {
  const id = bareId(zoneId);
  if (!/^[A-Z0-9]+$/.test(id)) throw new Error(`"${zoneId}" is not a Route 53 hosted zone ID (Z followed by letters and digits)`);
  return `arn:${partition}:route53:::hostedzone/${id}`;
}

/**
 * The statement that lets a function UPSERT exactly the named CNAME records of one zone and nothing else: not DELETE
 * or CREATE, no other type, no other name. Condition keys and their normalization: Route 53 Developer Guide, "Using
 * IAM policy conditions for fine-grained access control"
 * (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-conditions-route53.html): names lower case
 * without the trailing dot, other characters as octal escapes ({@link normalizeRecordName}); actions and record types
 * upper case. The keys are multivalued (one value per change in the batch; Service Authorization Reference, Route 53:
 * type ArrayOfString), hence `ForAllValues:` — every change of the batch must be one of the allowed ones. The action's
 * resource is the hosted zone, `arn:${Partition}:route53:::hostedzone/${Id}` (same reference).
 */
export function recordGrantStatement(zoneId: string, recordNames: string[], partition = 'aws'): PolicyStatementJson {
  if (recordNames.length === 0) throw new Error('recordGrantStatement needs at least one record name');
  return {
    Effect: 'Allow',
    Action: 'route53:ChangeResourceRecordSets',
    Resource: hostedZoneArn(zoneId, partition),
    Condition: {
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': [...new Set(recordNames.map(normalizeRecordName))],
        'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
        'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
      },
    },
  };
}

/**
 * The statements for the reads: GetChange, whose resource is a change (`arn:${Partition}:route53:::change/${Id}`; a
 * change ID is known only once submitted, hence `change/*`), and ListResourceRecordSets on the zone. Two statements,
 * so each action is granted on its own resource type only (Service Authorization Reference, Route 53).
 */
export function recordReadStatements(zoneId: string, partition = 'aws'): PolicyStatementJson[] {
  return [
    { Effect: 'Allow', Action: 'route53:GetChange', Resource: `arn:${partition}:route53:::change/*` },
    { Effect: 'Allow', Action: 'route53:ListResourceRecordSets', Resource: hostedZoneArn(zoneId, partition) },
  ];
}

/**
 * The Route 53 port of the functions that refresh a dns-switch pair (start-refresh reads the record; on-rds-event and
 * the watchdog point it): undefined when no pair of the region uses dns-switch. A handler imports this factory
 * itself, so that only those bundles carry the Route 53 client.
 */
export const dnsRecordsFor = (config: Pick<RuntimeConfig, 'pairs'>): DnsRecords | undefined => (config.pairs.some((p) => p.refresh.mode === 'dns-switch') ? new Route53Adapter(route53Client()) : undefined);
