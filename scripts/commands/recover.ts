/**
 * `npm run recover`: restores x in the vault account and region from the vault's newest copy, with x's settings as
 * production recorded them (issue 18), without a single call to x's region. It prints progress, then the RTO (request
 * to usable) and the RPO (the data's age when it became usable), and records both in the vault's ledger.
 *
 * Against AWS it runs with the vault account's credentials (--profile of the vault account) and finds the vault's
 * ledger through its stack's outputs. `--local` runs it in the simulation, after `--nights` of history in which
 * production's copies reached the vault; `--source-region-down` makes every call to x's region fail there first.
 */
import { ledgerClient } from '../../lambdas/aws/ledger';
import { RdsAdapter, replicaRdsClient } from '../../lambdas/aws/rds';
import { VaultLedger } from '../../lambdas/aws/vault-ledger';
import type { VaultPair } from '../../lambdas/vault/config';
import { vaultConfigFile } from '../../lambdas/vault/config';
import type { RecoverDeps, RecoverRequest, RecoverResult } from '../../lambdas/vault/recover';
import { RdsClusterAdapter } from '../../lambdas/aws/rds-clusters';
import { RdsClusterSharing } from '../../lambdas/aws/rds-cluster-sharing';
import { clusterGateway } from '../../lambdas/targets/cluster/gateway';
import { RecoverError, recover as recoverFromVault } from '../../lambdas/vault/recover';
import { formatDuration } from '../../lambdas/reporting/measures';
import { defineCommand, wholeNumber } from '../cli/command';
import { EXIT, UsageError } from '../cli/errors';
import { formatLocal } from '../cli/time';
import { simulatedVault, vaultStackResources } from '../cli/vault-account';

interface RecoverOptions {
  name?: string;
  sourceRegionDown?: boolean;
  instanceClass?: string;
  poll: number;
  timeout: number;
  keepPassword?: boolean;
  yes?: boolean;
}

/** The JSON the command prints with --output json. */
export function recoverJson(result: RecoverResult, simulated: boolean): Record<string, unknown> {
  return {
    status: result.status,
    instanceId: result.instanceId,
    simulated,
    region: result.region,
    account: result.account,
    snapshotId: result.snapshotId ?? null,
    rtoSeconds: result.rtoSeconds ?? null,
    rpoSeconds: result.rpoSeconds ?? null,
    ...(result.settingsFrom ? { settingsFrom: result.settingsFrom } : {}),
    ...(result.masterUserSecretArn ? { masterUserSecretArn: result.masterUserSecretArn } : {}),
    ...(result.settingsApplied ? { settingsApplied: result.settingsApplied } : {}),
    ...(result.notes.length > 0 ? { notes: result.notes } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
  };
}

export const recover = defineCommand<RecoverOptions>({
  name: 'recover',
  description: "Restore x in the vault account and region from the vault's newest copy, with x's recorded settings and its master password managed by RDS in the vault account's Secrets Manager, without calling x's region; print the RTO and RPO and record them in the vault's ledger. Exits 0 when x is recovered, 1 when the recovery failed, 3 when not confirmed.",
  replicas: 'one',
  mutates: true,
  options: (cmd) =>
    cmd
      .option('--name <id>', "the recovered instance's identifier, or an Aurora x's cluster's (its members are <id>-1, <id>-2, …) (default: <x>-recovered)")
      .option('--source-region-down', "with --local: make every call to x's region fail first, to prove the recovery needs none")
      .option('--instance-class <class>', "x's instance class (an Aurora x's writer's), when the vault holds no record of x's settings")
      .option('--keep-password', "keep the snapshot's master password (production's) instead of having RDS manage a new one in the vault account's Secrets Manager")
      .option('--poll <seconds>', 'seconds between looks at the recovering instance or cluster', wholeNumber('--poll'), 30)
      .option('--timeout <minutes>', 'give up when the instance or cluster is not usable after this long', wholeNumber('--timeout'), 180),
  examples: ['npm run recover -- --local --config infra/examples/vault/cdk.json --replica ledger-pg-staging --source-region-down', 'npm run recover -- --local --config infra/examples/vault/cdk.json --replica ledger-pg-staging --source-region-down --output json'],
  validate: (opts) => {
    if (opts.sourceRegionDown && !opts.local) throw new UsageError("--source-region-down breaks x's region in the simulation", 'add --local');
  },
  run: async (ctx) => {
    const pair = ctx.pairs[0]!;
    const vault = ctx.config.vault;
    if (!vault) throw new UsageError(`${ctx.configPath} has no vault`, 'add replicaRefresh.vault ({"account", "region"}) and deploy the vault stack first');
    const vaultPair: VaultPair | undefined = vaultConfigFile(ctx.config).pairs.find((p) => p.id === pair.id);
    if (!vaultPair) throw new UsageError(`${pair.id} is not kept in the vault`, `replicas kept there: ${vaultConfigFile(ctx.config).pairs.map((p) => p.id).join(', ')}`);
    const request: RecoverRequest = {
      pair: vaultPair,
      instanceId: ctx.opts.name ?? `${pair.source.identifier}-recovered`,
      account: vault.account,
      region: vault.region,
      placement: vault.recovery,
      ...(ctx.opts.instanceClass ? { instanceClass: ctx.opts.instanceClass } : {}),
      pollSeconds: ctx.opts.poll,
      timeoutMinutes: ctx.opts.timeout,
      ...(ctx.opts.keepPassword ? { keepPassword: true } : {}),
    };

    let deps: RecoverDeps;
    let close = () => Promise.resolve();
    // Every progress line carries its date and time in the configured zone (simulated time with --local).
    let now = () => new Date();
    const progress = (line: string) => ctx.progress(`${formatLocal(now(), ctx.config.timeZone, 'ccc yyyy-MM-dd HH:mm:ss')}  ${line}`);
    if (ctx.opts.local) {
      const { sim, vault: simulated } = await simulatedVault({ raw: ctx.raw, ...ctx.opts }, ctx.progress);
      close = () => sim.close();
      now = sim.clock.now;
      if (ctx.opts.sourceRegionDown) {
        const source = sim.regions.get(pair.source.region);
        if (source) source.unreachable = true;
        progress(`${pair.source.region} is down: every call to it fails from now on`);
      }
      deps = simulated.recoverDeps(progress);
    } else {
      const { ledgerTable: table } = await vaultStackResources(vault);
      if (!(await ctx.confirm(`Create ${request.instanceId} in account ${vault.account}, ${vault.region}, from the vault's newest copy of ${pair.source.identifier}?`))) {
        ctx.io.stderr('not confirmed: nothing was created\n');
        return EXIT.refused;
      }
      const client = replicaRdsClient(vault.region);
      const rds = new RdsAdapter(client);
      const sharing = new RdsClusterSharing(client);
      deps = {
        rds,
        clusters: { listTaggedManualSnapshots: (tag) => sharing.listTaggedManual(tag), gateway: clusterGateway(new RdsClusterAdapter(client), rds) },
        ledger: new VaultLedger(ledgerClient(vault.region), table),
        now: () => new Date(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        progress,
      };
    }
    try {
      let result: RecoverResult;
      try {
        result = await recoverFromVault(deps, request);
      } catch (err) {
        if (err instanceof RecoverError) {
          ctx.io.stderr(`error: ${err.message}\n`);
          return EXIT.failure;
        }
        throw err;
      }
      const simulated = ctx.opts.local === true;
      ctx.emit({
        json: recoverJson(result, simulated),
        name: `recover-${pair.id}.html`,
        view: {
          title: `${result.status === 'succeeded' ? 'recovered' : 'FAILED'}: ${result.instanceId} in account ${result.account}, ${result.region}${simulated ? ' (simulation)' : ''}`,
          sections: [
            {
              columns: [],
              rows: [
                ['snapshot', result.snapshotId ?? '-'],
                ['RTO', result.rtoSeconds === undefined ? '-' : `${formatDuration(result.rtoSeconds)} (request to usable)`],
                ['RPO', result.rpoSeconds === undefined ? '-' : `${formatDuration(result.rpoSeconds)} (the data's age when it became usable)`],
                ...(result.masterUserSecretArn ? [['master credentials', `${result.masterUserSecretArn} (Secrets Manager, vault account)`]] : []),
                ...(result.settingsApplied && result.settingsApplied.length > 0 ? [['applied after the restore', result.settingsApplied.join(', ')]] : []),
                ...result.notes.map((n) => ['note', n]),
                ...(result.reason ? [['reason', result.reason]] : []),
              ],
            },
          ],
        },
      });
      return result.status === 'succeeded' ? EXIT.ok : EXIT.failure;
    } finally {
      await close();
    }
  },
});
