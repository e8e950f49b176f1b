/**
 * CloudFormation: the operator commands find the deployed ledger and functions through the stack's
 * outputs, so nothing has to be copied from the console.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { CloudFormationClientConfig } from '@aws-sdk/client-cloudformation';

export { STACK_OUTPUTS } from '../kernel/stack-outputs';

/** A deployed stack could not be read. */
export class StackNotFoundError extends Error {
  public constructor(stackName: string, region: string, cause?: unknown) {
    super(`stack ${stackName} was not found in ${region}: deploy it with "npx cdk deploy ${stackName}", or pass --local to use the simulation`, { cause });
    this.name = 'StackNotFoundError';
  }
}

/** Reads a stack's outputs by key. */
export async function stackOutputs(client: CloudFormationClient, stackName: string, region: string): Promise<Record<string, string>> {
  let stacks;
  try {
    stacks = (await client.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks;
  } catch (err) {
    // DescribeStacks answers a missing stack with ValidationError "Stack with id … does not exist".
    if ((err as Error).name === 'ValidationError') throw new StackNotFoundError(stackName, region, err);
    if ((err as Error).name === 'CredentialsProviderError') throw new Error(`no AWS credentials found to read stack ${stackName} in ${region}: configure them (AWS_PROFILE, aws sso login, …), or pass --local to use the simulation`, { cause: err });
    throw new Error(`cannot read stack ${stackName} in ${region}: ${(err as Error).name}: ${(err as Error).message}`, { cause: err });
  }
  const stack = stacks?.[0];
  if (!stack) throw new StackNotFoundError(stackName, region);
  return Object.fromEntries((stack.Outputs ?? []).flatMap((o) => (o.OutputKey && o.OutputValue ? [[o.OutputKey, o.OutputValue]] : [])));
}

/** A CloudFormation client for a region, with the standard credential chain. */
export function cloudFormationClient(region: string, extra: CloudFormationClientConfig = {}): CloudFormationClient {
  return new CloudFormationClient({ region, ...extra });
}
