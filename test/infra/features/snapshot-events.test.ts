import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SnapshotEvents } from '../../../infra/features/snapshot-events';
import { assertHasResource, assertResourceCount, newStack, unacknowledgedNagFindings } from '../helpers';

function build(sourceIds: string[]) {
  const stack = newStack('eu-west-1');
  const handler = new lambda.Function(stack, 'Copy', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => [];') });
  new SnapshotEvents(stack, 'SnapshotEvents', { sourceIds, handler });
  return { stack, template: Template.fromStack(stack) };
}

describe('SnapshotEvents', () => {
  const { stack, template } = build(['orders-prod', 'billing-prod']);

  it('matches automated and manual "snapshot created" events of the x instances by ID and name prefix, with or without rds:', () => {
    assertResourceCount(template, 'AWS::Events::Rule', 1);
    assertHasResource(template, 'AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.rds'],
        'detail-type': ['RDS DB Snapshot Event'],
        detail: {
          EventID: ['RDS-EVENT-0091', 'RDS-EVENT-0042'],
          SourceIdentifier: [{ prefix: 'rds:billing-prod-' }, { prefix: 'billing-prod-' }, { prefix: 'rds:orders-prod-' }, { prefix: 'orders-prod-' }],
        },
      },
      State: 'ENABLED',
    });
  });

  it('sends them to the function, retrying delivery, then to an encrypted dead-letter queue', () => {
    assertHasResource(template, 'AWS::Events::Rule', {
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Copy'), 'Arn'] },
          Id: Match.anyValue(),
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SnapshotEventsDeadLetterQueue'), 'Arn'] } },
        },
      ],
    });
    assertHasResource(template, 'AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
    assertHasResource(template, 'AWS::Lambda::Permission', { Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SnapshotEventsRule'), 'Arn'] } });
  });

  it('lets only the rule write to its dead-letter queue', () => {
    assertHasResource(template, 'AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^SnapshotEventsRule'), 'Arn'] } } },
          }),
        ]),
      },
    });
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack).filter((f) => f.includes('SnapshotEvents'))).toEqual([]);
  });

  it('fails without a source', () => {
    expect(() => build([])).toThrow('sourceIds must name at least one instance, got []');
  });
});
