/**
 * `npm run probe`: measures what a client of a real database sees while it is refreshed. Every interval it opens
 * a new connection with `pg` (through DNS, as a client would), runs one query and prints the outcome; at the end
 * it prints the client-seen downtime and the windows of failure, measured as the simulation measures them
 * (scripts/sim/sql/samples.ts, one query per connection as scripts/sim/sql/query.ts explains).
 *
 * The password comes from Secrets Manager (`--secret`, read through lambdas/aws/secrets.ts with the standard AWS
 * credential chain) or from an environment variable (`--password-env`, for a local server or a test).
 *
 * TLS: RDS serves TLS with certificates of the RDS certificate authorities, which Node does not trust by default.
 * With `--ca <file>` (the RDS CA bundle, global-bundle.pem, from the RDS User Guide's "Using SSL/TLS to encrypt a
 * connection to a DB instance or cluster", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html)
 * the server's certificate and name are verified; without it the connection is encrypted but not verified;
 * `--no-tls` connects in the clear (a local server, such as PGlite's, that has no TLS).
 *
 * Exit code 0 when at least one query answered; 2 on a usage error; 1 on an unreadable secret, or when no query ever
 * answered (a wrong endpoint, port or credentials look exactly like that).
 */
import './cli/quiet';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Command, InvalidArgumentError, Option } from 'commander';
import { SecretsAdapter, secretsClient } from '../lambdas/aws/secrets';
import { runProgram, wholeNumber } from './cli/command';
import { UsageError } from './cli/errors';
import type { QueryTarget } from './sim/sql/query';
import { querySample } from './sim/sql/query';
import type { Measure, Sample } from './sim/sql/samples';
import { measure } from './sim/sql/samples';

/** The default query: which server answered (its address: it changes when the name moves to another instance). */
export const DEFAULT_QUERY = 'select inet_server_addr()::text as instance, now() as server_time';

function positiveSeconds(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number of seconds above 0, got "${v}"`);
    return n;
  };
}

const program = new Command()
  .name('npm run probe --')
  .description('Measure client-seen downtime of a real database: every interval, connect anew (DNS, TCP, TLS, login), run one query, and report the time queries failed.')
  .requiredOption('--endpoint <host>', "the name clients use: y's endpoint, or the dns-switch record")
  .addOption(new Option('--port <port>', 'the database port').default(5432).argParser(wholeNumber('--port')))
  .option('--secret <arn>', "a Secrets Manager secret with the password (a JSON secret's password key, or the whole string)")
  .option('--password-env <name>', 'read the password from this environment variable instead of --secret')
  .option('--password-key <key>', 'the JSON key of the password in the secret', 'password')
  .option('--region <region>', "the secret's region (default: the region in its ARN)")
  .option('--user <name>', 'the database user', 'postgres')
  .option('--database <name>', 'the database', 'postgres')
  .option('--query <sql>', 'the query; columns named instance and data_time, if any, are recorded', DEFAULT_QUERY)
  .addOption(new Option('--interval <seconds>', 'seconds between queries').default(5).argParser(positiveSeconds('--interval')))
  .addOption(new Option('--duration <seconds>', 'stop after this many seconds (default: at Ctrl-C)').argParser(positiveSeconds('--duration')))
  .addOption(new Option('--timeout <seconds>', 'seconds a connect, and then the query, may take').default(5).argParser(positiveSeconds('--timeout')))
  .option('--ca <file>', 'verify the server certificate against this CA bundle (the RDS global-bundle.pem)')
  .option('--no-tls', 'connect without TLS (a local server without TLS, such as PGlite)')
  .option('--json', 'print the result as JSON on standard output (progress goes to standard error)')
  .addHelpText(
    'after',
    [
      '',
      'Without --ca the connection is encrypted but the certificate is not verified. --secret uses the standard AWS',
      'credential chain (AWS_PROFILE, SSO, environment). Exit code: 0 when at least one query answered; 2 on a usage error; 1 otherwise.',
      '',
      'Example, during a refresh:',
      '  npm run probe -- --endpoint orders-staging.abc123.eu-central-1.rds.amazonaws.com \\',
      '    --secret arn:aws:secretsmanager:eu-central-1:111111111111:secret:orders-staging-AbCdEf --ca global-bundle.pem --duration 3600',
    ].join('\n'),
  );

interface ProbeOptions {
  endpoint: string;
  port: number;
  secret?: string;
  passwordEnv?: string;
  passwordKey: string;
  region?: string;
  user: string;
  database: string;
  query: string;
  interval: number;
  duration?: number;
  timeout: number;
  ca?: string;
  tls: boolean;
  json?: boolean;
}

/** A usage or setup error: one line, exit code 1. */
/** Options that do not fit together or point at nothing: a usage error (exit 2), as on every command. */
class ProbeSetupError extends UsageError {}

async function readPassword(opts: ProbeOptions): Promise<string> {
  if (opts.secret && opts.passwordEnv) throw new ProbeSetupError('pass either --secret or --password-env, not both');
  if (opts.passwordEnv) {
    const value = process.env[opts.passwordEnv];
    if (value === undefined) throw new ProbeSetupError(`environment variable ${opts.passwordEnv} (--password-env) is not set`);
    return value;
  }
  if (!opts.secret) throw new ProbeSetupError('a password source is required: --secret <arn> or --password-env <name>');
  const region = opts.region ?? /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(opts.secret)?.[1];
  if (!region) throw new ProbeSetupError(`--secret must be a Secrets Manager secret ARN (or pass --region), got "${opts.secret}"`);
  return new SecretsAdapter(secretsClient(region)).readPassword(opts.secret, opts.passwordKey);
}

function tlsOptions(opts: ProbeOptions): ConnectionOptions | false {
  if (!opts.tls) {
    if (opts.ca) throw new ProbeSetupError('--ca and --no-tls contradict each other');
    return false;
  }
  if (!opts.ca) return { rejectUnauthorized: false };
  let ca: Buffer;
  try {
    ca = readFileSync(opts.ca);
  } catch (err) {
    throw new ProbeSetupError(`cannot read the CA bundle ${opts.ca}: ${(err as Error).message}`);
  }
  return { ca, rejectUnauthorized: true, servername: opts.endpoint };
}

function line(sample: Sample): string {
  const time = sample.at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ms = sample.latencyMs === undefined ? '' : ` ${sample.latencyMs.toFixed(0)} ms`;
  if (!sample.ok) return `${time}  FAIL ${sample.error ?? 'error'}${ms}`;
  return `${time}  ok${ms}${sample.instanceId ? `  instance ${sample.instanceId}` : ''}${sample.dataTime ? `  data ${sample.dataTime.toISOString()}` : ''}`;
}

function summary(m: Measure): string {
  const s = (seconds: number) => `${seconds.toFixed(1)} s`;
  const lines = [`client-seen downtime: ${s(m.downtimeSeconds)} of ${s(m.observedSeconds)} observed (${m.failedSamples} of ${m.samples} queries failed)`];
  if (m.windows.length > 0) {
    lines.push('windows of failure:');
    for (const w of m.windows) lines.push(`  ${w.from.toISOString()} to ${w.to.toISOString()}  ${s(w.seconds)}  ${w.causes.join(', ')}`);
  }
  return lines.join('\n');
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

runProgram(program, async () => {
  program.parse();
  const opts = program.opts<ProbeOptions>();
  const ssl = tlsOptions(opts);
  const password = await readPassword(opts);
  const target: QueryTarget = { host: opts.endpoint, port: opts.port, user: opts.user, password, database: opts.database, ssl, timeoutMs: opts.timeout * 1000 };
  const progress = (text: string) => (opts.json ? process.stderr : process.stdout).write(`${text}\n`);

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  const started = Date.now();
  const end = opts.duration === undefined ? Infinity : started + opts.duration * 1000;
  progress(`probing ${opts.endpoint}:${opts.port} every ${opts.interval} s${opts.duration === undefined ? ' until Ctrl-C' : ` for ${opts.duration} s`}`);
  const samples: Sample[] = [];
  for (let next = started; next < end && !stop.signal.aborted; next += opts.interval * 1000) {
    await sleep(next - Date.now(), stop.signal);
    if (stop.signal.aborted) break;
    const sample = await querySample(target, opts.query, new Date());
    samples.push(sample);
    progress(line(sample));
  }
  if (!stop.signal.aborted && end !== Infinity) await sleep(end - Date.now(), stop.signal);
  // A run that reached its --duration watched until its end; one stopped with Ctrl-C, until now.
  const result = measure(samples, { intervalSeconds: opts.interval, from: new Date(started), to: new Date(stop.signal.aborted ? Date.now() : Math.min(end, Date.now())) });
  if (opts.json) process.stdout.write(`${JSON.stringify({ endpoint: opts.endpoint, port: opts.port, intervalSeconds: opts.interval, ...result })}\n`);
  else progress(summary(result));
  const answered = samples.some((s) => s.ok);
  if (!answered) console.error(`error: no query answered in ${samples.length} attempt(s): check --endpoint, --port, the credentials and the network path`);
  return answered ? 0 : 1;
});
