import { toInstanceView, toSnapshotView } from '../../../lambdas/aws/rds';
import { preflight } from '../../../lambdas/refresh/preflight';
import { pair, xSnapshot, yInstance } from '../../support/fixtures';

const now = new Date('2026-11-21T02:00:00Z');
const fresh = toSnapshotView(xSnapshot('copy-2026-11-21', '2026-11-21T01:10:00Z'));
const monitoringRole = 'arn:aws:iam::111111111111:role/rds-monitoring';
const okPair = pair({ monitoringRoleArn: monitoringRole });

function failing(result: ReturnType<typeof preflight>) {
  return result.checks.filter((c) => !c.ok).map((c) => c.id);
}

describe('preflight', () => {
  it('passes a managed, available y with a newer fresh snapshot', () => {
    const result = preflight({ pair: okPair, replica: toInstanceView(yInstance()), snapshot: fresh, now });
    expect(failing(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.mustDisableDeletionProtection).toBe(false);
    expect(result.checks.map((c) => c.id)).toEqual([
      'replica-is-not-source',
      'replica-exists',
      'replica-deletable',
      'ownership-tag',
      'deletion-protection',
      'credentials',
      'associated-roles',
      'rds-proxy',
      'snapshot-available',
      'snapshot-newer',
      'snapshot-compatible',
      'tag-limit',
    ]);
  });

  it('refuses a secret pair whose secret cannot be read, before y is deleted', () => {
    const secretPair = pair({ monitoringRoleArn: monitoringRole, credentials: { mode: 'secret', secretArn: 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:staging-master-AbCdEf' } });
    const result = preflight({ pair: secretPair, replica: toInstanceView(yInstance()), snapshot: fresh, secretProblem: 'secret arn:… does not exist in this region', now });
    expect(failing(result)).toEqual(['credentials']);
    expect(result.checks.find((c) => c.id === 'credentials')?.detail).toContain("the new y would keep production's master password");
    expect(preflight({ pair: secretPair, replica: toInstanceView(yInstance()), snapshot: fresh, now }).ok).toBe(true);
  });

  it('refuses a y with an associated IAM role or an RDS Proxy that config does not let the functions carry across', () => {
    const role = { RoleArn: 'arn:aws:iam::111111111111:role/s3-import', FeatureName: 's3Import', Status: 'ACTIVE' };
    const proxy = { proxyName: 'staging', proxyArn: 'arn:aws:rds:eu-central-1:111111111111:db-proxy:prx-0123abcd', targetGroupName: 'default' };
    const withBoth = toInstanceView(yInstance({ AssociatedRoles: [role] }));
    const refused = preflight({ pair: okPair, replica: withBoth, snapshot: fresh, proxyTargets: [proxy], now });
    expect(failing(refused)).toEqual(['associated-roles', 'rds-proxy']);
    expect(refused.checks.find((c) => c.id === 'associated-roles')?.detail).toContain('add them to associatedRoleArns');
    const allowed = pair({ monitoringRoleArn: monitoringRole, associatedRoleArns: [role.RoleArn], rdsProxyArns: [proxy.proxyArn] });
    expect(preflight({ pair: allowed, replica: withBoth, snapshot: fresh, proxyTargets: [proxy], now }).ok).toBe(true);
  });

  it('fails when y does not exist', () => {
    const result = preflight({ pair: okPair, replica: undefined, snapshot: fresh, now });
    expect(result.ok).toBe(false);
    expect(failing(result)).toEqual(['replica-exists']);
  });

  it.each(['creating', 'deleting', 'modifying', 'rebooting', 'failed'])('fails when y is %s', (status) => {
    const result = preflight({ pair: okPair, replica: toInstanceView(yInstance({ DBInstanceStatus: status })), snapshot: fresh, now });
    expect(failing(result)).toEqual(['replica-deletable']);
  });

  it.each(['incompatible-parameters', 'incompatible-restore', 'failed'])('replaces y when it is %s as a failed run of the project left it, with no final snapshot', (status) => {
    const result = preflight({ pair: okPair, replica: toInstanceView(yInstance({ DBInstanceStatus: status })), snapshot: fresh, restoredBy: { runId: 'run-1', status: 'failed' }, now });
    expect(failing(result)).toEqual([]);
    expect(result.replacesFailedRestore).toBe(true);
    expect(result.checks.find((c) => c.id === 'replica-deletable')?.detail).toContain('as run run-1 left it when its restore failed');
  });

  it('refuses a y in a failed state that a run left succeeded, or no run restored', () => {
    for (const restoredBy of [{ runId: 'run-1', status: 'succeeded' }, undefined]) {
      const result = preflight({ pair: okPair, replica: toInstanceView(yInstance({ DBInstanceStatus: 'incompatible-parameters' })), snapshot: fresh, ...(restoredBy ? { restoredBy } : {}), now });
      expect(failing(result)).toEqual(['replica-deletable']);
      expect(result.replacesFailedRestore).toBe(false);
    }
  });

  it('passes when y is backing-up (it serves, and can be deleted)', () => {
    expect(preflight({ pair: okPair, replica: toInstanceView(yInstance({ DBInstanceStatus: 'backing-up' })), snapshot: fresh, now }).ok).toBe(true);
  });

  it('fails without the ownership tag, and says what was found', () => {
    const result = preflight({ pair: okPair, replica: toInstanceView(yInstance({ TagList: [{ Key: 'replica-refresh:managed', Value: 'false' }] })), snapshot: fresh, now });
    expect(failing(result)).toEqual(['ownership-tag']);
    expect(result.checks.find((c) => c.id === 'ownership-tag')?.detail).toContain('found "false"');
  });

  it('honours a configured ownership tag', () => {
    const custom = pair({ monitoringRoleArn: monitoringRole, ownershipTag: { key: 'owner', value: 'refresh' } });
    expect(failing(preflight({ pair: custom, replica: toInstanceView(yInstance()), snapshot: fresh, now }))).toEqual(['ownership-tag']);
    const tagged = toInstanceView(yInstance({ TagList: [{ Key: 'owner', Value: 'refresh' }] }));
    expect(preflight({ pair: custom, replica: tagged, snapshot: fresh, now }).ok).toBe(true);
  });

  it('refuses y = x', () => {
    const same = pair({ monitoringRoleArn: monitoringRole, replica: { instanceId: 'orders-prod', region: 'eu-west-1' } });
    expect(failing(preflight({ pair: same, replica: toInstanceView(yInstance()), snapshot: fresh, now }))).toContain('replica-is-not-source');
  });

  it('refuses deletion protection unless config allows turning it off', () => {
    const protectedY = toInstanceView(yInstance({ DeletionProtection: true }));
    const refused = preflight({ pair: okPair, replica: protectedY, snapshot: fresh, now });
    expect(failing(refused)).toEqual(['deletion-protection']);
    expect(refused.checks.find((c) => c.id === 'deletion-protection')?.detail).toContain('allowDisablingDeletionProtection');
    const allowed = preflight({ pair: pair({ monitoringRoleArn: monitoringRole, allowDisablingDeletionProtection: true }), replica: protectedY, snapshot: fresh, now });
    expect(allowed.ok).toBe(true);
    expect(allowed.mustDisableDeletionProtection).toBe(true);
  });

  it('fails without a snapshot, giving the reason it was handed', () => {
    const result = preflight({ pair: okPair, replica: toInstanceView(yInstance()), snapshot: undefined, snapshotProblem: 'no snapshot of orders-prod', now });
    expect(failing(result)).toEqual(['snapshot-available']);
    expect(result.checks.find((c) => c.id === 'snapshot-available')?.detail).toBe('no snapshot of orders-prod');
  });

  it('fails on a snapshot older than maxSnapshotAgeHours', () => {
    const stale = toSnapshotView(xSnapshot('old', '2026-11-19T23:00:00Z'));
    const result = preflight({ pair: okPair, replica: toInstanceView(yInstance({ TagList: [{ Key: 'replica-refresh:managed', Value: 'true' }] })), snapshot: stale, now });
    expect(failing(result)).toEqual(['snapshot-available']);
    expect(result.checks.find((c) => c.id === 'snapshot-available')?.detail).toContain('27.0 h old, over maxSnapshotAgeHours (26)');
  });

  it('fails on a snapshot not newer than the one y holds, unless config says otherwise', () => {
    const same = toSnapshotView(xSnapshot('copy-2026-11-20', '2026-11-20T01:10:00Z'));
    const lenient = { ...okPair, maxSnapshotAgeHours: 48 };
    expect(failing(preflight({ pair: lenient, replica: toInstanceView(yInstance()), snapshot: same, now }))).toEqual(['snapshot-newer']);
    expect(preflight({ pair: { ...lenient, requireNewerSnapshot: false }, replica: toInstanceView(yInstance()), snapshot: same, now }).ok).toBe(true);
  });

  it('allows the first refresh, when y has no lineage', () => {
    const first = toInstanceView(yInstance({ TagList: [{ Key: 'replica-refresh:managed', Value: 'true' }] }));
    const result = preflight({ pair: okPair, replica: first, snapshot: fresh, now });
    expect(result.ok).toBe(true);
    expect(result.checks.find((c) => c.id === 'snapshot-newer')?.detail).toContain('first refresh');
  });

  it('fails when y uses a monitoring role config does not name', () => {
    const result = preflight({ pair: pair(), replica: toInstanceView(yInstance()), snapshot: fresh, now });
    expect(failing(result)).toEqual(['monitoring-role']);
    expect(result.checks.find((c) => c.id === 'monitoring-role')?.detail).toContain(`monitoringRoleArn: "${monitoringRole}"`);
  });

  it('lists every failing check at once', () => {
    const result = preflight({ pair: pair(), replica: toInstanceView(yInstance({ DBInstanceStatus: 'stopping', DeletionProtection: true, TagList: [] })), snapshot: undefined, now });
    expect(failing(result)).toEqual(['replica-deletable', 'ownership-tag', 'deletion-protection', 'monitoring-role', 'snapshot-available']);
  });
});
