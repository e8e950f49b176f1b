/**
 * CloudFormation takes at most 500 resources per stack. A replica-region stack has about 70 of its own, and each
 * pair adds its refresh schedule, its retention schedule (pairs whose copies the project expires) and up to nine
 * alarms (the five of `alarms` and the event path's three per replica, the run-stuck alarm with run-failed): with
 * every alarm on, about 39 pairs fit one replica region. Synth fails past the limit, naming the count, rather than
 * the deployment failing after minutes.
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
          'Move some pairs to another replica region or account, or turn per-replica alarms off under "alarms" in cdk.json (see the README, "Known limits").',
      ];
    },
  });
}
