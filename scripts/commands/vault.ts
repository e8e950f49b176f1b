/**
 * `npm run vault`: the vault's inventory, as an auditor checking a backup vault reads it (issue 18): for each x kept
 * there, its copies (how many, the newest and oldest data), the newest copy's age against rpoHours, the keys they are
 * under, what retention expires next, whether x's settings were recorded, and the recoveries with their RTO and RPO
 * (lambdas/vault/audit.ts decides; this fetches and prints).
 *
 * Against AWS it reads the vault account only (the vault account's credentials: --profile), its RDS in the vault
 * region and its ledger, found through the vault stack's outputs. `--local` reads the simulated vault after `--nights`
 * of production sharing its copies with it.
 */
import { ledgerClient } from '../../lambdas/aws/ledger';
import { replicaRdsClient } from '../../lambdas/aws/rds';
import { VaultLedger } from '../../lambdas/aws/vault-ledger';
import { formatDuration } from '../../lambdas/reporting/measures';
import type { VaultInventory, VaultInventoryReads } from '../../lambdas/vault/audit';
import { readInventory } from '../../lambdas/vault/audit';
import { vaultConfigFile } from '../../lambdas/vault/config';
import { defineCommand } from '../cli/command';
import { EXIT, UsageError } from '../cli/errors';
import type { Cell } from '../cli/output';
import { formatLocal } from '../cli/time';
import { simulatedVault, vaultInventoryReads, vaultStackResources } from '../cli/vault-account';

/** The time of an ISO instant in the configured zone, or "-". */
function when(iso: string | undefined, zone: string): string {
  return iso ? formatLocal(new Date(iso), zone, 'ccc yyyy-MM-dd HH:mm') : '-';
}

/** One table row per x. */
function rowOf(r: VaultInventory, zone: string, rpoHours: number): Cell[] {
  const last = r.recoveries.last;
  return [
    r.replica,
    `${r.source} (${r.sourceRegion}${r.kind === 'cluster' ? ', Aurora' : ''})`,
    [`${r.copies.available}`, ...(r.copies.copying > 0 ? [`+${r.copies.copying} copying`] : []), ...Object.entries(r.copies.other).map(([status, n]) => `+${n} ${status}`)].join(', '),
    r.newest ? `${when(r.newest.dataTime, zone)} (${r.newest.ageHours} h${r.newest.withinRpo ? '' : `, over ${rpoHours} h`})` : 'none',
    when(r.oldestDataTime, zone),
    r.keys.length === 0 ? '-' : r.keys.map((k) => k.split('/').pop()).join(', '),
    r.expiringNext,
    last ? `${last.status} ${when(last.requestedAt, zone)}${last.rtoSeconds !== undefined ? `, RTO ${formatDuration(last.rtoSeconds)}` : ''}${last.rpoSeconds !== undefined ? `, RPO ${formatDuration(last.rpoSeconds)}` : ''}` : 'never',
    r.attention.length === 0 ? 'ok' : 'ATTENTION',
  ];
}

export const vault = defineCommand({
  name: 'vault',
  description:
    "Show the vault's inventory as an auditor reads it: for each x kept there, its copies, the newest copy's data age against rpoHours, the keys they are under, what retention expires next, and the recoveries from the vault with their RTO and RPO. Reads the vault account only (its credentials: --profile). Exits 0 when every x has a restorable copy within rpoHours, every copy is under the vault's key and no last recovery failed; 1 otherwise, or when the vault account cannot be read.",
  replicas: 'any',
  examples: ['npm run vault -- --local --config infra/examples/vault/cdk.json', 'npm run vault -- --local --config infra/examples/vault/cdk.json --output json', 'npm run vault -- --config cdk.json --profile vault-account'],
  run: async (ctx) => {
    const cfg = ctx.config.vault;
    if (!cfg) throw new UsageError(`${ctx.configPath} has no vault`, 'add replicaRefresh.vault ({"account", "region"}) and deploy the vault stack first');
    const file = vaultConfigFile(ctx.config);
    const wanted = new Set(ctx.pairs.map((p) => p.id));
    const pairs = file.pairs.filter((p) => wanted.has(p.id));

    let reads: VaultInventoryReads;
    let close = () => Promise.resolve();
    if (ctx.opts.local) {
      const { sim, vault: simulated } = await simulatedVault({ raw: ctx.raw, ...ctx.opts }, ctx.progress);
      close = () => sim.close();
      reads = simulated.inventoryReads(pairs);
    } else {
      const { ledgerTable, keyArn } = await vaultStackResources(cfg);
      reads = vaultInventoryReads(replicaRdsClient(cfg.region), pairs, new VaultLedger(ledgerClient(cfg.region), ledgerTable), keyArn, new Date());
    }
    try {
      const inventory = await readInventory(reads, pairs, cfg, ctx.progress);
      const ok = inventory.every((r) => r.attention.length === 0);
      const simulated = ctx.opts.local === true;
      const zone = ctx.config.timeZone;
      ctx.emit({
        json: { simulated, account: cfg.account, region: cfg.region, now: reads.now.toISOString(), rpoHours: cfg.rpoHours, retentionDays: cfg.retentionDays, keepAtLeast: cfg.keepAtLeast, ...(reads.keyArn ? { keyArn: reads.keyArn } : {}), ok, replicas: inventory },
        name: 'vault.html',
        view: {
          title: `vault ${cfg.account}, ${cfg.region}${simulated ? ' (simulation)' : ''}: ${ok ? 'every x has a restorable copy within rpoHours' : 'NEEDS ATTENTION'} (${when(reads.now.toISOString(), zone)}, ${zone})`,
          sections: [
            {
              columns: ['replica', 'x', 'copies', 'newest data (age)', 'oldest data', 'keys', 'expiring next', 'last recovery', 'state'],
              rows: inventory.map((r) => rowOf(r, zone, cfg.rpoHours)),
              notes: [
                `rpoHours ${cfg.rpoHours}; copies kept ${cfg.retentionDays} days, the newest ${cfg.keepAtLeast} of each x always${reads.keyArn ? `; the vault's key ${reads.keyArn}` : ''}.`,
                ...inventory.flatMap((r) => [...r.attention.map((a) => `${r.replica}: ATTENTION: ${a}`), ...r.notes.map((n) => `${r.replica}: ${n}`)]),
              ],
            },
          ],
        },
      });
      return ok ? EXIT.ok : EXIT.failure;
    } finally {
      await close();
    }
  },
});
