/**
 * The one way the project makes a dead-letter queue: encrypted, TLS only, kept two weeks.
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledgeNag } from './nag';

/**
 * Creates a dead-letter queue under `scope` with construct id `id` (ids are part of the contract:
 * keep them when moving code here).
 * @param whose what sends its failures here, for the cdk-nag acknowledgement (a DLQ needs no DLQ of its own)
 */
export function deadLetterQueue(scope: Construct, id: string, whose: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // Time to investigate a failed night before the evidence expires.
    retentionPeriod: Duration.days(14),
  });
  acknowledgeNag(queue, 'AwsSolutions-SQS3', `This queue is itself the dead-letter queue of ${whose}`);
  return queue;
}
