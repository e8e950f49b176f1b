/**
 * SNS: the only file that publishes notifications. One message for people (text, email-friendly
 * subject) with the same content as JSON in a message attribute for machines, plus attributes that
 * subscription filter policies can match (`severity`, `kind`, `replica`).
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { SNSClientConfig } from '@aws-sdk/client-sns';
import type { Notification, Notifier } from '../kernel/ports';

/** SNS subjects: at most 100 printable ASCII characters, no line breaks. */
export function toSubject(subject: string): string {
  const ascii = subject.replace(/[^\x20-\x7E]/g, '-').trim();
  return ascii.length <= 100 ? ascii : `${ascii.slice(0, 97)}...`;
}

/** Publishes notifications to one topic. */
export class SnsNotifier implements Notifier {
  /**
   * @param sns a client in the replica region, built once per cold start
   * @param topicArn the notifications topic
   */
  public constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  public async publish(n: Notification): Promise<void> {
    await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: toSubject(n.subject),
        Message: n.text,
        MessageAttributes: {
          severity: { DataType: 'String', StringValue: n.severity },
          kind: { DataType: 'String', StringValue: n.kind },
          replica: { DataType: 'String', StringValue: n.replicaId },
          ...(n.runId ? { runId: { DataType: 'String', StringValue: n.runId } } : {}),
          json: { DataType: 'String', StringValue: JSON.stringify({ kind: n.kind, severity: n.severity, replica: n.replicaId, runId: n.runId ?? null, ...n.data }) },
        },
      }),
    );
  }
}

/** An SNS client for the notifications topic's region. */
export function notifyClient(region: string, extra: SNSClientConfig = {}): SNSClient {
  return new SNSClient({ region, maxAttempts: 6, ...extra });
}
