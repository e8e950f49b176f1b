/**
 * Options and error handling shared by the operator commands.
 */
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../../lambdas/kernel/errors';
import { SIM_ENGINES } from '../sim/engines';
import { SIM_AURORA_ENGINES } from '../sim/aurora-world';

/** A whole-number option parser with a message naming the option. */
export function wholeNumber(name: string, min = 1) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}, got "${v}"`);
    return n;
  };
}

/** A command with --replica, --config, --stack and the --local simulation options. */
export function operatorCommand(name: string, description: string): Command {
  return new Command()
    .name(`npm run ${name} --`)
    .description(description)
    .requiredOption('--replica <id>', 'the y instance, as in cdk.json')
    .addOption(new Option('--config <path>', 'the cdk.json to read').default(join(process.cwd(), 'cdk.json')))
    .option('--stack <name>', 'the deployed stack (default: ReplicaRefresh-<replica region>)')
    .option('--local', 'use the local simulation instead of the deployed stack (no credentials needed)')
    .addOption(new Option('--nights <n>', 'with --local: nights of history to simulate first').default(7).argParser(wholeNumber('--nights')))
    .addOption(new Option('--seed <n>', 'with --local: random seed').default(42).argParser(wholeNumber('--seed')))
    .option('--faults <list>', 'with --local: faults to inject into the history, as for npm run demo')
    .addOption(new Option('--engine <engine>', 'with --local: the RDS engine of every simulated pair (an Aurora engine: pairs of Aurora clusters)').choices([...SIM_ENGINES, ...SIM_AURORA_ENGINES]))
    .addOption(new Option('--mode <mode>', 'with --local: the refresh mode of every simulated pair (default: as cdk.json says)').choices(['delete-first', 'rename-swap', 'dns-switch']))
    .option('--no-probe', "with --local: do not measure what clients saw (a SQL probe against a real PostgreSQL behind y's name; on by default for up to 3 pairs)")
    .addHelpText('after', '\nWithout --local the command uses the standard AWS credential chain (AWS_PROFILE, SSO, environment) and the region of the replica.');
}

/** Runs a command's action, turning errors into one clear line and an exit code. */
export function run(main: () => Promise<number>): void {
  main()
    .then((code) => {
      process.exitCode = code;
    })
    .catch((err: unknown) => {
      const e = err as Error;
      const hint = e.name === 'CredentialsProviderError' ? ' (no AWS credentials found: configure them, or pass --local)' : '';
      console.error(`error: ${e instanceof ConfigError ? e.message : (e.message ?? String(err))}${hint}`);
      process.exitCode = 1;
    });
}
