/**
 * The vault stack's outputs as the vault's commands read them (scripts/cli/vault-account.ts), over a mocked
 * CloudFormation: the ledger and the key, and errors that say to use the vault account's credentials.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { vaultStackResources } from '../../../scripts/cli/vault-account';

const cfn = mockClient(CloudFormationClient);
const VAULT = { account: '222222222222', region: 'eu-west-2' };
const KEY = 'arn:aws:kms:eu-west-2:222222222222:key/1234';

beforeEach(() => cfn.reset());

describe('vaultStackResources', () => {
  it('reads the ledger table and the key from the vault stack of the vault region', async () => {
    cfn.on(DescribeStacksCommand, { StackName: 'ReplicaRefreshVault-eu-west-2' }).resolves({
      Stacks: [{ StackName: 'ReplicaRefreshVault-eu-west-2', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [{ OutputKey: 'VaultLedgerTableName', OutputValue: 'vault-ledger' }, { OutputKey: 'VaultKeyArn', OutputValue: KEY }] }],
    });
    await expect(vaultStackResources(VAULT)).resolves.toEqual({ ledgerTable: 'vault-ledger', keyArn: KEY });
  });

  it("says to use the vault account's credentials when the stack is not found (production's are the likeliest cause)", async () => {
    cfn.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id ReplicaRefreshVault-eu-west-2 does not exist'), { name: 'ValidationError' }));
    await expect(vaultStackResources(VAULT)).rejects.toThrow(/was not found in eu-west-2: run this with the vault account's credentials \(account 222222222222: --profile <its profile>\)/);
  });

  it('says to deploy this version when the stack has no ledger output', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [{ StackName: 'ReplicaRefreshVault-eu-west-2', CreationTime: new Date(), StackStatus: 'CREATE_COMPLETE', Outputs: [] }] });
    await expect(vaultStackResources(VAULT)).rejects.toThrow(/has no VaultLedgerTableName output: deploy the vault stack with this version/);
  });
});
