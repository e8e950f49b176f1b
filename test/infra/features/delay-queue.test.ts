import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DelayQueue, type DelayQueueConsumer } from '../../../infra/features/delay-queue';
import { assertHasResource, assertResourceCount, iamStatements, newStack, resourcesAllowed, unacknowledgedNagFindings } from '../helpers';

function build(maxReceiveCount?: number, consumer: DelayQueueConsumer = { reservedConcurrentExecutions: 3 }) {
  const stack = newStack('eu-west-1');
  const fn = new lambda.Function(stack, 'Copy', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    timeout: Duration.seconds(90),
    reservedConcurrentExecutions: consumer.reservedConcurrentExecutions,
    code: lambda.Code.fromInline('exports.handler = async () => [];'),
  });
  const delay = new DelayQueue(stack, 'Delay', { consumerTimeout: Duration.seconds(90), ...(maxReceiveCount === undefined ? {} : { maxReceiveCount }) });
  delay.connect(fn, consumer);
  return { stack, template: Template.fromStack(stack) };
}

describe('DelayQueue', () => {
  const { stack, template } = build();

  it('is encrypted by SQS, hides a message six function timeouts long, and redrives to a dead-letter queue after 3 receives', () => {
    assertResourceCount(template, 'AWS::SQS::Queue', 2);
    assertHasResource(template, 'AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 540,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DelayDeadLetterQueue'), 'Arn'] }, maxReceiveCount: 3 },
    });
  });

  it('denies plain HTTP on both queues', () => {
    assertResourceCount(template, 'AWS::SQS::QueuePolicy', 2);
    assertHasResource(template, 'AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: Match.stringLikeRegexp('^DelayQueue') }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('feeds the function one message at a time and lets it send deferred copies', () => {
    assertHasResource(template, 'AWS::Lambda::EventSourceMapping', {
      BatchSize: 1,
      EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DelayQueue'), 'Arn'] },
      FunctionName: { Ref: Match.stringLikeRegexp('^Copy') },
    });
    expect(resourcesAllowed(iamStatements(template), 'sqs:SendMessage')).toEqual([expect.stringMatching(/^\$\{DelayQueue\w+\.Arn\}$/)]);
  });

  it('runs at most two deferred copies at once (the minimum), below the consumer\'s reserved concurrency', () => {
    assertHasResource(template, 'AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 2 } });
    assertHasResource(build(undefined, { reservedConcurrentExecutions: 10, maxConcurrency: 5 }).template, 'AWS::Lambda::EventSourceMapping', { ScalingConfig: { MaximumConcurrency: 5 } });
  });

  it.each([
    ['equal to the reserved concurrency', { reservedConcurrentExecutions: 2 }, "maxConcurrency (2) must be below the consumer's reserved concurrency (2)"],
    ['above the reserved concurrency', { reservedConcurrentExecutions: 3, maxConcurrency: 4 }, "maxConcurrency (4) must be below the consumer's reserved concurrency (3)"],
    ['under the minimum of 2', { reservedConcurrentExecutions: 3, maxConcurrency: 1 }, "maxConcurrency must be a whole number of at least 2 (the SQS event source's minimum), got 1"],
  ])('fails on a maximum concurrency %s', (_name, consumer, message) => {
    expect(() => build(undefined, consumer)).toThrow(message);
  });

  it('leaves no cdk-nag finding unacknowledged', () => {
    expect(unacknowledgedNagFindings(stack).filter((f) => f.includes('Delay'))).toEqual([]);
  });

  it('takes another receive count', () => {
    assertHasResource(build(5).template, 'AWS::SQS::Queue', { RedrivePolicy: Match.objectLike({ maxReceiveCount: 5 }) });
  });

  it('fails on a receive count outside 1–10', () => {
    expect(() => build(0)).toThrow('maxReceiveCount must be a whole number from 1 to 10, got 0');
  });
});
