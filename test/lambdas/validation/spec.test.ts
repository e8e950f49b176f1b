/**
 * A pair's `validation` section (lambdas/validation/spec.ts): what the schema refuses, and with which words, as
 * config parsing renders it (parseWith names the key and the value), and the SQL checks it turns into.
 */
import { ConfigError } from '../../../lambdas/kernel/errors';
import { parseWith } from '../../../lambdas/kernel/config';
import { quoteIdentifier, quoteTableName, validationSchema, validationSteps, type ValidationSpec } from '../../../lambdas/validation/spec';

const VPC = { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] };
const SECRET = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-validation-AbCdEf';

const parse = (input: unknown): ValidationSpec => parseWith(validationSchema, input, 'validation');

/** The problem lines parsing reports, or [] when it parses. */
function problems(input: unknown): string[] {
  try {
    parse(input);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return [...err.problems];
  }
}

describe('validationSchema', () => {
  it('takes the tables and the VPC, and fills in the defaults', () => {
    expect(parse({ tables: ['public.orders'], vpc: VPC })).toEqual({
      tables: ['public.orders'],
      database: 'postgres',
      passwordKey: 'password',
      timeoutSeconds: 30,
      vpc: VPC,
    });
  });

  it('takes every optional setting', () => {
    const full = {
      tables: ['orders', 'sales.Line_Items', '_x$1'],
      freshness: { table: 'public.orders', column: 'updated_at', maxAgeHours: 0.5 },
      database: 'orders-db',
      user: 'validator',
      credentialsSecretArn: SECRET,
      passwordKey: 'pw',
      timeoutSeconds: 900,
      // An older VPC's short id (8 hexadecimal digits) and its short subnet and security group ids.
      vpc: { vpcId: 'vpc-0a1b2c3d', subnetIds: ['subnet-01234567', 'subnet-0123456789abcdef1'], securityGroupIds: ['sg-01234567'] },
    };
    expect(parse(full)).toEqual(full);
  });

  it.each([
    ['tables missing', { vpc: VPC }, 'validation.tables = missing: is required: list the tables that must hold rows'],
    ['tables empty', { tables: [], vpc: VPC }, 'validation.tables = []: must list at least one table'],
    ['a table that is no identifier', { tables: ['public.orders', 'order-lines'], vpc: VPC }, 'validation.tables[1] = "order-lines": must be a table name, "table" or "schema.table"'],
    ['a table with three parts', { tables: ['db.public.orders'], vpc: VPC }, 'validation.tables[0] = "db.public.orders": must be a table name'],
    ['a table with a quote', { tables: ['public."orders"'], vpc: VPC }, 'validation.tables[0] = "public.\\"orders\\"": must be a table name'],
    ['a table longer than 63 characters', { tables: [`t${'x'.repeat(63)}`], vpc: VPC }, 'validation.tables[0] = '],
    ['a table listed twice', { tables: ['orders', 'orders'], vpc: VPC }, 'validation.tables[1] = "orders": lists "orders" twice'],
    ['freshness without hours', { tables: ['orders'], freshness: { table: 'orders', column: 'updated_at' }, vpc: VPC }, 'validation.freshness.maxAgeHours = missing: must be a number of hours greater than 0'],
    ['freshness of 0 hours', { tables: ['orders'], freshness: { table: 'orders', column: 'updated_at', maxAgeHours: 0 }, vpc: VPC }, 'validation.freshness.maxAgeHours = 0: must be greater than 0 hours'],
    ['freshness of Infinity hours', { tables: ['orders'], freshness: { table: 'orders', column: 'updated_at', maxAgeHours: Infinity }, vpc: VPC }, 'validation.freshness.maxAgeHours = Infinity: must be a number of hours'],
    ['a freshness column that is no identifier', { tables: ['orders'], freshness: { table: 'orders', column: 'updated at', maxAgeHours: 26 }, vpc: VPC }, 'validation.freshness.column = "updated at": must be a column name'],
    ['freshness that is no object', { tables: ['orders'], freshness: 26, vpc: VPC }, 'validation.freshness = 26: must be {"table": "<schema.table>", "column": "<timestamp column>", "maxAgeHours": <hours>}'],
    ['an empty database', { tables: ['orders'], database: '', vpc: VPC }, 'validation.database = "": must name the database'],
    ['a user longer than PostgreSQL takes', { tables: ['orders'], user: 'u'.repeat(64), vpc: VPC }, 'is longer than any PostgreSQL user name (63 characters)'],
    ['a secret that is no secret ARN', { tables: ['orders'], credentialsSecretArn: 'orders-staging-validation', vpc: VPC }, 'validation.credentialsSecretArn = "orders-staging-validation": must be a Secrets Manager secret ARN'],
    ['an empty password key', { tables: ['orders'], passwordKey: '', vpc: VPC }, 'validation.passwordKey = "": must be the JSON key of the password'],
    ['a time limit past Lambda\'s', { tables: ['orders'], timeoutSeconds: 901, vpc: VPC }, 'validation.timeoutSeconds = 901: must be at most 900 seconds'],
    ['a time limit of 0', { tables: ['orders'], timeoutSeconds: 0, vpc: VPC }, 'validation.timeoutSeconds = 0: must be greater than 0 seconds'],
    ['the VPC missing', { tables: ['orders'] }, 'validation.vpc = missing: is required: where the validation function runs inside y\'s VPC'],
    ['the VPC id missing', { tables: ['orders'], vpc: { subnetIds: VPC.subnetIds, securityGroupIds: VPC.securityGroupIds } }, 'validation.vpc.vpcId = missing: is required: the id of y\'s VPC, which the subnets and security groups belong to, such as "vpc-0123456789abcdef0"'],
    ['a VPC id that is no string', { tables: ['orders'], vpc: { ...VPC, vpcId: 12345678 } }, 'validation.vpc.vpcId = 12345678: must be the id of y\'s VPC, such as "vpc-0123456789abcdef0"'],
    ['a VPC id that is a name', { tables: ['orders'], vpc: { ...VPC, vpcId: 'staging-vpc' } }, 'validation.vpc.vpcId = "staging-vpc": must be the id of y\'s VPC: "vpc-" and 8 or 17 hexadecimal digits, such as "vpc-0123456789abcdef0"'],
    ['a VPC id of 9 hexadecimal digits', { tables: ['orders'], vpc: { ...VPC, vpcId: 'vpc-0123456789' } }, 'validation.vpc.vpcId = "vpc-0123456789": must be the id of y\'s VPC: "vpc-" and 8 or 17'],
    ['a VPC id in upper case', { tables: ['orders'], vpc: { ...VPC, vpcId: 'vpc-0123456789ABCDEF0' } }, 'validation.vpc.vpcId = "vpc-0123456789ABCDEF0": must be the id of y\'s VPC'],
    ['no subnet', { tables: ['orders'], vpc: { ...VPC, subnetIds: [] } }, 'validation.vpc.subnetIds = []: must list at least one subnet of y\'s VPC'],
    ['a subnet that is no subnet id', { tables: ['orders'], vpc: { ...VPC, subnetIds: ['sub-1'] } }, 'validation.vpc.subnetIds[0] = "sub-1": must be a subnet id such as subnet-0123456789abcdef0'],
    ['no security group', { tables: ['orders'], vpc: { ...VPC, securityGroupIds: [] } }, 'validation.vpc.securityGroupIds = []: must list at least one security group'],
    ['a security group that is no sg id', { tables: ['orders'], vpc: { ...VPC, securityGroupIds: ['default'] } }, 'validation.vpc.securityGroupIds[0] = "default": must be a security group id such as sg-0123456789abcdef0'],
    ['an unknown key', { tables: ['orders'], vpc: VPC, tabels: ['x'] }, 'validation: unknown key(s) "tabels"'],
  ])('refuses %s, naming the field and what it must be', (_name, input, expected) => {
    expect(problems(input)).toEqual([expect.stringContaining(expected)]);
  });
});

describe('validationSteps', () => {
  const NOW = new Date('2026-11-21T03:00:00Z');

  it('checks each table for a row, then the freshness, all of them checks', () => {
    const steps = validationSteps({ tables: ['public.orders', 'customers'], freshness: { table: 'public.orders', column: 'updated_at', maxAgeHours: 26 } }, NOW);
    expect(steps).toEqual([
      { name: 'rows in public.orders', kind: 'check', sql: 'select exists (select 1 from "public"."orders" limit 1) as has_rows' },
      { name: 'rows in customers', kind: 'check', sql: 'select exists (select 1 from "customers" limit 1) as has_rows' },
      {
        name: 'public.orders.updated_at within 26 h',
        kind: 'check',
        sql: `select coalesce(max("updated_at") >= timestamptz '2026-11-20T01:00:00.000Z', false) as fresh from "public"."orders"`,
      },
    ]);
  });

  it('measures the freshness from the given clock, not the database server\'s', () => {
    const at = (now: Date) => validationSteps({ tables: ['orders'], freshness: { table: 'orders', column: 'created_at', maxAgeHours: 0.5 } }, now)[1];
    expect(at(NOW)?.name).toBe('orders.created_at within 0.5 h');
    expect(at(NOW)?.sql).toContain(">= timestamptz '2026-11-21T02:30:00.000Z'");
    expect(at(new Date('2030-01-01T00:00:00Z'))?.sql).toContain(">= timestamptz '2029-12-31T23:30:00.000Z'");
    expect(at(NOW)?.sql).not.toMatch(/now\(\)|current_timestamp/i);
  });

  it('has no freshness check unless configured', () => {
    expect(validationSteps({ tables: ['orders'] }, NOW).map((s) => s.name)).toEqual(['rows in orders']);
  });

  it('keeps a name\'s case and escapes double quotes', () => {
    expect(quoteIdentifier('Line_Items')).toBe('"Line_Items"');
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
    expect(quoteTableName('sales.Line_Items')).toBe('"sales"."Line_Items"');
    expect(validationSteps({ tables: ['sales.Line_Items'] }, NOW)[0]?.sql).toBe('select exists (select 1 from "sales"."Line_Items" limit 1) as has_rows');
  });
});
