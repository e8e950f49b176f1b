/**
 * SQS: copies that must wait (the cross-region copy quota is full, the source is not available yet)
 * go to a queue with a per-message delay and come back to the copy function.
 */
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSClientConfig } from '@aws-sdk/client-sqs';

/** SQS's longest per-message delay. */
export const MAX_DELAY_SECONDS = 900;

/** Sends deferred work back to the copy function later. */
export class DeferQueue {
  public constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Queues a message to be delivered after `delaySeconds` (capped at SQS's 15 minutes). */
  public async defer(message: Record<string, unknown>, delaySeconds: number): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message), DelaySeconds: Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.round(delaySeconds))) }));
  }
}

/**
 * The vault's inbox, in the vault account (issue 18): production sends it the manifest of each snapshot it shares.
 * The queue's policy lets production's share role send, and nothing else (infra/stacks/vault-stack.ts).
 */
export class VaultInbox {
  public constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /** Sends one manifest. */
  public async send(manifest: { snapshotArn: string }): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(manifest) }));
  }
}

/** An SQS client for a region. */
export function queueClient(region: string, extra: SQSClientConfig = {}): SQSClient {
  return new SQSClient({ region, maxAttempts: 6, ...extra });
}
