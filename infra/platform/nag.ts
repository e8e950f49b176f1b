/**
 * cdk-nag v3 acknowledgements. v3 replaced `NagSuppressions` with CDK's own `Validations.of().acknowledge()`,
 * and a wildcard finding must be acknowledged one by one as `RuleId[Finding]` (the v2 `appliesTo`).
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Acknowledges one cdk-nag finding on a construct and everything below it.
 *
 * @param scope where the finding is raised, or a parent of it
 * @param ruleId the rule, such as `AwsSolutions-IAM5`
 * @param reason why the finding is accepted; specific to this construct
 * @param finding the finding within the rule, such as `Resource::*` (the v2 `appliesTo`)
 */
export function acknowledgeNag(scope: IConstruct, ruleId: string, reason: string, finding?: string): void {
  Validations.of(scope).acknowledge({ id: finding === undefined ? ruleId : `${ruleId}[${finding}]`, reason });
}

/**
 * The way cdk-nag prints an ARN built by `Stack.formatArn` in a stack with a concrete region and account:
 * the partition stays a pseudo parameter.
 */
export function nagArn(service: string, region: string, account: string, resource: string): string {
  return `arn:<AWS::Partition>:${service}:${region}:${account}:${resource}`;
}
