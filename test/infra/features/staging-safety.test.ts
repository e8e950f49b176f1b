/**
 * The read-only parameter groups (infra/features/staging-safety.ts): one per family the region's `staging.readOnly`
 * pairs use, with the family's read-only parameter, named as start-refresh names it for y's restore; none without
 * readOnly.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { READ_ONLY_PARAMETERS, readOnlyParameterGroupName as configName } from '../../../lambdas/kernel/config';
import { StagingSafety, readOnlyFamilies, readOnlyParameter, readOnlyParameterGroupName } from '../../../infra/features/staging-safety';
import { REGION, SKIP_BUNDLING, newStack, pair, unacknowledgedNagFindings } from '../helpers';

const RUNNER = { vpc: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] } };
const readOnly = (family: string) => ({ staging: { readOnly: true, parameterGroupFamily: family } });

interface GroupJson {
  Properties: { DBParameterGroupName: string; Family: string; Description: string; Parameters: Record<string, string> };
  DeletionPolicy?: string;
}

function groupsOf(pairs: ReturnType<typeof pair>[]): { safety: StagingSafety; groups: GroupJson[]; template: Template } {
  const stack = newStack(REGION, SKIP_BUNDLING);
  const safety = new StagingSafety(stack, 'StagingSafety', { pairs });
  const template = Template.fromStack(stack);
  const groups = Object.values(template.findResources('AWS::RDS::DBParameterGroup') as unknown as Record<string, GroupJson>).sort((a, b) => a.Properties.Family.localeCompare(b.Properties.Family));
  return { safety, groups, template };
}

describe('readOnlyParameterGroupName', () => {
  it('is replica-refresh-read-only-<family>, dots as hyphens: the one start-refresh gives y (lambdas/kernel/config.ts)', () => {
    expect(readOnlyParameterGroupName('postgres16')).toBe('replica-refresh-read-only-postgres16');
    expect(readOnlyParameterGroupName('mysql8.0')).toBe('replica-refresh-read-only-mysql8-0');
    expect(readOnlyParameterGroupName('mariadb10.11')).toBe('replica-refresh-read-only-mariadb10-11');
    // One function: the deployment and the restore cannot disagree on the name.
    expect(readOnlyParameterGroupName).toBe(configName);
  });

  it("finds each family's parameter by its prefix", () => {
    expect(readOnlyParameter('postgres16')).toEqual({ name: 'default_transaction_read_only', value: '1' });
    expect(readOnlyParameter('mysql8.0')).toEqual({ name: 'read_only', value: '1' });
    expect(readOnlyParameter('mariadb10.11')).toEqual({ name: 'read_only', value: '1' });
    expect(readOnlyParameter('oracle-ee-19')).toBeUndefined();
    expect(readOnlyParameter('postgres16')).toBe(READ_ONLY_PARAMETERS.postgres);
  });
});

describe('StagingSafety', () => {
  it('makes one parameter group per family of the readOnly pairs, with its parameter and the name the restore asks for', () => {
    const { groups, safety } = groupsOf([
      pair('orders-staging', REGION, readOnly('postgres16')),
      pair('billing-staging', REGION, readOnly('postgres16')),
      pair('shop-staging', REGION, readOnly('mysql8.0')),
      pair('wiki-staging', REGION, readOnly('mariadb10.11')),
    ]);
    expect(groups.map((g) => [g.Properties.DBParameterGroupName, g.Properties.Family, g.Properties.Parameters])).toEqual([
      ['replica-refresh-read-only-mariadb10-11', 'mariadb10.11', { read_only: '1' }],
      ['replica-refresh-read-only-mysql8-0', 'mysql8.0', { read_only: '1' }],
      ['replica-refresh-read-only-postgres16', 'postgres16', { default_transaction_read_only: '1' }],
    ]);
    expect([...safety.parameterGroups.keys()]).toEqual(['mariadb10.11', 'mysql8.0', 'postgres16']);
    for (const g of groups) {
      expect(g.Properties.Description).toContain('read-only');
      expect(g.Properties.Description).toContain(g.Properties.Family);
      // CreateDBParameterGroup's Description: at most 255 characters.
      expect(g.Properties.Description.length).toBeLessThanOrEqual(255);
    }
  });

  it('describes a group by its family alone, so a pair more or less never replaces a group of a fixed name', () => {
    const one = groupsOf([pair('orders-staging', REGION, readOnly('postgres16'))]).groups;
    const two = groupsOf([pair('orders-staging', REGION, readOnly('postgres16')), pair('billing-staging', REGION, readOnly('postgres16'))]).groups;
    expect(two).toEqual(one);
  });

  it('makes no group for pairs without readOnly: none at all, hooks only, or readOnly false with a family', () => {
    const { groups, safety } = groupsOf([
      pair('orders-staging'),
      pair('billing-staging', REGION, { staging: { readOnly: false, parameterGroupFamily: 'postgres16' } }),
      pair('shop-staging', REGION, { credentials: { mode: 'managed' }, staging: { hooks: { afterRestore: ['sql/mask.sql'] }, onFailure: 'delete', runner: RUNNER } }),
    ]);
    expect(groups).toEqual([]);
    expect(safety.parameterGroups.size).toBe(0);
    expect(readOnlyFamilies([pair('orders-staging', REGION, readOnly('postgres16')), pair('billing-staging')])).toEqual(['postgres16']);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    const stack = newStack(REGION, SKIP_BUNDLING);
    new StagingSafety(stack, 'StagingSafety', { pairs: [pair('orders-staging', REGION, readOnly('postgres16'))] });
    expect(unacknowledgedNagFindings(stack)).toEqual([]);
  });

  it('refuses a family without a read-only setting, or one whose name RDS would not take', () => {
    const stack = newStack(REGION, SKIP_BUNDLING);
    // The configuration refuses these first; a pair built around it still gets a reason.
    const oracle = { ...pair('orders-staging'), staging: { ...pair('x', REGION, readOnly('postgres16')).staging!, parameterGroupFamily: 'oracle-ee-19' } };
    expect(() => new StagingSafety(stack, 'Oracle', { pairs: [oracle] })).toThrow(/family "oracle-ee-19" has no known read-only setting/);
    expect(() => new StagingSafety(stack, 'Trailing', { pairs: [pair('orders-staging', REGION, readOnly('postgres16.'))] })).toThrow(/gives the parameter group name "replica-refresh-read-only-postgres16-", which RDS does not take/);
    expect(() => new StagingSafety(stack, 'Twice', { pairs: [pair('orders-staging', REGION, readOnly('mysql8.0')), pair('billing-staging', REGION, readOnly('mysql8-0'))] })).toThrow(/give one parameter group name, "replica-refresh-read-only-mysql8-0"/);
  });
});
