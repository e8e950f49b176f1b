import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { ReplicaInstances } from '../../../infra/features/replica-instances';
import { pairSchema, type PairConfig } from '../../../lambdas/kernel/config';
import { ACCOUNT, REGION, iamStatements, newStack, pair, rdsArn, resourcesAllowed, unacknowledgedNagFindings } from '../helpers';

const KEY_A = `arn:aws:kms:${REGION}:${ACCOUNT}:key/aaaaaaaa-1111-2222-3333-444444444444`;
const KEY_B = `arn:aws:kms:${REGION}:${ACCOUNT}:key/bbbbbbbb-1111-2222-3333-444444444444`;

/** Grants on a bare role, so the template holds nothing else. */
function grantsFor(pairs: Parameters<typeof pair>[], grant: (replicas: ReplicaInstances, role: iam.IRole) => void, projectKeyArn?: string, copyContext?: ConstructorParameters<typeof ReplicaInstances>[2]['copyContext']) {
  const stack = newStack();
  const replicas = new ReplicaInstances(stack, 'Replicas', { pairs: pairs.map((args) => pair(...args)), ...(projectKeyArn === undefined ? {} : { projectKeyArn }), ...(copyContext ? { copyContext } : {}) });
  const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  grant(replicas, role);
  return iamStatements(Template.fromStack(stack));
}

describe('ReplicaInstances', () => {
  it('names y by its ARN in this region and account', () => {
    const replicas = new ReplicaInstances(newStack(), 'Replicas', { pairs: [pair('b-staging'), pair('a-staging')] });
    expect(replicas.instanceIds).toEqual(['a-staging', 'b-staging']);
    expect(Stack.of(replicas).resolve(replicas.dbArn('a-staging'))).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:db:a-staging`]] });
  });

  it('grants read-only RDS actions on "*" and nothing mutating; the proxies only where asked', () => {
    const statements = grantsFor([['a-staging']], (r, role) => r.grantRead(role, { proxies: true }));
    expect(statements.flatMap((s) => s.actions).sort()).toEqual(['rds:DescribeDBInstances', 'rds:DescribeDBProxies', 'rds:DescribeDBProxyTargetGroups', 'rds:DescribeDBProxyTargets', 'rds:DescribeDBSnapshots']);
    expect(statements.flatMap((s) => s.resources)).toEqual(['*']);
    const noProxies = grantsFor([['a-staging']], (r, role) => r.grantRead(role, { proxies: false }));
    expect(noProxies.flatMap((s) => s.actions).sort()).toEqual(['rds:DescribeDBInstances', 'rds:DescribeDBSnapshots']);
  });

  it('grants delete and modify on db:<y> only, and no snapshot rights without finalSnapshot', () => {
    const statements = grantsFor([['a-staging'], ['b-staging']], (r, role) => r.grantDelete(role));
    expect(resourcesAllowed(statements, 'rds:DeleteDBInstance')).toEqual([rdsArn('db:a-staging'), rdsArn('db:b-staging')]);
    expect(resourcesAllowed(statements, 'rds:ModifyDBInstance')).toEqual([rdsArn('db:a-staging'), rdsArn('db:b-staging')]);
    expect(statements.flatMap((s) => s.actions)).not.toContain('rds:CreateDBSnapshot');
  });

  it('grants CreateDBSnapshot on db:<y> and snapshot:<y>-final-*, and tagging of that snapshot, for finalSnapshot pairs', () => {
    const statements = grantsFor([['a-staging', REGION, { finalSnapshot: true }], ['b-staging']], (r, role) => r.grantDelete(role));
    expect(resourcesAllowed(statements, 'rds:CreateDBSnapshot')).toEqual([rdsArn('db:a-staging'), rdsArn('snapshot:a-staging-final-*')]);
    expect(resourcesAllowed(statements, 'rds:AddTagsToResource')).toEqual([rdsArn('snapshot:a-staging-final-*')]);
  });

  it('grants restore on db:<y> with the og/pg/subgrp/snapshot inputs, and tagging on db:<y> only', () => {
    const statements = grantsFor([['a-staging']], (r, role) => r.grantRestore(role));
    expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceFromDBSnapshot').sort()).toEqual(
      [rdsArn('db:a-staging'), rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*'), rdsArn('snapshot:*')].sort(),
    );
    expect(resourcesAllowed(statements, 'rds:AddTagsToResource')).toEqual([rdsArn('db:a-staging')]);
    expect(statements.flatMap((s) => s.actions)).not.toContain('iam:PassRole');
  });

  it('grants the snapshot keys by ARN when every pair names them, only via RDS', () => {
    const statements = grantsFor(
      [
        ['a-staging', REGION, { snapshotKmsKeyArns: [KEY_B, KEY_A] }],
        ['b-staging', REGION, { snapshotKmsKeyArns: [KEY_A] }],
      ],
      (r, role) => r.grantRestore(role),
    );
    expect(resourcesAllowed(statements, 'kms:CreateGrant')).toEqual([KEY_A, KEY_B]);
    expect(resourcesAllowed(statements, 'kms:DescribeKey')).toEqual([KEY_A, KEY_B]);
    const createGrant = statements.find((s) => s.actions.includes('kms:CreateGrant'));
    expect(createGrant?.statement.Condition).toEqual({ StringEquals: { 'kms:ViaService': `rds.${REGION}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } });
  });

  it('grants the key of the copies (the project key or copy.replicaKmsKeyArn) instead of key/* when every pair copies', () => {
    const statements = grantsFor([['a-staging'], ['b-staging', REGION, { copy: { replicaKmsKeyArn: KEY_B } }]], (r, role) => r.grantRestore(role), KEY_A);
    expect(resourcesAllowed(statements, 'kms:CreateGrant')).toEqual([KEY_A, KEY_B]);
  });

  describe('x and y in one region, copied for a vault', () => {
    const vault = { vault: { account: '222222222222', region: 'eu-west-2', rpoHours: 26, retentionDays: 35, keepAtLeast: 3, recovery: {} } };
    const sameRegion = { source: { instanceId: 'orders-prod', region: REGION } };

    it("keeps key/*: y may be restored from x's own snapshots, under x's key, as well as from the project's copies", () => {
      const statements = grantsFor([['a-staging', REGION, sameRegion]], (r, role) => r.grantRestore(role), KEY_A, vault);
      expect(resourcesAllowed(statements, 'kms:CreateGrant')).toEqual([`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`]);
    });

    it("names x's key and the project key when snapshotKmsKeyArns names x's", () => {
      const statements = grantsFor([['a-staging', REGION, { ...sameRegion, snapshotKmsKeyArns: [KEY_B] }]], (r, role) => r.grantRestore(role), KEY_A, vault);
      expect(resourcesAllowed(statements, 'kms:CreateGrant')).toEqual([KEY_A, KEY_B]);
    });
  });

  it('keeps key/* when a pair restores from snapshots the project does not copy and names no key', () => {
    const statements = grantsFor([['a-staging'], ['b-staging', REGION, { copy: { enabled: false } }]], (r, role) => r.grantRestore(role), KEY_A);
    expect(resourcesAllowed(statements, 'kms:CreateGrant')).toEqual([`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`]);
  });

  it('grants point-in-time restores of the backup-replication y only, with their inputs, and describing automated backups', () => {
    const replication = { source: { instanceId: 'b-prod', region: 'eu-west-1', mode: 'backup-replication' } };
    const statements = grantsFor([['a-staging'], ['b-staging', REGION, replication]], (r, role) => r.grantRestore(role), KEY_A);
    expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceToPointInTime').sort()).toEqual(
      [rdsArn('db:b-staging'), rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*'), rdsArn('auto-backup:*')].sort(),
    );
    const read = grantsFor([['b-staging', REGION, replication]], (r, role) => r.grantRead(role, { proxies: true }));
    expect(read.flatMap((s) => s.actions)).toContain('rds:DescribeDBInstanceAutomatedBackups');
  });

  it("grants deleting copies <x>-* only while they carry their pair's ownership tag, one statement per tag", () => {
    const statements = grantsFor(
      [['a-staging'], ['b-staging', REGION, { ownershipTag: { key: 'team', value: 'dba' } }], ['c-staging', REGION, { copy: { retention: { enabled: false } } }]],
      (r, role) => r.grantExpireCopies(role),
    );
    expect(statements.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
      [['rds:DeleteDBSnapshot'], [rdsArn('snapshot:a-staging-source-*')], { StringEquals: { 'rds:snapshot-tag/replica-refresh:managed': 'true' }, Null: { 'rds:snapshot-tag/replica-refresh:copied-from': 'false' } }],
      [['rds:DeleteDBSnapshot'], [rdsArn('snapshot:b-staging-source-*')], { StringEquals: { 'rds:snapshot-tag/team': 'dba' }, Null: { 'rds:snapshot-tag/replica-refresh:copied-from': 'false' } }],
    ]);
  });

  it('fails to grant deleting copies when no pair has retention on', () => {
    expect(() => grantsFor([['a-staging', REGION, { copy: { enabled: false } }]], (r, role) => r.grantExpireCopies(role))).toThrow(
      'no pair of this region has retention of its copies on: nothing to grant',
    );
  });

  it('passes each monitoring role (pair or override) only to monitoring.rds.amazonaws.com', () => {
    const roleA = `arn:aws:iam::${ACCOUNT}:role/monitoring-a`;
    const roleB = `arn:aws:iam::${ACCOUNT}:role/monitoring-b`;
    const statements = grantsFor(
      [
        ['a-staging', REGION, { monitoringRoleArn: roleA }],
        ['b-staging', REGION, { overrides: { monitoringRoleArn: roleB } }],
      ],
      (r, role) => r.grantRestore(role),
    );
    const passRole = statements.filter((s) => s.actions.includes('iam:PassRole'));
    expect(passRole.flatMap((s) => s.resources)).toEqual([roleA, roleB]);
    expect(passRole[0]?.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'monitoring.rds.amazonaws.com' } });
  });

  describe('settings a restore loses', () => {
    const ROLE_A = `arn:aws:iam::${ACCOUNT}:role/a-s3-import`;
    const ROLE_B = `arn:aws:iam::${ACCOUNT}:role/b-s3-export`;
    const PROXY = `arn:aws:rds:${REGION}:${ACCOUNT}:db-proxy:prx-0123456789abcdef0`;
    const pairs: Parameters<typeof pair>[] = [
      ['a-staging', REGION, { associatedRoleArns: [ROLE_A], rdsProxyArns: [PROXY] }],
      ['b-staging', REGION, { associatedRoleArns: [ROLE_B, ROLE_A] }],
      ['c-staging'],
    ];

    it('associates the configured roles with the y that carry them only, passing them only to RDS', () => {
      const statements = grantsFor(pairs, (r, role) => r.grantRestore(role));
      expect(resourcesAllowed(statements, 'rds:AddRoleToDBInstance')).toEqual([rdsArn('db:a-staging'), rdsArn('db:b-staging')]);
      const passRds = statements.filter((s) => s.actions.includes('iam:PassRole') && JSON.stringify(s.statement.Condition).includes('"rds.amazonaws.com"'));
      expect(passRds.map((s) => [s.resources, s.statement.Condition])).toEqual([[[ROLE_A, ROLE_B], { StringEquals: { 'iam:PassedToService': 'rds.amazonaws.com' } }]]);
    });

    it('registers the y of proxied pairs with any target group of the region (its id is RDS\'s), and nothing else', () => {
      const statements = grantsFor(pairs, (r, role) => r.grantRestore(role));
      expect(resourcesAllowed(statements, 'rds:RegisterDBProxyTargets').sort()).toEqual([rdsArn('db:a-staging'), rdsArn('target-group:*')]);
    });

    it('reads every proxy of the region, read-only, to find the ones targeting y', () => {
      const read = grantsFor(pairs, (r, role) => r.grantRead(role, { proxies: true }));
      expect(read.flatMap((s) => s.actions)).toEqual(expect.arrayContaining(['rds:DescribeDBProxies', 'rds:DescribeDBProxyTargetGroups', 'rds:DescribeDBProxyTargets']));
      expect(read.flatMap((s) => s.resources)).toEqual(['*']);
    });

    it('grants no mutating action for roles or proxies when no pair names them, only the reads the preflight uses to refuse an unnamed proxy', () => {
      const statements = [...grantsFor([['c-staging']], (r, role) => r.grantRestore(role)), ...grantsFor([['c-staging']], (r, role) => r.grantRead(role, { proxies: true }))];
      const actions = statements.flatMap((s) => s.actions);
      for (const action of ['rds:AddRoleToDBInstance', 'rds:RegisterDBProxyTargets', 'iam:PassRole']) expect(actions).not.toContain(action);
      expect(actions).toEqual(expect.arrayContaining(['rds:DescribeDBProxies', 'rds:DescribeDBProxyTargetGroups', 'rds:DescribeDBProxyTargets']));
    });

    it("fails for a proxy outside y's region", () => {
      const elsewhere = `arn:aws:rds:us-east-1:${ACCOUNT}:db-proxy:prx-0123456789abcdef0`;
      expect(() => new ReplicaInstances(newStack(), 'Replicas', { pairs: [pair('a-staging', REGION, { rdsProxyArns: [elsewhere] })] })).toThrow(
        `rdsProxyArns of a-staging must be proxies in ${REGION} of account ${ACCOUNT}, y's, got ${elsewhere}`,
      );
    });
  });

  describe('Aurora cluster pairs', () => {
    const ROLE = `arn:aws:iam::${ACCOUNT}:role/crm-s3-import`;
    const PROXY = `arn:aws:rds:${REGION}:${ACCOUNT}:db-proxy:prx-0123456789abcdef0`;
    /** A parsed cluster pair: y `clusterId` with its members, writer first. */
    function clusterPair(clusterId: string, memberIds: string[], extra: Record<string, unknown> = {}): PairConfig {
      return pairSchema.parse({
        source: { clusterId: `${clusterId}-source`, region: 'eu-west-1' },
        replica: { clusterId, region: REGION, memberIds },
        engine: 'aurora-postgresql',
        credentials: { mode: 'source' },
        ...extra,
      });
    }
    const CRM = (extra: Record<string, unknown> = {}) => clusterPair('crm-staging', ['crm-staging-writer', 'crm-staging-reader-1'], extra);

    /** Grants on a bare role for parsed pairs, so the template holds nothing else. */
    function clusterGrants(pairs: PairConfig[], grant: (replicas: ReplicaInstances, role: iam.IRole) => void) {
      const stack = newStack();
      const replicas = new ReplicaInstances(stack, 'Replicas', { pairs });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      grant(replicas, role);
      return { statements: iamStatements(Template.fromStack(stack)), stack, replicas };
    }
    const MUTATING = ['rds:DeleteDBInstance', 'rds:CreateDBInstance', 'rds:DeleteDBCluster', 'rds:RestoreDBClusterFromSnapshot', 'rds:ModifyDBCluster', 'rds:AddTagsToResource', 'rds:CreateDBClusterSnapshot', 'rds:AddRoleToDBCluster', 'rds:RegisterDBProxyTargets', 'rds:ModifyDBInstance', 'rds:RestoreDBInstanceFromDBSnapshot'];
    const everyGrant = (replicas: ReplicaInstances, role: iam.IRole) => {
      replicas.grantRead(role, { proxies: true });
      replicas.grantDelete(role);
      replicas.grantRestore(role);
    };

    it('names the cluster, its members and the instance ys apart; events concern the instances and the members', () => {
      const replicas = new ReplicaInstances(newStack(), 'Replicas', { pairs: [CRM(), pair('a-staging')] });
      expect(replicas.instanceIds).toEqual(['a-staging']);
      expect(replicas.clusterIds).toEqual(['crm-staging']);
      expect(replicas.memberIds).toEqual(['crm-staging-reader-1', 'crm-staging-writer']);
      expect(replicas.eventInstanceIds).toEqual(['a-staging', 'crm-staging-reader-1', 'crm-staging-writer']);
      expect(Stack.of(replicas).resolve(replicas.clusterArn('crm-staging'))).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${REGION}:${ACCOUNT}:cluster:crm-staging`]] });
    });

    it('reads clusters and cluster snapshots on "*" (List actions; the watchdog lists every cluster of the region), nothing mutating', () => {
      const { statements } = clusterGrants([CRM()], (r, role) => r.grantRead(role, { proxies: false }));
      expect(statements.flatMap((s) => s.actions).sort()).toEqual(['rds:DescribeDBClusterSnapshots', 'rds:DescribeDBClusters', 'rds:DescribeDBInstances', 'rds:DescribeDBSnapshots']);
      expect(statements.flatMap((s) => s.resources)).toEqual(['*']);
    });

    it('deletes the members by db:<member> and the cluster by cluster:<y> (with its own final snapshots), and nothing of the instance path for a cluster', () => {
      const { statements } = clusterGrants([CRM()], (r, role) => r.grantDelete(role));
      expect(resourcesAllowed(statements, 'rds:DeleteDBInstance')).toEqual([rdsArn('db:crm-staging-reader-1'), rdsArn('db:crm-staging-writer')]);
      expect(resourcesAllowed(statements, 'rds:DeleteDBCluster').sort()).toEqual([rdsArn('cluster:crm-staging'), rdsArn('cluster-snapshot:crm-staging-final-*')].sort());
      // Deletion protection off before the delete.
      expect(resourcesAllowed(statements, 'rds:ModifyDBCluster')).toEqual([rdsArn('cluster:crm-staging')]);
      const actions = statements.flatMap((s) => s.actions);
      for (const action of ['rds:ModifyDBInstance', 'rds:CreateDBClusterSnapshot', 'rds:CreateDBSnapshot', 'rds:AddTagsToResource']) expect(actions).not.toContain(action);
    });

    it('takes and tags the final cluster snapshot <y>-final-* only for a finalSnapshot pair', () => {
      const { statements } = clusterGrants([CRM({ finalSnapshot: true }), clusterPair('hr-staging', ['hr-staging-1'])], (r, role) => r.grantDelete(role));
      expect(resourcesAllowed(statements, 'rds:CreateDBClusterSnapshot').sort()).toEqual([rdsArn('cluster:crm-staging'), rdsArn('cluster-snapshot:crm-staging-final-*')].sort());
      expect(resourcesAllowed(statements, 'rds:AddTagsToResource')).toEqual([rdsArn('cluster-snapshot:crm-staging-final-*')]);
      expect(resourcesAllowed(statements, 'rds:DeleteDBCluster').sort()).toEqual(
        [rdsArn('cluster:crm-staging'), rdsArn('cluster:hr-staging'), rdsArn('cluster-snapshot:crm-staging-final-*'), rdsArn('cluster-snapshot:hr-staging-final-*')].sort(),
      );
    });

    it("expires an Aurora x's copies as cluster snapshots <x>-*, only while they carry the ownership and copy tags", () => {
      const { statements } = clusterGrants([CRM()], (r, role) => r.grantExpireCopies(role));
      expect(statements.map((s) => [s.actions, s.resources, s.statement.Condition])).toEqual([
        [
          ['rds:DeleteDBClusterSnapshot'],
          [rdsArn('cluster-snapshot:crm-staging-source-*')],
          { StringEquals: { 'rds:cluster-snapshot-tag/replica-refresh:managed': 'true' }, Null: { 'rds:cluster-snapshot-tag/replica-refresh:copied-from': 'false' } },
        ],
      ]);
    });

    it('restores cluster:<y> from a cluster snapshot with its required inputs, and creates exactly the configured members in it', () => {
      const { statements } = clusterGrants([CRM()], (r, role) => r.grantRestore(role));
      expect(resourcesAllowed(statements, 'rds:RestoreDBClusterFromSnapshot').sort()).toEqual(
        [rdsArn('cluster:crm-staging'), rdsArn('cluster-pg:*'), rdsArn('og:*'), rdsArn('subgrp:*'), rdsArn('cluster-snapshot:*')].sort(),
      );
      // CreateDBInstance of a member is evaluated against db:<member> (required) and cluster:<y> (named by the request).
      expect(resourcesAllowed(statements, 'rds:CreateDBInstance').sort()).toEqual(
        [rdsArn('db:crm-staging-writer'), rdsArn('db:crm-staging-reader-1'), rdsArn('cluster:crm-staging'), rdsArn('pg:*'), rdsArn('subgrp:*')].sort(),
      );
      expect(resourcesAllowed(statements, 'rds:ModifyDBCluster')).toEqual([rdsArn('cluster:crm-staging')]);
      expect(resourcesAllowed(statements, 'rds:AddTagsToResource').sort()).toEqual([rdsArn('cluster:crm-staging'), rdsArn('db:crm-staging-reader-1'), rdsArn('db:crm-staging-writer')].sort());
      const actions = statements.flatMap((s) => s.actions);
      for (const action of ['rds:RestoreDBInstanceFromDBSnapshot', 'rds:ModifyDBInstance', 'rds:AddRoleToDBCluster', 'rds:RegisterDBProxyTargets', 'iam:PassRole']) expect(actions).not.toContain(action);
    });

    it('associates the configured roles with cluster:<y> (AddRoleToDBCluster), passing only those roles to RDS, and registers the cluster with its proxies', () => {
      const { statements } = clusterGrants([CRM({ associatedRoleArns: [ROLE], rdsProxyArns: [PROXY] })], (r, role) => r.grantRestore(role));
      expect(resourcesAllowed(statements, 'rds:AddRoleToDBCluster')).toEqual([rdsArn('cluster:crm-staging')]);
      expect(statements.flatMap((s) => s.actions)).not.toContain('rds:AddRoleToDBInstance');
      const pass = statements.filter((s) => s.actions.includes('iam:PassRole'));
      expect(pass.flatMap((s) => s.resources)).toEqual([ROLE]);
      expect(pass[0]?.statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'rds.amazonaws.com' } });
      // RegisterDBProxyTargets has no cluster resource type: the target group alone, and no db: ARN named after the cluster.
      expect(resourcesAllowed(statements, 'rds:RegisterDBProxyTargets')).toEqual([rdsArn('target-group:*')]);
    });

    it('grants instance and cluster pairs side by side, each on its own ARNs', () => {
      const { statements } = clusterGrants([CRM(), pair('a-staging')], (r, role) => {
        r.grantDelete(role);
        r.grantRestore(role);
      });
      expect(resourcesAllowed(statements, 'rds:DeleteDBInstance').sort()).toEqual([rdsArn('db:a-staging'), rdsArn('db:crm-staging-reader-1'), rdsArn('db:crm-staging-writer')].sort());
      expect(resourcesAllowed(statements, 'rds:ModifyDBInstance')).not.toContain(rdsArn('db:crm-staging-writer'));
      expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceFromDBSnapshot')).toContain(rdsArn('db:a-staging'));
      expect(resourcesAllowed(statements, 'rds:RestoreDBInstanceFromDBSnapshot')).not.toContain(rdsArn('db:crm-staging'));
      expect(resourcesAllowed(statements, 'rds:RestoreDBClusterFromSnapshot')).not.toContain(rdsArn('cluster:a-staging'));
    });

    it('grants no mutating action on "*", and cdk-nag finds nothing unacknowledged', () => {
      const { statements, stack } = clusterGrants([CRM({ finalSnapshot: true, associatedRoleArns: [ROLE], rdsProxyArns: [PROXY] }), pair('a-staging', REGION, { finalSnapshot: true })], everyGrant);
      for (const action of MUTATING) expect(resourcesAllowed(statements, action)).not.toContain('*');
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });

    it('fails for a member listed by two clusters, or that is also a y instance, naming replica.memberIds', () => {
      expect(() => new ReplicaInstances(newStack(), 'Replicas', { pairs: [CRM(), clusterPair('hr-staging', ['crm-staging-writer'])] })).toThrow(
        'replica.memberIds of hr-staging names crm-staging-writer, which is already a member of cluster crm-staging: an instance belongs to one replica',
      );
      expect(() => new ReplicaInstances(newStack(), 'Replicas', { pairs: [pair('crm-staging-writer'), CRM()] })).toThrow(
        'replica.memberIds of crm-staging names crm-staging-writer, which is already the y of pair crm-staging-writer: an instance belongs to one replica',
      );
    });

    it('fails for a cluster pair without its members', () => {
      const withoutMembers = { ...CRM(), replica: { ...CRM().replica, memberIds: undefined } } as PairConfig;
      expect(() => new ReplicaInstances(newStack(), 'Replicas', { pairs: [withoutMembers] })).toThrow('replica.memberIds of crm-staging must list the cluster');
    });
  });

  describe('swap modes (rename-swap, dns-switch)', () => {
    const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] };
    const VALIDATION = { tables: ['public.orders'], vpc: VPC };
    const ZONE = 'Z0123456789ABCDEFGHIJ';
    const ROLE = `arn:aws:iam::${ACCOUNT}:role/orders-s3-import`;
    const RENAME: Parameters<typeof pair> = ['orders-staging', REGION, { refresh: { mode: 'rename-swap', validation: VALIDATION }, finalSnapshot: true }];
    const DNS: Parameters<typeof pair> = ['crm-staging', REGION, { refresh: { mode: 'dns-switch', dns: { hostedZoneId: ZONE, recordName: 'CRM-Staging.db.internal.' }, validation: VALIDATION } }];
    const DELETE_FIRST: Parameters<typeof pair> = ['billing-staging', REGION, { finalSnapshot: true }];
    const OWNED = { StringEquals: { 'rds:db-tag/replica-refresh:managed': 'true' } };
    const ZONE_ARN = `arn:\${AWS::Partition}:route53:::hostedzone/${ZONE}`;

    /** Every grant a function of the stack gets from ReplicaInstances, on one role, with the stack for cdk-nag. */
    function swapGrants(pairs: Parameters<typeof pair>[], grant: (replicas: ReplicaInstances, role: iam.IRole) => void) {
      const stack = newStack();
      const replicas = new ReplicaInstances(stack, 'Replicas', { pairs: pairs.map((args) => pair(...args)) });
      const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
      replicas.grantRead(role, { proxies: true });
      grant(replicas, role);
      return { statements: iamStatements(Template.fromStack(stack)), stack };
    }
    /** The statements of a Sid as [actions (sorted), resources, condition]. */
    const bySid = (statements: ReturnType<typeof iamStatements>, sid: string) => statements.filter((s) => s.statement.Sid === sid).map((s) => [[...s.actions].sort(), s.resources, s.statement.Condition]);

    describe('starting a refresh (start-refresh)', () => {
      const { statements, stack } = swapGrants([RENAME, DNS, DELETE_FIRST], (r, role) => r.grantStart(role));

      it("deletes (and modifies, and snapshots) only the delete-first y: never a swap pair's y, which keeps serving", () => {
        expect(bySid(statements, 'DeleteAndModifyReplicas')).toEqual([[['rds:DeleteDBInstance', 'rds:ModifyDBInstance'], [rdsArn('db:billing-staging')], undefined]]);
        // finalSnapshot is set on the rename-swap pair too: a swap mode takes none.
        expect(resourcesAllowed(statements, 'rds:CreateDBSnapshot')).toEqual([rdsArn('db:billing-staging'), rdsArn('snapshot:billing-staging-final-*')]);
        expect(resourcesAllowed(statements, 'rds:ModifyDBInstance')).toEqual([rdsArn('db:billing-staging')]);
      });

      it("restores and tags the swap pairs' copies, <y>-next-* and the slots <y>-a and <y>-b, with the restore's inputs", () => {
        expect(bySid(statements, 'RestoreCopiesBesideReplicas')).toEqual([
          [['rds:AddTagsToResource', 'rds:RestoreDBInstanceFromDBSnapshot'], [rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*')], undefined],
        ]);
        expect(bySid(statements, 'CopyRestoreInputs')).toEqual([[['rds:RestoreDBInstanceFromDBSnapshot'], [rdsArn('og:*'), rdsArn('pg:*'), rdsArn('snapshot:*'), rdsArn('subgrp:*')], undefined]]);
        expect(resourcesAllowed(statements, 'rds:AddTagsToResource').sort()).toEqual([rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*'), rdsArn('snapshot:billing-staging-final-*')].sort());
      });

      it("deletes a dns-switch pair's idle slot (a stopped or left-over one), only while it carries the ownership tag", () => {
        expect(bySid(statements, 'DeleteIdleSlots')).toEqual([[['rds:DeleteDBInstance'], [rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b')], OWNED]]);
        expect(resourcesAllowed(statements, 'rds:StopDBInstance')).toEqual([]);
      });

      it('lets RDS use the keys of the copies it restores, only through RDS', () => {
        expect(bySid(statements, 'GrantSnapshotKeysToRds')).toEqual([
          [['kms:CreateGrant'], [`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`], { StringEquals: { 'kms:ViaService': `rds.${REGION}.amazonaws.com` }, Bool: { 'kms:GrantIsForAWSResource': 'true' } }],
        ]);
        expect(resourcesAllowed(statements, 'kms:DescribeKey')).toEqual([`arn:\${AWS::Partition}:kms:${REGION}:${ACCOUNT}:key/*`]);
      });

      it('reads where the record points (which slot is live), and never changes it or polls a change', () => {
        expect(bySid(statements, 'ReadDnsSwitchRecords')).toEqual([[['route53:ListResourceRecordSets'], [ZONE_ARN], undefined]]);
        for (const action of ['route53:ChangeResourceRecordSets', 'route53:GetChange']) expect(resourcesAllowed(statements, action)).toEqual([]);
      });

      it('grants no mutating action on "*", and cdk-nag finds nothing unacknowledged', () => {
        const mutating = statements.filter((s) => s.resources.includes('*') && s.actions.some((a) => !/^rds:(Describe|List)/.test(a)));
        expect(mutating).toEqual([]);
        expect(unacknowledgedNagFindings(stack)).toEqual([]);
      });
    });

    describe('carrying a run on (on-rds-event, the watchdog)', () => {
      const { statements, stack } = swapGrants([RENAME, DNS, DELETE_FIRST], (r, role) => r.grantRestore(role));

      it('keeps the restore grants on every y as they are', () => {
        expect(bySid(statements, 'RestoreTagAndModifyReplicas')).toEqual([
          [['rds:AddTagsToResource', 'rds:ModifyDBInstance', 'rds:RestoreDBInstanceFromDBSnapshot'], [rdsArn('db:billing-staging'), rdsArn('db:crm-staging'), rdsArn('db:orders-staging')], undefined],
        ]);
      });

      it('restores, tags and configures the copies; renames them (and y) by ModifyDBInstance, and the old y back in a rollback', () => {
        expect(bySid(statements, 'RestoreTagAndModifyCopies')).toEqual([
          [
            ['rds:AddTagsToResource', 'rds:ModifyDBInstance', 'rds:RestoreDBInstanceFromDBSnapshot'],
            [rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*')],
            undefined,
          ],
        ]);
        expect(bySid(statements, 'RenameOldInstancesBack')).toEqual([[['rds:ModifyDBInstance'], [rdsArn('db:orders-staging-old-*')], undefined]]);
        expect(resourcesAllowed(statements, 'rds:ModifyDBInstance').sort()).toEqual(
          [rdsArn('db:billing-staging'), rdsArn('db:crm-staging'), rdsArn('db:orders-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*'), rdsArn('db:orders-staging-old-*'), rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*')].sort(),
        );
      });

      it("deletes the swap pairs' own instances only while they carry the ownership tag: copies and old instances, the slots, and a dns-switch y after its first switch", () => {
        expect(bySid(statements, 'DeleteOwnedInstancesBesideReplicas')).toEqual([
          [
            ['rds:DeleteDBInstance'],
            [rdsArn('db:crm-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b'), rdsArn('db:orders-staging-next-*'), rdsArn('db:orders-staging-old-*')],
            OWNED,
          ],
        ]);
        // Never the delete-first y, and never a rename-swap y under its own name.
        expect(resourcesAllowed(statements, 'rds:DeleteDBInstance')).not.toContain(rdsArn('db:billing-staging'));
        expect(resourcesAllowed(statements, 'rds:DeleteDBInstance')).not.toContain(rdsArn('db:orders-staging'));
        // oldSlot "delete" (the default): nothing is stopped, and no final snapshot is taken.
        for (const action of ['rds:StopDBInstance', 'rds:CreateDBSnapshot']) expect(resourcesAllowed(statements, action)).toEqual([]);
      });

      it('UPSERTs only the configured CNAME (normalized) in its zone and polls the change, and does not read the record (the watchdog does, grantReadDnsRecords)', () => {
        expect(bySid(statements, 'PointDnsSwitchRecords')).toEqual([
          [
            ['route53:ChangeResourceRecordSets'],
            [ZONE_ARN],
            {
              'ForAllValues:StringEquals': {
                'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['crm-staging.db.internal'],
                'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
                'route53:ChangeResourceRecordSetsActions': ['UPSERT'],
              },
            },
          ],
        ]);
        expect(resourcesAllowed(statements, 'route53:ListResourceRecordSets')).toEqual([]);
        expect(bySid(statements, 'PollDnsSwitchChanges')).toEqual([[['route53:GetChange'], ['arn:${AWS::Partition}:route53:::change/*'], undefined]]);
      });

      it('grants no mutating action on "*", and cdk-nag finds nothing unacknowledged', () => {
        const mutating = statements.filter((s) => s.resources.includes('*') && s.actions.some((a) => !/^rds:(Describe|List)/.test(a)));
        expect(mutating).toEqual([]);
        expect(unacknowledgedNagFindings(stack)).toEqual([]);
      });
    });

    it('grants nothing of the swap modes for delete-first pairs only', () => {
      const { statements } = swapGrants([DELETE_FIRST], (r, role) => {
        r.grantStart(role);
        r.grantRestore(role);
        r.grantReadDnsRecords(role);
      });
      const sids = statements.map((s) => s.statement.Sid);
      for (const sid of ['RestoreCopiesBesideReplicas', 'CopyRestoreInputs', 'DeleteIdleSlots', 'RestoreTagAndModifyCopies', 'RenameOldInstancesBack', 'DeleteOwnedInstancesBesideReplicas', 'StopOldSlots', 'AssociateRolesWithCopies', 'ReadDnsSwitchRecords', 'PointDnsSwitchRecords', 'PollDnsSwitchChanges']) {
        expect(sids).not.toContain(sid);
      }
      expect(statements.flatMap((s) => s.actions).filter((a) => a.startsWith('route53:'))).toEqual([]);
    });

    it('stops the old slot, and y after the first switch, only for oldSlot "stop", only with the ownership tag', () => {
      const stopping: Parameters<typeof pair> = ['crm-staging', REGION, { refresh: { mode: 'dns-switch', dns: { hostedZoneId: ZONE, recordName: 'crm-staging.db.internal' }, oldSlot: 'stop', validation: VALIDATION }, ownershipTag: { key: 'team', value: 'dba' } }];
      const { statements, stack } = swapGrants([stopping, RENAME], (r, role) => r.grantRestore(role));
      expect(bySid(statements, 'StopOldSlots')).toEqual([[['rds:StopDBInstance'], [rdsArn('db:crm-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b')], { StringEquals: { 'rds:db-tag/team': 'dba' } }]]);
      // One delete statement per ownership tag.
      expect(bySid(statements, 'DeleteOwnedInstancesBesideReplicas')).toEqual([[['rds:DeleteDBInstance'], [rdsArn('db:crm-staging'), rdsArn('db:crm-staging-a'), rdsArn('db:crm-staging-b')], { StringEquals: { 'rds:db-tag/team': 'dba' } }]]);
      expect(bySid(statements, 'DeleteOwnedInstancesBesideReplicas2')).toEqual([[['rds:DeleteDBInstance'], [rdsArn('db:orders-staging-next-*'), rdsArn('db:orders-staging-old-*')], OWNED]]);
      expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });

    it("associates the pair's roles with its copies, and restores a backup-replication pair's copy to a point in time", () => {
      const replicated: Parameters<typeof pair> = [
        'orders-staging',
        REGION,
        { refresh: { mode: 'rename-swap', validation: VALIDATION }, associatedRoleArns: [ROLE], source: { instanceId: 'orders-prod', region: 'eu-west-1', mode: 'backup-replication' } },
      ];
      const restorer = swapGrants([replicated], (r, role) => r.grantRestore(role));
      expect(bySid(restorer.statements, 'AssociateRolesWithCopies')).toEqual([[['rds:AddRoleToDBInstance'], [rdsArn('db:orders-staging-next-*')], undefined]]);
      expect(bySid(restorer.statements, 'RestoreTagAndModifyCopiesToPointInTime')).toEqual([
        [['rds:AddTagsToResource', 'rds:ModifyDBInstance', 'rds:RestoreDBInstanceToPointInTime'], [rdsArn('db:orders-staging-next-*')], undefined],
      ]);
      expect(bySid(restorer.statements, 'RestoreTagAndModifyCopies')).toEqual([]);
      const starter = swapGrants([replicated], (r, role) => r.grantStart(role));
      expect(bySid(starter.statements, 'RestoreCopiesBesideReplicasToPointInTime')).toEqual([[['rds:AddTagsToResource', 'rds:RestoreDBInstanceToPointInTime'], [rdsArn('db:orders-staging-next-*')], undefined]]);
      expect(bySid(starter.statements, 'CopyPointInTimeRestoreInputs')).toEqual([[['rds:RestoreDBInstanceToPointInTime'], [rdsArn('auto-backup:*'), rdsArn('og:*'), rdsArn('pg:*'), rdsArn('subgrp:*')], undefined]]);
      expect(resourcesAllowed(starter.statements, 'rds:RestoreDBInstanceFromDBSnapshot')).toEqual([]);
      for (const { stack } of [restorer, starter]) expect(unacknowledgedNagFindings(stack)).toEqual([]);
    });

    it('points the records of several zones, one UPSERT statement per zone with its records', () => {
      const other: Parameters<typeof pair> = ['hr-staging', REGION, { refresh: { mode: 'dns-switch', dns: { hostedZoneId: 'ZOTHERZONE1', recordName: 'hr.db.internal' }, validation: VALIDATION } }];
      const same: Parameters<typeof pair> = ['ops-staging', REGION, { refresh: { mode: 'dns-switch', dns: { hostedZoneId: ZONE, recordName: 'ops.db.internal' }, validation: VALIDATION } }];
      const { statements } = swapGrants([DNS, other, same], (r, role) => {
        r.grantRestore(role);
        r.grantReadDnsRecords(role);
      });
      const points = statements.filter((s) => s.actions.includes('route53:ChangeResourceRecordSets'));
      expect(points.map((s) => [s.resources, (s.statement.Condition?.['ForAllValues:StringEquals'] as Record<string, unknown>)['route53:ChangeResourceRecordSetsNormalizedRecordNames']])).toEqual([
        [[ZONE_ARN], ['crm-staging.db.internal', 'ops.db.internal']],
        [['arn:${AWS::Partition}:route53:::hostedzone/ZOTHERZONE1'], ['hr.db.internal']],
      ]);
      expect(resourcesAllowed(statements, 'route53:ListResourceRecordSets')).toEqual([ZONE_ARN, 'arn:${AWS::Partition}:route53:::hostedzone/ZOTHERZONE1']);
    });
  });

  it('fails for a replica in another region', () => {
    expect(() => new ReplicaInstances(newStack(), 'Replicas', { pairs: [pair('a-staging', 'us-east-1')] })).toThrow(
      `replica a-staging is in us-east-1, not in this stack's region ${REGION}`,
    );
  });

  it('fails without pairs', () => {
    expect(() => new ReplicaInstances(newStack(), 'Replicas', { pairs: [] })).toThrow('pairs must contain at least one pair, got []');
  });

  it('fails in a stack without a concrete region and account', () => {
    const stack = new Stack(new App(), 'Agnostic');
    expect(() => new ReplicaInstances(stack, 'Replicas', { pairs: [pair('a-staging')] })).toThrow('stack Agnostic must have a concrete region and account');
  });
});
