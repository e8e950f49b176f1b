/**
 * The one command surface: every operator command (`npm run status|history|report|plan|drill|restore|list|recover|vault`)
 * is a {@link CommandSpec} run by {@link execute}, which gives each the same options, output convention, errors and
 * exit codes (README, "Operator commands"):
 * - `--replica <id>` optional (every replica when omitted; with one pair, that pair), `--region`, `--config`;
 * - `--profile`, `--stack` for a deployment; `--local` and its simulation options, which are errors without it;
 * - `--output table|json|csv|markdown|html` (`--format` an alias), `-o, --out-file <path>`;
 * - errors on stderr in one or two lines (what is wrong, then what to do), never a stack trace, and exit 2 for usage.
 */
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Config, PairConfig } from '../../lambdas/kernel/config';
import { SIM_ENGINES } from '../sim/engines';
import { SIM_AURORA_ENGINES } from '../sim/aurora-world';
import type { Backend, CommonOptions } from './backend';
import { awsBackend, loadConfig, localBackend, selectPairs } from './backend';
import { EXIT, UsageError } from './errors';
import type { Io } from './io';
import { processIo } from './io';
import type { OutputFormat, OutputTarget, View } from './output';
import { OUTPUT_FORMATS, deliver, renderView } from './output';

/** A whole-number option parser with a message naming the option. */
export function wholeNumber(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}, got "${v}"`);
    return n;
  };
}

/** What a command shows: JSON for machines, and either a view or its own renderer for the other formats. */
export interface Output {
  json: unknown;
  view?: View;
  render?: (format: Exclude<OutputFormat, 'json'>) => string;
  /** A file name for an HTML page without --out-file (`report-orders-staging.html`). */
  name: string;
}

/** What a command's action gets. */
export interface CommandContext<O> {
  opts: O & CommonOptions;
  io: Io;
  config: Config;
  /** The `replicaRefresh` value as the file holds it (the simulation reads it). */
  raw: unknown;
  configPath: string;
  /**
   * The flags that point another command at the same deployment or simulation (`--config …`, `--local --faults …`),
   * to append to the commands a message suggests: in the simulation, the same history is simulated again.
   */
  sameTarget: string;
  /** The pairs the command acts on (its `--replica`, `--region`, or all). */
  pairs: PairConfig[];
  /** The deployment or the simulation, created on first use. */
  backend: () => Promise<Backend>;
  /** A progress line, on stderr with the date and zone, so that stdout stays the output. */
  progress: (line: string) => void;
  /**
   * Asks before changing a deployment: true in the simulation or with --yes; false when the person says no.
   * @throws UsageError when nobody can answer (no terminal) and --yes was not given
   */
  confirm: (question: string) => Promise<boolean>;
  /** Writes the command's output in the format `--output` asks for, where `--out-file` says. */
  emit: (output: Output) => void;
}

/** One command. */
export interface CommandSpec<O = object> {
  name: string;
  description: string;
  /** 'one': acts on a single replica, so several without --replica is a usage error (it changes things). */
  replicas: 'any' | 'one';
  /** Adds the command's own options. */
  options?: (cmd: Command) => Command;
  /** Whether it has `--yes` (it changes a deployment). */
  mutates?: boolean;
  /** Lines of examples for --help, each pasteable as it is. */
  examples?: string[];
  /** Checks options that need one another, before anything slow. */
  validate?: (opts: O & CommonOptions, used: (flag: string) => boolean) => void;
  run(ctx: CommandContext<O>): Promise<number>;
}

/** Defines a command (typed). */
export function defineCommand<O>(spec: CommandSpec<O>): CommandSpec<O> {
  return spec;
}

/** The options only the simulation reads: errors without --local. */
const LOCAL_ONLY = ['nights', 'seed', 'faults', 'engine', 'mode', 'probe'] as const;

/** Builds the commander program of a spec. */
export function programOf<O>(spec: CommandSpec<O>, io: Io): Command {
  const one = spec.replicas === 'one';
  const cmd = new Command()
    .name(`npm run ${spec.name} --`)
    .description(spec.description)
    .helpOption('-h, --help', 'show this help')
    .option('--replica <id>', one ? 'the replica: its id in cdk.json or y\'s identifier (may be left out when only one is configured)' : "the replica: its id in cdk.json or y's identifier (default: every replica)")
    .addOption(new Option('--config <path>', 'the cdk.json to read').default(join(process.cwd(), 'cdk.json'), './cdk.json'))
    .option('--region <region>', 'only the replicas in this region')
    .addOption(new Option('--profile <name>', 'the AWS named profile to use, as the AWS CLI\'s --profile (default: the standard credential chain)').conflicts('local'))
    .addOption(new Option('--stack <name>', 'the deployed stack (default: ReplicaRefresh-<replica region>)').conflicts('local'))
    .addOption(new Option('--output <format>', 'output format').choices([...OUTPUT_FORMATS]))
    .addOption(new Option('--format <format>', 'alias of --output').choices([...OUTPUT_FORMATS]))
    .option('-o, --out-file <path>', 'write the output to this file (html without it: a new temporary file, whose path is printed)')
    .option('--local', 'run on the local simulation instead of the deployed stack (no credentials needed)')
    .addOption(new Option('--nights <n>', 'with --local: nights of history to simulate first').default(7).argParser(wholeNumber('--nights')))
    .addOption(new Option('--seed <n>', 'with --local: random seed').default(42).argParser(wholeNumber('--seed')))
    .option('--faults <list>', 'with --local: faults to inject into the history, as for npm run demo (e.g. capacity-outage@7: y missing for a day)')
    .addOption(new Option('--engine <engine>', 'with --local: the RDS engine of every simulated pair (an Aurora engine: pairs of Aurora clusters)').choices([...SIM_ENGINES, ...SIM_AURORA_ENGINES]))
    .addOption(new Option('--mode <mode>', 'with --local: the refresh mode of every simulated pair (default: as cdk.json says)').choices(['delete-first', 'rename-swap', 'dns-switch']))
    .option('--no-probe', "with --local: do not measure what clients saw with a SQL probe (on by default for up to 3 pairs)");
  if (spec.mutates) cmd.option('--yes', 'against a deployment: do not ask before changing it');
  spec.options?.(cmd);
  cmd.addHelpText('after', [
    '',
    'Without --local the command uses the standard AWS credential chain (AWS_PROFILE, SSO, environment, or --profile) and each replica\'s region.',
    'Exit codes: 0 success; 1 failure or something needs attention; 2 usage error; 3 refused.',
    ...(spec.examples?.length ? ['', 'Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
  ].join('\n'));
  cmd.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: () => undefined });
  return cmd;
}

/** What tests may replace in {@link execute}. */
export interface ExecuteSeams {
  /** Builds the backend instead of the deployment or the simulation (a test's deployment stand-in). */
  backend?: (opts: CommonOptions, config: Config, raw: unknown, progress: (line: string) => void) => Promise<Backend>;
}

/**
 * The command's pairs as the backend runs them: the simulation applies `--mode` and `--engine` to its pairs, so the
 * commands must judge those, not the file's. A pair the backend does not run is a usage error.
 */
function adoptPairs(b: Backend, pairs: PairConfig[]): Backend {
  for (const [i, p] of pairs.entries()) {
    const run = b.config.pairs.find((q) => q.id === p.id);
    if (!run) {
      const regions = [...new Set(b.config.pairs.map((q) => q.replica.region))].join(', ');
      throw new UsageError(`${p.id} is in ${p.replica.region}, and the simulation runs the pairs of ${regions} only (those of the first pair's region)`, `pass --region ${regions} or --replica <one of them>`);
    }
    pairs[i] = run;
  }
  return b;
}

/**
 * Prints an error the way every command does and returns its exit code: commander's parse errors and
 * {@link UsageError} are usage (2), with what to do; help is success; anything else is a failure (1), in one or two
 * lines (the stack only with REPLICA_REFRESH_DEBUG=1).
 * @param help the line that says where the options are
 */
function reportError(io: Io, err: unknown, help: string): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.exitCode === 0) return EXIT.ok;
    printError(io, err.message, help);
    return EXIT.usage;
  }
  const e = err as Error;
  if (e instanceof UsageError) {
    printError(io, e.message, e.hint);
    return EXIT.usage;
  }
  if (e.name === 'CredentialsProviderError' || /Could not load credentials|credential/i.test(e.message ?? '')) {
    // The adapters' own messages already say what to do (lambdas/aws/stack.ts); the SDK's do not.
    const said = /--local/.test(e.message ?? '');
    printError(io, said ? e.message : `no AWS credentials found (${(e.message ?? '').split('\n')[0]})`, said ? undefined : 'configure them (aws configure, aws sso login, or --profile <name>), or pass --local to run on the simulation');
    return EXIT.failure;
  }
  // One line; where it happened only when asked for (README, "Exit codes").
  printError(io, e.message ?? String(err), process.env.REPLICA_REFRESH_DEBUG ? e.stack : undefined);
  return EXIT.failure;
}

/** Prints an error in one or two lines: what is wrong, then what to do. */
function printError(io: Io, message: string, hint?: string): void {
  io.stderr(`error: ${message.replace(/^error: /, '').trim()}\n${hint ? `${hint}\n` : ''}`);
}

/**
 * Runs a command on argv (without node and the script), with errors and exit codes as the README says.
 * @returns the exit code
 */
export async function execute<O>(spec: CommandSpec<O>, argv: readonly string[], io: Io = processIo, seams: ExecuteSeams = {}): Promise<number> {
  const cmd = programOf(spec, io);
  const help = `run "npm run ${spec.name} -- --help" for the options`;
  let backend: Promise<Backend> | undefined;
  try {
    cmd.parse([...argv], { from: 'user' });
    const opts = cmd.opts<O & CommonOptions & { output?: OutputFormat; format?: OutputFormat; outFile?: string; yes?: boolean }>();
    const used = (flag: string) => cmd.getOptionValueSource(flag) === 'cli';
    if (!opts.local) {
      const stray = LOCAL_ONLY.filter((k) => used(k));
      if (stray.length) throw new UsageError(`${stray.map((k) => (k === 'probe' ? '--no-probe' : `--${k}`)).join(', ')} ${stray.length === 1 ? 'sets' : 'set'} up the local simulation`, 'add --local, or leave them out');
    }
    if (opts.output && opts.format && opts.output !== opts.format) throw new UsageError(`--output ${opts.output} and --format ${opts.format} disagree (--format is an alias of --output)`, 'give one of them');
    spec.validate?.(opts, used);
    // As the AWS CLI's --profile: the SDK's credential chain reads AWS_PROFILE.
    if (opts.profile) process.env.AWS_PROFILE = opts.profile;
    const { config, raw } = loadConfig(opts.config);
    const pairs = selectPairs(config, opts.config, { ...(opts.replica ? { replica: opts.replica } : {}), ...(opts.region ? { region: opts.region } : {}) });
    // The simulation runs the pairs of the first pair's region: say so before simulating anything.
    const simulated = config.pairs[0]?.replica.region;
    const elsewhere = opts.local && !seams.backend ? pairs.find((p) => p.replica.region !== simulated) : undefined;
    if (elsewhere) throw new UsageError(`${elsewhere.id} is in ${elsewhere.replica.region}, and the simulation runs the pairs of ${simulated ?? '?'} only (those of the first pair's region)`, `pass --region ${simulated ?? '<region>'}, or --replica <one of them>`);
    if (spec.replicas === 'one' && pairs.length > 1) throw new UsageError(`${spec.name} acts on one replica, and ${pairs.length} are configured: ${pairs.map((p) => p.id).join(', ')}`, `name one: npm run ${spec.name} -- --replica ${pairs[0]?.id ?? '<id>'}${opts.local ? ' --local' : ''}`);
    const target: OutputTarget = { format: opts.output ?? opts.format ?? 'table', ...(opts.outFile ? { outFile: opts.outFile } : {}) };
    const progress = (line: string) => io.stderr(`${line}\n`);
    const sameTarget = [
      ...(used('config') ? [`--config ${opts.config}`] : []),
      ...(opts.profile ? [`--profile ${opts.profile}`] : []),
      ...(opts.local ? ['--local'] : []),
      ...(opts.local ? (['nights', 'seed', 'faults', 'engine', 'mode'] as const).filter((k) => used(k)).map((k) => `--${k} ${String(opts[k])}`) : []),
    ].join(' ');
    const ctx: CommandContext<O> = {
      opts,
      io,
      config,
      raw,
      sameTarget,
      configPath: opts.config,
      pairs,
      backend: () =>
        (backend ??= (seams.backend ? seams.backend(opts, config, raw, progress) : opts.local ? localBackend(opts, config, raw, progress) : Promise.resolve(awsBackend(opts, config))).then(async (b) => {
          try {
            return adoptPairs(b, pairs);
          } catch (err) {
            await b.close();
            throw err;
          }
        })),
      progress,
      confirm: async (question) => {
        if (opts.local || opts.yes) return true;
        if (!io.interactive) throw new UsageError(`${question.replace(/\?\s*$/, '')}: this changes a deployment, and there is no terminal to confirm it`, 'pass --yes to confirm, or --dry-run to see the plan');
        const answer = await io.ask(`${question} [y/N] `);
        return /^y(es)?$/i.test(answer.trim());
      },
      emit: (output) => {
        const text = target.format === 'json' ? `${JSON.stringify(output.json, null, 2)}\n` : output.render ? output.render(target.format) : output.view ? renderView(output.view, target.format) : `${JSON.stringify(output.json, null, 2)}\n`;
        deliver(io, target, text, output.name);
      },
    };
    return await spec.run(ctx);
  } catch (err) {
    return reportError(io, err, help);
  } finally {
    if (backend) await (await backend.catch(() => undefined))?.close();
  }
}

/**
 * Runs a standalone program (`npm run probe`) with the same errors and exit codes as the operator commands
 * ({@link reportError}).
 */
export function runProgram(program: Command, body: () => Promise<number>, io: Io = processIo): void {
  program.exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: () => undefined });
  const help = `run "${program.name()} --help" for the options`;
  const code = async (): Promise<number> => {
    try {
      return await body();
    } catch (err) {
      return reportError(io, err, help);
    }
  };
  void code().then((c) => {
    process.exitCode = c;
  });
}
