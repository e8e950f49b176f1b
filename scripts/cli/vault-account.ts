/**
 * The vault account as the vault's commands (`recover`, `vault`) reach it: with the vault account's credentials, its
 * stack's outputs in the vault region name the ledger table and the key; with `--local`, the simulated vault after
 * nights of production sharing its copies with it.
 */
import type { RDSClient } from '@aws-sdk/client-rds';
import { cloudFormationClient, StackNotFoundError, stackOutputs } from '../../lambdas/aws/stack';
import { keepingCalls } from '../../lambdas/aws/vault-snapshots';
import type { VaultConfig } from '../../lambdas/kernel/config';
import type { VaultInventoryReads } from '../../lambdas/vault/audit';
import type { VaultPair } from '../../lambdas/vault/config';
import { VAULT_COPY_TAG, VAULT_STACK_OUTPUTS, vaultStackId } from '../../lambdas/vault/names';
import { KeptSnapshots } from '../../lambdas/vault/snapshots';
import type { SimVault } from '../sim/vault';
import type { Simulation } from '../sim/world';
import { parseFaults } from './backend';

/** What the vault stack says of its resources. */
export interface VaultStackResources {
  ledgerTable: string;
  /** The vault key's ARN; undefined when the stack does not export it. */
  keyArn?: string;
}

/**
 * Reads the vault stack's outputs.
 * @throws Error saying to use the vault account's credentials when the stack is not found (the likeliest cause is
 *   production's), or to deploy this version when the ledger output is missing
 */
export async function vaultStackResources(vault: Pick<VaultConfig, 'account' | 'region'>): Promise<VaultStackResources> {
  const stack = vaultStackId(vault.region);
  let outputs: Record<string, string>;
  try {
    outputs = await stackOutputs(cloudFormationClient(vault.region), stack, vault.region);
  } catch (err) {
    if (!(err instanceof StackNotFoundError)) throw err;
    throw new Error(`stack ${stack} was not found in ${vault.region}: run this with the vault account's credentials (account ${vault.account}: --profile <its profile>), and deploy the vault stack there first if it is not (npx cdk deploy ${stack}); --local uses the simulation`, { cause: err });
  }
  const ledgerTable = outputs[VAULT_STACK_OUTPUTS.ledgerTable];
  if (!ledgerTable) throw new Error(`stack ${stack} in ${vault.region} has no ${VAULT_STACK_OUTPUTS.ledgerTable} output: deploy the vault stack with this version, with the vault account's credentials`);
  const keyArn = outputs[VAULT_STACK_OUTPUTS.keyArn];
  return { ledgerTable, ...(keyArn ? { keyArn } : {}) };
}

/**
 * The simulated accounts after `nights` of production sharing its copies with the vault (the simulation's options as
 * the commands take them); closed again when that fails.
 */
export async function simulatedVault(opts: { raw: unknown; seed: number; faults?: string; nights: number }, progress: (line: string) => void): Promise<{ sim: Simulation; vault: SimVault }> {
  const { Simulation, FAULTS } = await import('../sim/world');
  const sim = await Simulation.create({ config: opts.raw, seed: opts.seed, faults: parseFaults(opts.faults, Object.keys(FAULTS)), probe: false });
  try {
    progress(`simulating ${opts.nights} night(s) of production sharing its copies with the vault…`);
    await sim.runNights(opts.nights);
    if (!sim.vault) throw new Error('the simulation has no vault');
    return { sim, vault: sim.vault };
  } catch (err) {
    await sim.close();
    throw err;
  }
}

/**
 * What `npm run vault` reads of the vault account (lambdas/vault/audit.ts): its copies in the vault region, over that
 * region's RDS client, of the kinds the pairs' x's are; its ledger; its key.
 */
export function vaultInventoryReads(client: RDSClient, pairs: readonly VaultPair[], ledger: VaultInventoryReads['ledger'], keyArn: string | undefined, now: Date): VaultInventoryReads {
  const kinds = new Set(pairs.map((p) => p.kind ?? 'instance'));
  return { listCopies: () => new KeptSnapshots(keepingCalls(client, kinds)).listTaggedManualSnapshots(VAULT_COPY_TAG), ledger, ...(keyArn ? { keyArn } : {}), now };
}
