/**
 * `npm run recover`: restores x in the vault account and region from the vault's newest copy, with x's settings as
 * production recorded them (issue 18), without a single call to x's region. It prints progress, then the RTO (request
 * to usable) and the RPO (the data's age when it became usable), and records both in the vault's ledger.
 *
 * Against AWS it runs with the vault account's credentials (AWS_PROFILE of the vault account) and finds the vault's
 * ledger through its stack's outputs. `--local` runs it in the simulation, after `--nights` of history in which
 * production's copies reached the vault; `--source-region-down` makes every call to x's region fail there first.
 */
import './cli/quiet';
import { createInterface } from 'node:readline/promises';
import { Option } from 'commander';
import { ledgerClient } from '../lambdas/aws/ledger';
import { RdsAdapter, replicaRdsClient } from '../lambdas/aws/rds';
import { cloudFormationClient, stackOutputs } from '../lambdas/aws/stack';
import { VaultLedger } from '../lambdas/aws/vault-ledger';
import type { VaultPair } from '../lambdas/vault/config';
import { vaultConfigFile } from '../lambdas/vault/config';
import { VAULT_STACK_OUTPUTS, vaultStackId } from '../lambdas/vault/names';
import type { RecoverDeps, RecoverRequest, RecoverResult } from '../lambdas/vault/recover';
import { RecoverError, recover } from '../lambdas/vault/recover';
import { formatDuration } from '../lambdas/reporting/measures';
import type { CommonOptions } from './cli/backend';
import { loadPair, parseFaults } from './cli/backend';
import { operatorCommand, run, wholeNumber } from './cli/options';

interface RecoverOptions extends CommonOptions {
  name?: string;
  sourceRegionDown?: boolean;
  format: 'table' | 'json';
  instanceClass?: string;
  poll: number;
  timeout: number;
  yes?: boolean;
}

const program = operatorCommand('recover', "Restore x in the vault account and region from the vault's newest copy, with x's recorded settings, without calling x's region; print the RTO and RPO and record them in the vault's ledger.")
  .option('--name <id>', 'the recovered instance\'s identifier (default: <x>-recovered)')
  .option('--source-region-down', "with --local: make every call to x's region fail first, to prove the recovery needs none")
  .addOption(new Option('--format <format>', 'output: a summary (table) or one JSON object').choices(['table', 'json']).default('table'))
  .addOption(new Option('--output <format>', 'alias of --format').choices(['table', 'json']))
  .option('--instance-class <class>', "x's instance class, when the vault holds no record of x's settings")
  .option('--poll <seconds>', 'seconds between looks at the recovering instance', wholeNumber('--poll'), 30)
  .option('--timeout <minutes>', 'give up when the instance is not usable after this long', wholeNumber('--timeout'), 180)
  .option('--yes', 'against AWS: do not ask before creating the instance');

/** The JSON the command prints with --format json. */
export function recoverJson(result: RecoverResult): Record<string, unknown> {
  return {
    status: result.status,
    instanceId: result.instanceId,
    region: result.region,
    account: result.account,
    snapshotId: result.snapshotId ?? null,
    rtoSeconds: result.rtoSeconds ?? null,
    rpoSeconds: result.rpoSeconds ?? null,
    ...(result.settingsFrom ? { settingsFrom: result.settingsFrom } : {}),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
  };
}

run(async () => {
  program.parse();
  const opts = program.opts<RecoverOptions & { output?: 'table' | 'json' }>();
  const format = opts.output ?? opts.format;
  const { config, pair, raw } = loadPair(opts.config, opts.replica);
  const vault = config.vault;
  if (!vault) throw new Error(`${opts.config} has no vault: add replicaRefresh.vault ({"account", "region"}) and deploy the vault stack first`);
  const vaultPair: VaultPair | undefined = vaultConfigFile(config).pairs.find((p) => p.id === pair.id);
  if (!vaultPair) throw new Error(`${pair.id} is not kept in the vault`);
  if (opts.sourceRegionDown && !opts.local) throw new Error('--source-region-down breaks x\'s region in the simulation: use it with --local');
  // Progress goes to stderr with --format json, so that stdout is the one JSON object.
  const progress = (line: string) => (format === 'json' ? console.error(line) : console.log(line));
  const request: RecoverRequest = {
    pair: vaultPair,
    instanceId: opts.name ?? `${pair.source.identifier}-recovered`,
    account: vault.account,
    region: vault.region,
    placement: vault.recovery,
    ...(opts.instanceClass ? { instanceClass: opts.instanceClass } : {}),
    pollSeconds: opts.poll,
    timeoutMinutes: opts.timeout,
  };

  let deps: RecoverDeps;
  let close = () => Promise.resolve();
  if (opts.local) {
    const { Simulation, FAULTS } = await import('./sim/world');
    const sim = await Simulation.create({ config: raw, seed: opts.seed, faults: parseFaults(opts.faults, Object.keys(FAULTS)), probe: false });
    close = () => sim.close();
    progress(`simulating ${opts.nights} night(s) of production sharing its copies with the vault…`);
    await sim.runNights(opts.nights);
    if (!sim.vault) throw new Error('the simulation has no vault');
    if (opts.sourceRegionDown) {
      const source = sim.regions.get(pair.source.region);
      if (source) source.unreachable = true;
      progress(`${pair.source.region} is down: every call to it fails from now on`);
    }
    deps = sim.vault.recoverDeps(progress);
  } else {
    const outputs = await stackOutputs(cloudFormationClient(vault.region), vaultStackId(vault.region), vault.region);
    const table = outputs[VAULT_STACK_OUTPUTS.ledgerTable];
    if (!table) throw new Error(`stack ${vaultStackId(vault.region)} in ${vault.region} has no ${VAULT_STACK_OUTPUTS.ledgerTable} output: deploy the vault stack with this version, with the vault account's credentials`);
    if (!opts.yes) {
      if (!process.stdin.isTTY) throw new Error(`this creates ${request.instanceId} in account ${vault.account}, ${vault.region}: pass --yes to confirm`);
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Create ${request.instanceId} in account ${vault.account}, ${vault.region}, from the vault's newest copy of ${pair.source.identifier}? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) return 2;
    }
    deps = {
      rds: new RdsAdapter(replicaRdsClient(vault.region)),
      ledger: new VaultLedger(ledgerClient(vault.region), table),
      now: () => new Date(),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      progress,
    };
  }
  try {
    let result: RecoverResult;
    try {
      result = await recover(deps, request);
    } catch (err) {
      if (err instanceof RecoverError) {
        console.error(`error: ${err.message}`);
        return 1;
      }
      throw err;
    }
    if (format === 'json') console.log(JSON.stringify(recoverJson(result), null, 2));
    else {
      console.log(`${result.status === 'succeeded' ? 'recovered' : 'FAILED'}: ${result.instanceId} in account ${result.account}, ${result.region}${opts.local ? ' (simulation)' : ''}, from ${result.snapshotId ?? '-'}`);
      if (result.rtoSeconds !== undefined) console.log(`  RTO ${formatDuration(result.rtoSeconds)} (request to usable)`);
      if (result.rpoSeconds !== undefined) console.log(`  RPO ${formatDuration(result.rpoSeconds)} (the data's age when it became usable)`);
      for (const note of result.notes) console.log(`  note: ${note}`);
      if (result.reason) console.log(`  reason: ${result.reason}`);
    }
    return result.status === 'succeeded' ? 0 : 1;
  } finally {
    await close();
  }
});
