/**
 * `npm run scale-config -- --pairs 200 --out cdk-200.json`: writes a cdk.json whose `replicaRefresh` holds N pairs
 * cloned from the first pair of the given one (x and y numbered `<id>-001`, …, all in its regions), for
 * `npm run demo -- --config <file>` and `npx cdk synth -c replicaRefreshFile=<file>` at scale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { readConfigFile } from './cli/backend';
import { scaleConfig } from './sim/scale';

function main(): void {
  const program = new Command()
    .name('npm run scale-config --')
    .description("Write a cdk.json with N pairs cloned from the config's first pair, all in its regions.")
    .addOption(
      new Option('--pairs <n>', 'how many pairs').makeOptionMandatory().argParser((v: string) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--pairs must be a whole number of at least 1, got "${v}"`);
        return n;
      }),
    )
    .addOption(new Option('--config <path>', 'the cdk.json to clone from').default(join(__dirname, '..', 'cdk.json')))
    .addOption(new Option('--out <path>', 'where to write the new cdk.json').makeOptionMandatory());
  program.parse();
  const opts = program.opts<{ pairs: number; config: string; out: string }>();
  try {
    const replicaRefresh = scaleConfig(readConfigFile(opts.config), opts.pairs);
    // The rest of the file (the app command, CDK's feature flags) as it is.
    const whole = JSON.parse(readFileSync(opts.config, 'utf8').replace(/^\uFEFF/, '')) as { context?: Record<string, unknown> };
    writeFileSync(opts.out, `${JSON.stringify({ ...whole, context: { ...whole.context, replicaRefresh } }, null, 2)}\n`);
    console.log(`wrote ${opts.out}: ${opts.pairs} pair(s). Next: npm run demo -- --config ${opts.out}, or npx cdk synth -c replicaRefreshFile=${opts.out}`);
  } catch (err) {
    program.error((err as Error).message);
  }
}

main();
