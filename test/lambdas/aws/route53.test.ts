/**
 * The Route 53 adapter (lambdas/aws/route53.ts) against a mocked Route53Client: the requests it sends, how it sorts
 * Route 53's faults, the exact-name check of currentTarget, and the IAM statements it builds (evaluated with
 * @cloud-copilot/iam-simulate, so the conditions are shown to admit the UPSERT they are for and nothing else).
 */
import {
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  InvalidChangeBatch,
  InvalidInput,
  ListResourceRecordSetsCommand,
  NoSuchChange,
  NoSuchHostedZone,
  PriorRequestNotComplete,
  Route53Client,
  Route53ServiceException,
} from '@aws-sdk/client-route-53';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { mockClient } from 'aws-sdk-client-mock';
import type { PolicyStatementJson } from '../../../lambdas/aws/route53';
import { PermanentDnsError, RetryableDnsError, Route53Adapter, normalizeRecordName, recordGrantStatement, recordReadStatements, route53Client } from '../../../lambdas/aws/route53';

const ZONE = 'Z0123456789ABCDEFGHIJ';
const NAME = 'orders-staging.staging.internal';
const B = 'orders-staging-b.abc123xyz.eu-central-1.rds.amazonaws.com';
const meta = { $metadata: { httpStatusCode: 400 } };

const r53 = mockClient(Route53Client);
beforeEach(() => r53.reset());
const adapter = () => new Route53Adapter(new Route53Client({ region: 'us-east-1' }));

/** What a promise rejected with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('Route53Adapter.pointRecord', () => {
  it('UPSERTs one CNAME record with the TTL and comment, and returns the bare change ID', async () => {
    const submittedAt = new Date('2026-11-21T02:00:00Z');
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C0ABCDEF', Status: 'PENDING', SubmittedAt: submittedAt } });
    const out = await adapter().pointRecord({ hostedZoneId: `/hostedzone/${ZONE}`, recordName: NAME, target: B, ttlSeconds: 30, comment: 'run r-1' });
    expect(out).toEqual({ changeId: 'C0ABCDEF', submittedAt });
    expect(r53).toHaveReceivedCommandTimes(ChangeResourceRecordSetsCommand, 1);
    expect(r53).toHaveReceivedCommandWith(ChangeResourceRecordSetsCommand, {
      HostedZoneId: ZONE,
      ChangeBatch: { Comment: 'run r-1', Changes: [{ Action: 'UPSERT', ResourceRecordSet: { Name: NAME, Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: B }] } }] },
    });
  });

  it('sends no Comment when none is given', async () => {
    r53.on(ChangeResourceRecordSetsCommand).resolves({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } });
    await adapter().pointRecord({ hostedZoneId: ZONE, recordName: NAME, target: B, ttlSeconds: 0 });
    const input = r53.commandCalls(ChangeResourceRecordSetsCommand)[0]!.args[0].input;
    expect(input.ChangeBatch).not.toHaveProperty('Comment');
    expect(input.ChangeBatch?.Changes?.[0]?.ResourceRecordSet?.TTL).toBe(0);
  });

  it.each([
    ['InvalidChangeBatch', new InvalidChangeBatch({ message: '[RRSet of type CNAME with DNS name staging.internal. is not permitted at apex in zone staging.internal.]', messages: ['RRSet of type CNAME with DNS name staging.internal. is not permitted at apex in zone staging.internal.'], ...meta })],
    ['NoSuchHostedZone', new NoSuchHostedZone({ message: `No hosted zone found with ID: ${ZONE}`, $metadata: { httpStatusCode: 404 } })],
    ['InvalidInput', new InvalidInput({ message: "1 validation error detected: Value '-1' at 'changeBatch.changes.1.member.resourceRecordSet.tTL' failed to satisfy constraint: Member must have value greater than or equal to 0", ...meta })],
    ['AccessDenied', new Route53ServiceException({ name: 'AccessDenied', $fault: 'client', message: 'User is not authorized to perform: route53:ChangeResourceRecordSets', ...meta })],
  ])('makes %s a PermanentDnsError that names the zone and the record', async (code, fault) => {
    r53.on(ChangeResourceRecordSetsCommand).rejects(fault);
    const err = await rejection(adapter().pointRecord({ hostedZoneId: ZONE, recordName: NAME, target: B, ttlSeconds: 30 }));
    expect(err).toBeInstanceOf(PermanentDnsError);
    expect(err).toMatchObject({ name: 'PermanentDnsError', code, context: { hostedZoneId: ZONE, recordName: NAME }, cause: fault });
    expect((err as Error).message).toContain(ZONE);
    expect((err as Error).message).toContain(NAME);
  });

  it.each([
    ['PriorRequestNotComplete', new PriorRequestNotComplete({ message: 'The request was rejected because Route 53 was still processing a prior request.', ...meta })],
    ['Throttling', new Route53ServiceException({ name: 'Throttling', $fault: 'client', message: 'Rate exceeded', ...meta })],
    ['ServiceUnavailable', new Route53ServiceException({ name: 'ServiceUnavailable', $fault: 'server', message: 'try later', $metadata: { httpStatusCode: 503 } })],
    ['TimeoutError', Object.assign(new Error('socket timed out'), { name: 'TimeoutError' })],
  ])('makes %s a RetryableDnsError', async (code, fault) => {
    r53.on(ChangeResourceRecordSetsCommand).rejects(fault);
    const err = await rejection(adapter().pointRecord({ hostedZoneId: ZONE, recordName: NAME, target: B, ttlSeconds: 30 }));
    expect(err).toBeInstanceOf(RetryableDnsError);
    expect(err).toMatchObject({ name: 'RetryableDnsError', code, context: { hostedZoneId: ZONE, recordName: NAME } });
  });

  it('lets an error that is no AWS error (a bug) through unchanged', async () => {
    const bug = new TypeError('x is undefined');
    r53.on(ChangeResourceRecordSetsCommand).rejects(bug);
    expect(await rejection(adapter().pointRecord({ hostedZoneId: ZONE, recordName: NAME, target: B, ttlSeconds: 30 }))).toBe(bug);
  });
});

describe('Route53Adapter.changeStatus', () => {
  it('asks GetChange with the bare ID and returns the status', async () => {
    r53.on(GetChangeCommand).resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'PENDING', SubmittedAt: new Date() } }).resolvesOnce({ ChangeInfo: { Id: '/change/C1', Status: 'INSYNC', SubmittedAt: new Date() } });
    expect(await adapter().changeStatus('/change/C1')).toBe('PENDING');
    expect(await adapter().changeStatus('C1')).toBe('INSYNC');
    expect(r53.commandCalls(GetChangeCommand).map((c) => c.args[0].input)).toEqual([{ Id: 'C1' }, { Id: 'C1' }]);
  });

  it('makes NoSuchChange a PermanentDnsError naming the change', async () => {
    r53.on(GetChangeCommand).rejects(new NoSuchChange({ message: 'A change with the specified change ID does not exist.', $metadata: { httpStatusCode: 404 } }));
    const err = await rejection(adapter().changeStatus('C0NOPE'));
    expect(err).toBeInstanceOf(PermanentDnsError);
    expect(err).toMatchObject({ code: 'NoSuchChange', context: { changeId: 'C0NOPE' } });
  });
});

describe('Route53Adapter.currentTarget', () => {
  it('lists one record from (name, CNAME) and returns its target and TTL when the name matches', async () => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: `${NAME}.`, Type: 'CNAME', TTL: 30, ResourceRecords: [{ Value: B }] }], IsTruncated: false, MaxItems: 1 });
    expect(await adapter().currentTarget(ZONE, NAME)).toEqual({ target: B, ttlSeconds: 30 });
    expect(r53).toHaveReceivedCommandWith(ListResourceRecordSetsCommand, { HostedZoneId: ZONE, StartRecordName: NAME, StartRecordType: 'CNAME', MaxItems: 1 });
  });

  it.each([
    ['Orders-Staging.Staging.Internal.', `${NAME}.`],
    [NAME, 'ORDERS-STAGING.staging.internal'],
    [`${NAME}.`, NAME],
  ])('matches %s and %s as one name (case and trailing dot do not count)', async (asked, listed) => {
    r53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [{ Name: listed, Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: B }] }], IsTruncated: false, MaxItems: 1 });
    expect(await adapter().currentTarget(ZONE, asked)).toEqual({ target: B, ttlSeconds: 60 });
  });

  it('answers undefined when Route 53 returns the next record instead (another name, or another type of the same name)', async () => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({ ResourceRecordSets: [{ Name: 'orders-staging-x.staging.internal.', Type: 'CNAME', TTL: 60, ResourceRecords: [{ Value: B }] }], IsTruncated: true, MaxItems: 1 })
      .resolvesOnce({ ResourceRecordSets: [{ Name: `${NAME}.`, Type: 'TXT', TTL: 60, ResourceRecords: [{ Value: '"owner"' }] }], IsTruncated: false, MaxItems: 1 })
      .resolvesOnce({ ResourceRecordSets: [], IsTruncated: false, MaxItems: 1 });
    expect(await adapter().currentTarget(ZONE, NAME)).toBeUndefined();
    expect(await adapter().currentTarget(ZONE, NAME)).toBeUndefined();
    expect(await adapter().currentTarget(ZONE, NAME)).toBeUndefined();
  });

  it('refuses an alias or weighted CNAME of that name as a PermanentDnsError (dns-switch manages a simple record only)', async () => {
    r53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({ ResourceRecordSets: [{ Name: `${NAME}.`, Type: 'CNAME', AliasTarget: { HostedZoneId: ZONE, DNSName: 'x.staging.internal.', EvaluateTargetHealth: false } }], IsTruncated: false, MaxItems: 1 })
      .resolvesOnce({ ResourceRecordSets: [{ Name: `${NAME}.`, Type: 'CNAME', SetIdentifier: 'blue', Weight: 50, TTL: 60, ResourceRecords: [{ Value: B }] }], IsTruncated: false, MaxItems: 1 });
    for (let i = 0; i < 2; i++) {
      const err = await rejection(adapter().currentTarget(ZONE, NAME));
      expect(err).toBeInstanceOf(PermanentDnsError);
      expect(err).toMatchObject({ code: 'NotASimpleRecord', context: { hostedZoneId: ZONE, recordName: NAME } });
    }
  });

  it('makes NoSuchHostedZone a PermanentDnsError', async () => {
    r53.on(ListResourceRecordSetsCommand).rejects(new NoSuchHostedZone({ message: `No hosted zone found with ID: ${ZONE}`, $metadata: { httpStatusCode: 404 } }));
    expect(await rejection(adapter().currentTarget(ZONE, NAME))).toMatchObject({ name: 'PermanentDnsError', code: 'NoSuchHostedZone' });
  });
});

describe('route53Client', () => {
  it('signs for us-east-1 (Route 53 is global) and retries as the RDS client does, unless told otherwise', async () => {
    const client = route53Client();
    expect(await client.config.region()).toBe('us-east-1');
    expect(await client.config.maxAttempts()).toBe(6);
    expect(await route53Client({ region: 'cn-northwest-1' }).config.region()).toBe('cn-northwest-1');
  });
});

describe('normalizeRecordName', () => {
  it.each([
    ['Orders-Staging.Staging.Internal.', 'orders-staging.staging.internal'],
    ['orders_staging.staging.internal', 'orders_staging.staging.internal'],
    ['*.staging.internal', '\\052.staging.internal'],
    ['\\052.staging.internal.', '\\052.staging.internal'],
    ['\\101pp.staging.internal', 'app.staging.internal'],
    ['a b.staging.internal', 'a\\040b.staging.internal'],
  ])('normalizes %s to %s', (name, normalized) => {
    expect(normalizeRecordName(name)).toBe(normalized);
  });
});

describe('recordGrantStatement', () => {
  it('grants UPSERT of CNAME records of the named records only, on the zone, with the names normalized once each', () => {
    expect(recordGrantStatement(`/hostedzone/${ZONE}`, ['Orders-Staging.Staging.Internal.', NAME, 'Orders-Staging-RO.staging.internal'])).toEqual({
      Effect: 'Allow',
      Action: 'route53:ChangeResourceRecordSets',
      Resource: `arn:aws:route53:::hostedzone/${ZONE}`,
      Condition: {
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': [NAME, 'orders-staging-ro.staging.internal'],
          'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
        },
      },
    });
  });

  it('uses the partition given', () => {
    expect(recordGrantStatement(ZONE, [NAME], 'aws-cn').Resource).toBe(`arn:aws-cn:route53:::hostedzone/${ZONE}`);
  });

  it('refuses no names and a value that is no zone ID', () => {
    expect(() => recordGrantStatement(ZONE, [])).toThrow(/at least one record name/);
    expect(() => recordGrantStatement('staging.internal', [NAME])).toThrow(/not a Route 53 hosted zone ID/);
  });

  /** Whether IAM allows a ChangeResourceRecordSets on ZONE whose batch has these (normalized) names, types and actions. */
  async function allows(statement: PolicyStatementJson, names: string[], types: string[], actions: string[]): Promise<boolean> {
    const out = await runSimulation(
      {
        request: {
          principal: 'arn:aws:iam::111111111111:role/replica-refresh-start',
          action: 'route53:ChangeResourceRecordSets',
          resource: { resource: `arn:aws:route53:::hostedzone/${ZONE}`, accountId: '111111111111' },
          contextVariables: {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': names,
            'route53:ChangeResourceRecordSetsRecordTypes': types,
            'route53:ChangeResourceRecordSetsActions': actions,
          },
        },
        identityPolicies: [{ name: 'dns-switch', policy: { Version: '2012-10-17', Statement: [statement] } }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (out.resultType === 'error') throw new Error(JSON.stringify(out.errors));
    return out.overallResult === 'Allowed';
  }

  it('is allowed by IAM for the UPSERT it is for, and for nothing else', async () => {
    const statement = recordGrantStatement(ZONE, [NAME]);
    expect(await allows(statement, [NAME], ['CNAME'], ['UPSERT'])).toBe(true);
    expect(await allows(statement, [NAME], ['CNAME'], ['DELETE'])).toBe(false);
    expect(await allows(statement, [NAME], ['A'], ['UPSERT'])).toBe(false);
    expect(await allows(statement, ['orders-prod.staging.internal'], ['CNAME'], ['UPSERT'])).toBe(false);
    // A batch that changes the record and another one: every change must be allowed.
    expect(await allows(statement, [NAME, 'orders-prod.staging.internal'], ['CNAME'], ['UPSERT'])).toBe(false);
  });
});

describe('recordReadStatements', () => {
  it('grants GetChange on changes and ListResourceRecordSets on the zone, each on its own resource', () => {
    expect(recordReadStatements(ZONE)).toEqual([
      { Effect: 'Allow', Action: 'route53:GetChange', Resource: 'arn:aws:route53:::change/*' },
      { Effect: 'Allow', Action: 'route53:ListResourceRecordSets', Resource: `arn:aws:route53:::hostedzone/${ZONE}` },
    ]);
  });
});
