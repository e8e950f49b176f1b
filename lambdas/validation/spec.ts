/**
 * What a swap mode (rename-swap, dns-switch) checks on a new copy of y before clients are switched to it: the pair's
 * `validation` section, and the SQL checks it turns into. A copy passes when it accepts a connection with the pair's
 * credentials and every check passes: each configured table returns a row, and the data's newest timestamp is within
 * the expected age. A failed validation never switches.
 *
 * Pure: no driver, no clock of its own. The freshness check compares with a literal timestamp computed from the `now`
 * it is given, so the simulation's clock drives it as the real one does in Lambda. The checks run with
 * lambdas/sql/steps.ts (read-only, rolled back; a check passes with at least one row and no false first column).
 */
// zod/mini, as lambdas/kernel/config.ts (see there why); this file does not import config.ts, so that the validation
// function's bundle holds only this schema, and sets zod's English messages itself (mini loads no locale).
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import type { SqlDialect, SqlStep } from '../sql/steps';

z.config(en());

/**
 * An SQL identifier as the checks name it: a letter or underscore, then letters, digits, `_` or `$`, at most 63
 * characters (PostgreSQL's NAMEDATALEN - 1). Quoted as written, so case-sensitive: the name as the catalog spells it
 * (PostgreSQL folds unquoted names to lower case: a table created as `Orders` is `orders`).
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

const IDENTIFIER_RULE = 'a letter or underscore, then letters, digits, _ or $, at most 63 characters, as the catalog spells it (case-sensitive)';

/** A table: `table` (found on the search path) or `schema.table`. */
function isTableName(v: string): boolean {
  const parts = v.split('.');
  return parts.length <= 2 && parts.every((p) => IDENTIFIER.test(p));
}

const tableName = z.string().check(z.refine(isTableName, `must be a table name, "table" or "schema.table" such as "public.orders": each part ${IDENTIFIER_RULE}`));

const columnName = z.string().check(z.regex(IDENTIFIER, `must be a column name such as "updated_at": ${IDENTIFIER_RULE}`));

/** A Secrets Manager secret's ARN (the same rule as lambdas/kernel/config.ts's `secretArn`). */
const secretArn = z.string().check(z.regex(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN such as arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-master-AbCdEf'));

/** What a connection parameter may be: PostgreSQL truncates names to 63 bytes, so a longer one is a mistake. */
const connectionName = (what: string, example: string) =>
  z.string().check(z.minLength(1, `must name the ${what}, such as "${example}"`), z.maxLength(63, `is longer than any PostgreSQL ${what} name (63 characters)`));

/** A VPC id: `vpc-` and 8 or 17 hexadecimal digits (the short form of older VPCs, the long one of newer). */
const vpcId = z.string({ error: (issue) => (issue.input === undefined ? 'is required: the id of y\'s VPC, which the subnets and security groups belong to, such as "vpc-0123456789abcdef0"' : 'must be the id of y\'s VPC, such as "vpc-0123456789abcdef0"') }).check(z.regex(/^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, 'must be the id of y\'s VPC: "vpc-" and 8 or 17 hexadecimal digits, such as "vpc-0123456789abcdef0"'));
const subnetId = z.string().check(z.regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id such as subnet-0123456789abcdef0'));
const securityGroupId = z.string().check(z.regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id such as sg-0123456789abcdef0'));

/** The longest a Lambda invocation runs, in seconds: one step can never take longer. */
export const MAX_STEP_TIMEOUT_SECONDS = 900;

/** The tables and the freshness check: what the SQL checks are made of, apart from where and as whom they connect. */
const checksShape = {
  /**
   * Tables that must each return a row: a restore that lost or emptied one of them is no copy to switch to.
   * Listed once each; each `table` or `schema.table`.
   */
  tables: z
    .array(tableName, {
      error: (issue) =>
        issue.code !== 'invalid_type' ? undefined : issue.input === undefined ? 'is required: list the tables that must hold rows, such as ["public.orders"]' : 'must be a list of table names such as ["public.orders"]',
    })
    .check(
      z.minLength(1, 'must list at least one table, such as ["public.orders"]: a copy is validated by the rows it holds'),
      z.superRefine((tables, ctx) => {
        const seen = new Set<string>();
        tables.forEach((t, i) => {
          if (seen.has(t)) ctx.addIssue({ code: 'custom', path: [i], message: `lists "${t}" twice: name each table once` });
          seen.add(t);
        });
      }),
    ),
  /**
   * The data's newest timestamp must be within `maxAgeHours` of the validation's `now`: `max(column)` of `table`,
   * compared with a literal timestamp (a `timestamp without time zone` column is read in the session's time zone,
   * UTC on RDS unless y's parameter group sets another). An index on the column makes the check a lookup.
   */
  freshness: z.optional(
    z.strictObject(
      {
        table: tableName,
        column: columnName,
        maxAgeHours: z.number({ error: 'must be a number of hours greater than 0, such as 26' }).check(z.positive('must be greater than 0 hours, such as 26')),
      },
      // Only for a value that is no object: an unknown key keeps zod's message, which names the key.
      { error: (issue) => (issue.code === 'invalid_type' ? 'must be {"table": "<schema.table>", "column": "<timestamp column>", "maxAgeHours": <hours>}' : undefined) },
    ),
  ),
};

/** The checks of a copy, as {@link validationSteps} takes them (a request to the validation function carries them too). */
export const validationChecksSchema = z.strictObject(checksShape, {
  error: (issue) => (issue.code === 'invalid_type' ? 'must be {"tables": ["<schema.table>", …]} with an optional "freshness": {"table", "column", "maxAgeHours"}' : undefined),
});

/** The tables and the freshness check of a {@link ValidationSpec}. */
export type ValidationChecks = z.output<typeof validationChecksSchema>;

/**
 * A pair's `validation` section: what the new copy must pass before a swap mode switches clients to it, and where the
 * validation function runs (inside y's VPC, where the copy is reachable).
 */
export const validationSchema = z.strictObject({
  ...checksShape,
  /** The database the checks connect to. */
  database: z._default(connectionName('database', 'postgres'), 'postgres'),
  /** The user the checks connect as. Unset: y's master user, whose name the caller passes (the copy's MasterUsername). */
  user: z.optional(connectionName('user', 'postgres')),
  /**
   * The secret holding the password the checks log in with. Needed when the pair keeps production's credentials
   * (`credentials.mode` `source`): the copy then has x's master password, which no secret of the pair holds.
   * Unset: the pair's own credentials secret.
   */
  credentialsSecretArn: z.optional(secretArn),
  /** The JSON key of the password in {@link credentialsSecretArn}'s value (a plain-string secret is the password itself). */
  passwordKey: z._default(z.string().check(z.minLength(1, 'must be the JSON key of the password, such as "password"'), z.maxLength(128, 'must be at most 128 characters')), 'password'),
  /** The most the connection, and then each check, may take, in seconds. */
  timeoutSeconds: z._default(
    z
      .number({ error: 'must be a number of seconds, such as 30' })
      .check(z.positive('must be greater than 0 seconds, such as 30'), z.maximum(MAX_STEP_TIMEOUT_SECONDS, `must be at most ${MAX_STEP_TIMEOUT_SECONDS} seconds (the longest a Lambda invocation runs)`)),
    30,
  ),
  /**
   * Where the validation function runs: y's VPC, subnets of it with a route to the copy and to Secrets Manager, and
   * the security groups the function gets, which y's security group must admit on the database port.
   */
  vpc: z.strictObject(
    {
      /** y's VPC, which the subnets and security groups belong to (infra/features/copy-validation.ts attaches the function to it). */
      vpcId,
      subnetIds: z.array(subnetId).check(z.minLength(1, 'must list at least one subnet of y\'s VPC, such as ["subnet-0123456789abcdef0"]')),
      securityGroupIds: z.array(securityGroupId).check(z.minLength(1, 'must list at least one security group for the validation function, such as ["sg-0123456789abcdef0"]')),
    },
    {
      error: (issue) =>
        issue.code !== 'invalid_type'
          ? undefined
          : issue.input === undefined
          ? 'is required: where the validation function runs inside y\'s VPC, {"vpcId": "vpc-…", "subnetIds": ["subnet-…"], "securityGroupIds": ["sg-…"]}'
          : 'must be {"vpcId": "vpc-…", "subnetIds": ["subnet-…"], "securityGroupIds": ["sg-…"]}',
    },
  ),
});

/** A parsed `validation` section, defaults filled in. */
export type ValidationSpec = z.output<typeof validationSchema>;

/**
 * An identifier quoted for the dialect, the quote character doubled inside: safe in SQL whatever it holds.
 * PostgreSQL quotes with double quotes; MySQL and MariaDB with backticks ("Schema Object Names", MySQL reference:
 * "Identifier quote characters can be included within an identifier if you quote the identifier. If the character
 * to be included within the identifier is the same as that used to quote the identifier itself, then you need to
 * double the character").
 */
export function quoteIdentifier(name: string, dialect: SqlDialect = 'postgres'): string {
  const q = dialect === 'mysql' ? '`' : '"';
  return `${q}${name.split(q).join(q + q)}${q}`;
}

/** `schema.table` (or `table`) as quoted SQL: `"schema"."table"` (PostgreSQL), `` `db`.`table` `` (MySQL). */
export function quoteTableName(table: string, dialect: SqlDialect = 'postgres'): string {
  return table
    .split('.')
    .map((part) => quoteIdentifier(part, dialect))
    .join('.');
}

/**
 * The freshness cutoff as a literal of the dialect. PostgreSQL: `timestamptz '<ISO 8601>'`. MySQL and MariaDB have
 * no zone in a DATETIME literal: `timestamp 'YYYY-MM-DD hh:mm:ss.ffffff'` in UTC, the session's time zone
 * (lambdas/aws/mysql.ts sets it), so TIMESTAMP columns compare as UTC ("Date and Time Literals", MySQL reference).
 */
function cutoffLiteral(cutoff: Date, dialect: SqlDialect): string {
  const iso = cutoff.toISOString();
  return dialect === 'mysql' ? `timestamp '${iso.replace('T', ' ').replace('Z', '')}'` : `timestamptz '${iso}'`;
}

/** A check and what its false verdict means, in words for the report. */
export interface BuiltInCheck {
  readonly step: SqlStep;
  /** Why the copy fails when the check's first column is false. */
  readonly whenFalse: string;
}

/** Hours as people write them: 26, 0.5. */
function hours(h: number): string {
  return `${Math.round(h * 1000) / 1000} h`;
}

/**
 * The checks of a copy with what each false verdict means: one per table, then the freshness check. See
 * {@link validationSteps}.
 */
export function builtInChecks(checks: Pick<ValidationChecks, 'tables' | 'freshness'>, now: Date, dialect: SqlDialect = 'postgres'): BuiltInCheck[] {
  const rows = checks.tables.map(
    (table): BuiltInCheck => ({
      step: { name: `rows in ${table}`, kind: 'check', sql: `select exists (select 1 from ${quoteTableName(table, dialect)} limit 1) as has_rows` },
      whenFalse: `${table} has no rows`,
    }),
  );
  const f = checks.freshness;
  if (f === undefined) return rows;
  // A literal, not now(): the caller's clock decides (the simulation's, or Lambda's), not the database server's.
  const cutoffAt = new Date(now.getTime() - f.maxAgeHours * 3_600_000);
  const cutoff = cutoffAt.toISOString();
  const column = quoteIdentifier(f.column, dialect);
  return [
    ...rows,
    {
      step: {
        name: `${f.table}.${f.column} within ${hours(f.maxAgeHours)}`,
        kind: 'check',
        // max() of no row is null: coalesce makes an empty table stale, not a pass.
        sql: `select coalesce(max(${column}) >= ${cutoffLiteral(cutoffAt, dialect)}, false) as fresh from ${quoteTableName(f.table, dialect)}`,
      },
      whenFalse: `the newest ${f.table}.${f.column} is older than ${hours(f.maxAgeHours)} (before ${cutoff}), or the table has no value in it`,
    },
  ];
}

/**
 * The SQL checks of a copy: one per table (`select exists (…) as has_rows`, false when the table is empty), then
 * the freshness check when configured (false when the newest value is older than `now - maxAgeHours`, or there is
 * none). Names say what each checks: `rows in public.orders`, `public.orders.updated_at within 26 h`.
 */
export function validationSteps(checks: Pick<ValidationChecks, 'tables' | 'freshness'>, now: Date, dialect: SqlDialect = 'postgres'): SqlStep[] {
  return builtInChecks(checks, now, dialect).map((c) => c.step);
}
