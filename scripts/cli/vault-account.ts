/**
 * The vault account as the vault's commands (`recover`, `vault`) reach it: with the vault account's credentials, its
 * stack's outputs in the vault region name the ledger table and the key.
 */
import { cloudFormationClient, StackNotFoundError, stackOutputs } from '../../lambdas/aws/stack';
import type { VaultConfig } from '../../lambdas/kernel/config';
import { VAULT_STACK_OUTPUTS, vaultStackId } from '../../lambdas/vault/names';

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
