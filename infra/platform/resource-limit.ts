/**
 * CloudFormation takes at most 500 resources per stack. A replica-region stack has about 85 of its own (functions,
 * queues, the ledger, keys, the event pipeline, the nine alarms over the replicas, the dashboard, one retention
 * schedule per distinct retention cron and zone), and each pair still adds its refresh schedule: some 415 pairs fit
 * one replica region. Synth fails past the limit, naming the count, rather than the deployment failing after minutes.
 */
import { CfnResource, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** CloudFormation's limit of resources per stack. */
export const MAX_STACK_RESOURCES = 500;

/** The CloudFormation resources a stack's template holds (CDK's own metadata resource aside). */
export function countResources(stack: Stack): number {
  return stack.node.findAll().filter((c: IConstruct) => CfnResource.isCfnResource(c) && Stack.of(c) === stack && c.cfnResourceType !== 'AWS::CDK::Metadata').length;
}

/**
 * Fails the synth of `stack` when its template would pass CloudFormation's limit (CDK's metadata resource counted
 * as one more).
 * @param pairs how many pairs the stack serves, for the message
 * @param perPair what each pair adds, for the message
 */
export function enforceResourceLimit(stack: Stack, pairs: number, perPair: string): void {
  stack.node.addValidation({
    validate: () => {
      const count = countResources(stack) + 1;
      if (count <= MAX_STACK_RESOURCES) return [];
      return [
        `${stack.stackName} would hold ${count} resources, over CloudFormation's limit of ${MAX_STACK_RESOURCES} per stack: its ${pairs} pair(s) each add ${perPair}. ` +
          'Move some pairs to another replica region or account (see the README, "Known limits").',
      ];
    },
  });
}
