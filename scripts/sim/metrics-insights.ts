/**
 * CloudWatch Metrics Insights as the simulation needs it: the query language, as far as the project's queries use it
 * (read from the synthesized alarms, never written here), and a query's result over the metrics the functions emit.
 * Anything else in a query is refused with what is not simulated, rather than evaluated wrongly.
 *
 * Grammar (CloudWatch User Guide, "Metrics Insights query components and syntax",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-metrics-insights-querylanguage.html):
 *
 *     SELECT FUNCTION(metricName) FROM namespace | SCHEMA(namespace[, labelKey, ...])
 *     [ WHERE labelKey = 'labelValue' [ AND ... ] ] [ GROUP BY labelKey [, ...] ]
 *     [ ORDER BY FUNCTION() [ DESC | ASC ] ] [ LIMIT number ]
 *
 * "None of the keywords are case sensitive, but the identifiers such as the names of metrics, namespaces, and
 * dimensions are case sensitive"; a namespace with a character other than a letter, digit or underscore is
 * double-quoted, a label value single-quoted.
 */
import type { SimTelemetry } from './telemetry';

/** The aggregation functions of SELECT (same page): AVG, COUNT, MAX, MIN, SUM. */
export type InsightsFunction = 'AVG' | 'COUNT' | 'MAX' | 'MIN' | 'SUM';

/** A parsed query. */
export interface InsightsQuery {
  fn: InsightsFunction;
  metricName: string;
  namespace: string;
  /** SCHEMA's label keys: only metrics with exactly these dimensions match; undefined for a bare namespace (any dimensions). */
  schema?: string[];
  /** WHERE labelKey = 'labelValue', all of them. */
  where: Record<string, string>;
  groupBy: string[];
  orderBy?: { fn: InsightsFunction; direction: 'ASC' | 'DESC' };
  limit?: number;
}

/** "A single query can return no more than 500 time series" (User Guide, "Metrics Insights quotas"). */
export const MAX_RETURNED_SERIES = 500;
/** "A single query can process no more than 10,000 metrics" (same page). */
export const MAX_PROCESSED_METRICS = 10_000;

const FUNCTIONS: readonly InsightsFunction[] = ['AVG', 'COUNT', 'MAX', 'MIN', 'SUM'];

function fnOf(name: string, query: string): InsightsFunction {
  const upper = name.toUpperCase() as InsightsFunction;
  if (!FUNCTIONS.includes(upper)) throw new Error(`Metrics Insights has no function ${name} (in ${query})`);
  return upper;
}

/** A namespace or identifier, unquoted. */
function identifier(token: string): string {
  const t = token.trim();
  return t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1) : t;
}

/**
 * Parses a query.
 * @throws Error naming what the simulation does not evaluate (another operator, OR, a function in WHERE, …)
 */
export function parseInsightsQuery(query: string): InsightsQuery {
  const m = /^\s*SELECT\s+(\w+)\s*\(\s*([A-Za-z0-9_.\-/#:]+)\s*\)\s+FROM\s+(SCHEMA\s*\((.*?)\)|"[^"]+"|[A-Za-z0-9_]+)(.*)$/is.exec(query);
  if (!m) throw new Error(`the simulated Metrics Insights cannot read ${JSON.stringify(query)}`);
  const [, fnName = '', metricName = '', from = '', schemaArgs, rest = ''] = m;
  const parsed: InsightsQuery = { fn: fnOf(fnName, query), metricName, namespace: '', where: {}, groupBy: [] };
  if (schemaArgs !== undefined) {
    const args = schemaArgs.split(',').map(identifier);
    parsed.namespace = args[0] ?? '';
    parsed.schema = args.slice(1);
  } else {
    parsed.namespace = identifier(from);
  }
  // The clauses in their order; each optional.
  const clauses = /^\s*(?:WHERE\s+(.*?))?\s*(?:GROUP\s+BY\s+(.*?))?\s*(?:ORDER\s+BY\s+(\w+)\s*\(\s*\)\s*(ASC|DESC)?)?\s*(?:LIMIT\s+(\d+))?\s*;?\s*$/is.exec(rest);
  if (!clauses) throw new Error(`the simulated Metrics Insights cannot read the clauses ${JSON.stringify(rest.trim())} of ${JSON.stringify(query)}`);
  const [, where, groupBy, orderFn, direction, limit] = clauses;
  if (where) {
    for (const condition of where.split(/\s+AND\s+/i)) {
      const c = /^\s*("?[A-Za-z0-9_.-]+"?)\s*=\s*'((?:[^']|'')*)'\s*$/.exec(condition);
      if (!c) throw new Error(`the simulated Metrics Insights evaluates only labelKey = 'value' conditions joined by AND, got ${JSON.stringify(condition.trim())}`);
      parsed.where[identifier(c[1] ?? '')] = (c[2] ?? '').replace(/''/g, "'");
    }
  }
  if (groupBy) parsed.groupBy = groupBy.split(',').map(identifier);
  if (orderFn) parsed.orderBy = { fn: fnOf(orderFn, query), direction: (direction?.toUpperCase() as 'ASC' | 'DESC' | undefined) ?? 'ASC' };
  if (limit) parsed.limit = Number(limit);
  return parsed;
}

/** An aggregation of observations (User Guide, "Metrics Insights query components and syntax", SELECT). */
export function aggregate(fn: InsightsFunction, values: readonly number[]): number {
  switch (fn) {
    case 'SUM':
      return values.reduce((a, b) => a + b, 0);
    case 'MAX':
      return Math.max(...values);
    case 'MIN':
      return Math.min(...values);
    case 'COUNT':
      return values.length;
    case 'AVG':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

/** One time series of a query's result. */
export interface InsightsSeries {
  /** The GROUP BY labels and their values: `{ replica: 'orders-staging' }`; empty without GROUP BY. */
  labels: Record<string, string>;
  /** One value per period, oldest first; undefined where the period has no observation. */
  points: (number | undefined)[];
}

/** A query's result. */
export interface InsightsResult {
  series: InsightsSeries[];
  /** PARTIAL_DATA: more than 500 series, or more than 10,000 metrics matched (User Guide, "Limits", alarms on Metrics Insights queries). */
  partial: boolean;
}

/**
 * Runs a query over `periods` periods of `periodMs` from `from`, on the metrics a SimTelemetry holds: the metrics
 * SELECT, FROM/SCHEMA and WHERE match, their observations of each period aggregated with the function per GROUP BY
 * group; a group without any observation in the range is not a series ("a time series only exists when data is
 * present", "Acting on alarm changes"). ORDER BY sorts the groups by the function over all their observations of the
 * range (how CloudWatch orders is not documented beyond "sorted"; the simulation assumes this), LIMIT and the
 * 500-series cap keep the first ones. Observations before `notBefore` are not used.
 */
export function runInsightsQuery(query: InsightsQuery, telemetry: SimTelemetry, from: number, periodMs: number, periods: number, notBefore = -Infinity): InsightsResult {
  const matched = telemetry.seriesOf(query.namespace, query.metricName).filter((s) => {
    const keys = Object.keys(s.dimensions);
    if (query.schema && (keys.length !== query.schema.length || !query.schema.every((k) => k in s.dimensions))) return false;
    return Object.entries(query.where).every(([k, v]) => s.dimensions[k] === v);
  });
  const processed = matched.slice(0, MAX_PROCESSED_METRICS);
  const groups = new Map<string, { labels: Record<string, string>; buckets: number[][]; all: number[] }>();
  const start = Math.max(from, notBefore);
  const end = from + periods * periodMs;
  for (const s of processed) {
    if (query.groupBy.some((k) => !(k in s.dimensions))) continue;
    const labels = Object.fromEntries(query.groupBy.map((k) => [k, s.dimensions[k] ?? '']));
    const key = JSON.stringify(labels);
    for (const p of telemetry.points(s.key, start, end)) {
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { labels, buckets: Array.from({ length: periods }, () => []), all: [] }));
      group.buckets[Math.floor((p.t - from) / periodMs)]?.push(p.v);
      group.all.push(p.v);
    }
  }
  let ordered = [...groups.values()];
  if (query.orderBy) {
    const { fn, direction } = query.orderBy;
    ordered.sort((a, b) => (direction === 'DESC' ? aggregate(fn, b.all) - aggregate(fn, a.all) : aggregate(fn, a.all) - aggregate(fn, b.all)) || JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
  }
  const partial = matched.length > MAX_PROCESSED_METRICS || ordered.length > MAX_RETURNED_SERIES;
  ordered = ordered.slice(0, Math.min(query.limit ?? MAX_RETURNED_SERIES, MAX_RETURNED_SERIES));
  return {
    partial,
    series: ordered.map((g) => ({ labels: g.labels, points: g.buckets.map((b) => (b.length === 0 ? undefined : aggregate(query.fn, b))) })),
  };
}
